package web

import (
	"net/url"
	"slices"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// 三争创 criteria: the round form's settings, the ballot's ratings, and the profiles the
// results and dossiers show (see internal/store, criteria.go).

// parseCriteriaSettings reads the round form's criteria settings.
func parseCriteriaSettings(v *Validator, f url.Values, d *view.RoundFormData, in *store.RoundInput) {
	d.Criteria, d.PersonCriteria = f.Get("criteria"), f.Get("person_criteria")
	if d.Criteria == "" { // a form from before the setting existed
		d.Criteria = store.CriteriaOff
	}
	if d.PersonCriteria == "" {
		d.PersonCriteria = string(rules.FiveHaves)
	}
	v.Check(store.CriteriaModeLabel(d.Criteria) != d.Criteria, "criteria", "请选择是否评价三争创标准")
	v.Check(slices.Contains(rules.PersonCriteriaSets, rules.CriteriaSet(d.PersonCriteria)), "person_criteria", "请选择个人对象按五个有还是五带头评价")
	in.Criteria, in.PersonCriteria = d.Criteria, rules.CriteriaSet(d.PersonCriteria)
}

// parseBallotCriteria reads the ballot's criteria ratings into d.Rated and, where the
// round requires them, lists in d.MissingCriteria each answered subject's criteria still
// unrated. A subject the rater abstained on has no criteria; one not yet answered keeps
// what was rated but is not asked for more until it is.
func parseBallotCriteria(f url.Values, d *view.BallotData) {
	d.Rated, d.MissingCriteria = map[int64][5]uint8{}, map[int64][]int{}
	if d.Criteria != store.CriteriaOptional && d.Criteria != store.CriteriaRequired {
		return
	}
	for _, s := range d.Subjects {
		var rated [ballotbox.Criteria]uint8
		var missing []int
		for k := range rated {
			c, ok := rules.ParseChoice(f.Get(view.CriteriaField(s.ID, k)))
			if ok && c.Counts() {
				rated[k] = uint8(c)
			} else {
				missing = append(missing, k)
			}
		}
		switch choice := d.Choices[s.ID]; {
		case choice == rules.Abstention:
			continue
		case choice != 0 && d.Criteria == store.CriteriaRequired && len(missing) > 0:
			d.MissingCriteria[s.ID] = missing
		}
		if rated != ([ballotbox.Criteria]uint8{}) {
			d.Rated[s.ID] = rated
		}
	}
}
