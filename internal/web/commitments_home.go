package web

import (
	"errors"
	"net/http"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// commitmentHome is the commitments card of the office's and leaders' home page: how
// many villages have filed, what waits for review, and which villages have no leader's
// comment this quarter.
func (s *Server) commitmentHome(r *http.Request) (view.CommitmentHomeData, error) {
	u := currentUser(r)
	now := today()
	d := view.CommitmentHomeData{Year: now.Year(), Quarter: rules.Quarter(now)}
	villages, err := s.store.Villages(r.Context(), u.TownshipID)
	if err != nil {
		return d, err
	}
	for _, v := range villages {
		if v.Active {
			d.Villages++
		}
	}
	stages, err := s.store.CommitmentStages(r.Context(), u.TownshipID, d.Year)
	if err != nil {
		return d, err
	}
	for _, st := range stages {
		if st.Working != nil && st.Working.Status == store.CommitmentSubmitted {
			d.ToReview++
		}
		if st.VillageID == nil {
			continue
		}
		d.Filed++
		if st.InForce != nil {
			d.InForce++
		}
	}
	if d.Gaps, err = s.store.CommentGaps(r.Context(), u.TownshipID, d.Year, d.Quarter); err != nil {
		return d, err
	}
	return d, nil
}

// villageCommitment is the commitment card of a secretary's home page: this year's
// commitment, what falls due this month and what is overdue. The village is the
// account's.
func (s *Server) villageCommitment(r *http.Request, v store.Village) (view.VillageCommitmentData, error) {
	u := currentUser(r)
	now := today()
	d := view.VillageCommitmentData{Year: now.Year(), Village: v.Name, Today: now, CanFileNext: now.Month() >= time.October}
	ctx := r.Context()
	c, err := s.store.CommitmentOf(ctx, u.TownshipID, &v.ID, d.Year)
	if errors.Is(err, store.ErrNotFound) {
		return d, s.nextYear(r, v, &d)
	}
	if err != nil {
		return d, err
	}
	d.C = &c
	stages, err := s.store.CommitmentStages(ctx, u.TownshipID, d.Year)
	if err != nil {
		return d, err
	}
	for i := range stages {
		if stages[i].CommitmentID == c.ID {
			d.Stage = &stages[i]
		}
	}
	if d.Stage != nil && d.Stage.InForce != nil {
		b, err := s.store.CommitmentBoard(ctx, c, *d.Stage.InForce)
		if err != nil {
			return d, err
		}
		d.Summary = summarize(b, now)
		states := b.Assess(now)
		for _, iv := range itemViews(b.Items, states, nil, nil) {
			leaves := []view.DueItem{{ItemView: iv}}
			if !iv.Leaf() {
				leaves = nil
				for _, sub := range iv.Subs {
					leaves = append(leaves, view.DueItem{ItemView: sub, Parent: iv.Item.Content})
				}
			}
			for _, x := range leaves {
				switch {
				case x.State == nil:
				case x.State.Status == rules.ItemOverdue:
					d.Overdue = append(d.Overdue, x)
				case rules.DueInMonth(x.Item.Deadline, x.State.Status, now):
					d.Due = append(d.Due, x)
				}
			}
		}
	}
	return d, s.nextYear(r, v, &d)
}

func (s *Server) nextYear(r *http.Request, v store.Village, d *view.VillageCommitmentData) error {
	next, err := s.store.CommitmentOf(r.Context(), currentUser(r).TownshipID, &v.ID, d.Year+1)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	d.NextYear = &next
	return nil
}
