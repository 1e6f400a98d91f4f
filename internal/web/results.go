package web

import (
	"net/http"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// Results of a counted round: the page with its summary and chart, the print view; the
// workbook is results_xlsx.go. Nobody sees a tally before the box is opened.

func (s *Server) results(w http.ResponseWriter, r *http.Request) {
	d, ok := s.resultsData(w, r)
	if !ok {
		return
	}
	resultsAtAGlance(r, &d)
	s.render(w, r, http.StatusOK, view.Results(s.chrome(r, "测评结果", "rounds"), d))
}

func (s *Server) resultsPrint(w http.ResponseWriter, r *http.Request) {
	d, ok := s.resultsData(w, r)
	if !ok {
		return
	}
	d.Print = true
	s.render(w, r, http.StatusOK, view.ResultsPrint(d))
}

// resultsData loads a closed round's results; nobody sees a tally while it is open.
func (s *Server) resultsData(w http.ResponseWriter, r *http.Request) (view.ResultsData, bool) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return view.ResultsData{}, false
	}
	if !s.resultsVisible(w, r, round) {
		return view.ResultsData{}, false
	}
	d := view.ResultsData{Round: round}
	var err error
	if d.Groups, err = s.store.RoundGroups(r.Context(), round.TownshipID, round.ID); err == nil {
		d.Results, err = s.store.Results(r.Context(), round.TownshipID, round.ID)
	}
	if err == nil && round.AsksCriteria() {
		d.Criteria, err = s.store.RoundCriteria(r.Context(), round.TownshipID, round.ID)
	}
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	return d, true
}

// resultsVisible refuses a round's results until the box is opened, and to the county
// until they are published (公示).
func (s *Server) resultsVisible(w http.ResponseWriter, r *http.Request, round store.Round) bool {
	switch {
	case !round.Counted():
		s.errorPage(w, r, http.StatusForbidden, "尚无结果", "开箱计票前不显示任何计票。")
		return false
	case currentUser(r).Role == store.RoleCounty && round.Status != store.StatusPublished:
		s.errorPage(w, r, http.StatusForbidden, "尚未公示", "县委组织部在结果公示后查看。")
		return false
	}
	return true
}
