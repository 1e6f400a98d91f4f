package web

import (
	"net/http"

	"pingyi/web/view"
)

// resultsAtAGlance adds the outcome counts and the satisfaction chart to the results
// page and, with ?show=talk, keeps only the subjects that need a talk.
func resultsAtAGlance(r *http.Request, d *view.ResultsData) {
	filter := view.FilterAll
	if r.URL.Query().Get("show") == view.FilterTalks {
		filter = view.FilterTalks
	}
	shown := d.Results
	if filter == view.FilterTalks {
		shown = nil
		for _, res := range d.Results {
			if view.NeedsTalk(res) {
				shown = append(shown, res)
			}
		}
	}
	d.Glance = view.NewResultsGlance(d.Round, d.Results, shown, filter)
	d.Results = shown
}
