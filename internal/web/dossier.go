package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// The dossier (档案): one page per subject with every counted round, the trend of S and D,
// talks, rectification, 诫勉 periods, documents and referrals. Office staff and leaders.

func (s *Server) personDossier(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	p, err := s.store.Person(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	sub := p.OrganisationName + " " + p.Position + " · " + rules.Tier(p.Level).Label()
	if !p.Active {
		sub += " · 已停用"
	}
	s.dossier(w, r, "p", p.ID, p.Name, sub, fmt.Sprintf("/people/%d/dossier", p.ID))
}

func (s *Server) orgDossier(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	o, err := s.store.Organisation(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	sub := store.KindLabel(o.Kind) + " · " + rules.Tier(o.Level).Label()
	if o.ResponsibleName != nil {
		sub += " · 负责人 " + *o.ResponsibleName
	}
	s.dossier(w, r, "o", o.ID, o.Name, sub, fmt.Sprintf("/orgs/%d/dossier", o.ID))
}

func (s *Server) dossier(w http.ResponseWriter, r *http.Request, kind string, id int64, name, subtitle, self string) {
	ctx, tid := r.Context(), currentUser(r).TownshipID
	d := view.DossierData{Name: name, Subtitle: subtitle, Self: self, Today: store.Today(), Print: r.URL.Query().Get("print") == "1"}
	var personID, orgID *int64
	if kind == "p" {
		personID = &id
	} else {
		orgID = &id
	}
	err := s.store.EnsureConsequences(ctx, tid)
	if err == nil {
		d.Rounds, err = s.store.DossierRounds(ctx, tid, kind, id)
	}
	if err == nil {
		var crit map[int64]*store.CriteriaProfile
		crit, err = s.store.SubjectCriteria(ctx, tid, kind, id)
		for i := range d.Rounds {
			d.Rounds[i].Criteria = crit[d.Rounds[i].RoundID]
		}
	}
	if err == nil {
		d.Talks, err = s.store.TalkList(ctx, tid, d.Today, store.TalkFilter{PersonID: personID, OrganisationID: orgID})
	}
	var withheld *countyWithheld
	if err == nil {
		withheld, err = s.countyWithheld(r)
	}
	if err == nil && withheld != nil {
		d.Rounds = slices.DeleteFunc(d.Rounds, func(x store.DossierRound) bool { return withheld.round(&x.RoundID) })
		d.Talks = withheld.keepTalks(d.Talks)
	}
	if err == nil {
		d.Items, err = s.store.Rectifications(ctx, tid, d.Today, store.RectificationFilter{PersonID: personID, OrganisationID: orgID})
	}
	f := store.ConsequenceFilter{PersonID: personID, OrganisationID: orgID}
	if err == nil {
		d.Periods, err = s.store.Periods(ctx, tid, d.Today, f)
	}
	if err == nil {
		d.Documents, err = s.store.Documents(ctx, tid, f)
	}
	if err == nil && withheld != nil {
		d.Documents = slices.DeleteFunc(d.Documents, func(x store.Document) bool { return withheld.talk(x.TalkID) })
	}
	if err == nil {
		d.Referrals, err = s.store.Referrals(ctx, tid, f)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Chart = view.NewTrendChart(d.Rounds)
	d.Years = yearEligibility(d.Rounds, d.Talks)
	s.render(w, r, http.StatusOK, view.Dossier(s.chrome(r, name+" · 档案", "talks"), d))
}

// yearEligibility counts each year's talks (round tasks and talks recorded by hand alike,
// method.md §5), newest year first, for every year with a round or a talk.
func yearEligibility(rounds []store.DossierRound, talks []store.Talk) []view.YearEligibility {
	by := map[int]*view.YearEligibility{}
	get := func(y int) *view.YearEligibility {
		if by[y] == nil {
			by[y] = &view.YearEligibility{Year: y}
		}
		return by[y]
	}
	for _, r := range rounds {
		get(r.Year)
	}
	for _, t := range talks {
		e := get(t.Year)
		if t.Kind == store.TalkAdmonishment {
			e.Admonishments++
		} else {
			e.Reminders++
		}
	}
	out := make([]view.YearEligibility, 0, len(by))
	for _, e := range by {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year > out[j].Year })
	return out
}
