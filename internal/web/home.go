package web

import (
	"net/http"
	"time"

	"pingyi/internal/store"
	"pingyi/web/view"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	switch u.Role {
	case store.RoleSecretary:
		s.villageHome(w, r)
		return
	case store.RoleCounty:
		http.Redirect(w, r, "/county", http.StatusSeeOther)
		return
	}
	counts, err := s.store.Counts(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.HomeData{Counts: counts}
	rounds, err := s.store.Rounds(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, rd := range rounds {
		if rd.Status == store.StatusDraft || rd.Status == store.StatusOpen {
			d.Rounds = append(d.Rounds, rd)
		}
	}
	talks, err := s.store.Talks(r.Context(), u.TownshipID, "pending")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.PendingTalks = len(talks)
	if d.Alerts, err = s.talkAlerts(r); err != nil { // overdue talks and rectification (talks.go)
		s.serverError(w, r, err)
		return
	}
	// Commitments (双承诺): what waits for review, villages without a comment this quarter.
	if d.Commitments, err = s.commitmentHome(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.Home(s.chrome(r, "工作台", "home"), d))
}

// villageHome is a secretary's own village; the village comes from the account, never
// from the request, so no URL or form field can point it elsewhere.
func (s *Server) villageHome(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	v, err := s.store.Village(r.Context(), u.TownshipID, *u.VillageID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	orgs, people, err := s.store.VillageRoster(r.Context(), u.TownshipID, v.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	subjects, err := s.store.VillageSubjects(r.Context(), u.TownshipID, v.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.VillageHomeData{Village: v, Organisations: orgs, People: people, Subjects: subjects}
	// Assessment years open to appeal (考核复核).
	years, err := s.store.ScoreYears(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, y := range years {
		if y.AppealsOpen(time.Now()) {
			d.Appeals = append(d.Appeals, y)
		}
	}
	// The village's own published results and its talks.
	if d.Results, err = s.store.VillageResults(r.Context(), u.TownshipID, v.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Talks, err = s.store.VillageTalks(r.Context(), u.TownshipID, v.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	// Commitments (双承诺): this year's, what falls due this month, what is overdue.
	if d.Commitment, err = s.villageCommitment(r, v); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.VillageHome(s.chrome(r, v.Name, "home"), d))
}
