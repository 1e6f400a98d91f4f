package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// The mass evaluation of commitments (评诺): a round of kind store.KindCommitment, set up
// on the round form (/rounds/new?kind=commitment) over a year's published commitments and
// then run like every round. Its grades show on the commitment's staff page, on its public
// page once the round is published (公示), and in the year's overview.

// pledgeDefaults fills the round form in for a new 评诺 round: the year asked for (the
// form's or the address's "year"), else the latest with published commitments — last
// year's in the first quarter, when the year-end evaluation is held; every village's
// published commitment chosen, evaluated as a whole, by the 公众评议 group alone.
func (s *Server) pledgeDefaults(r *http.Request, d *view.RoundFormData) error {
	ctx, tid := r.Context(), currentUser(r).TownshipID
	years, err := s.store.PublicCommitmentYears(ctx, tid)
	if err != nil {
		return err
	}
	now := today()
	year := now.Year()
	for _, y := range years { // newest first
		if y <= now.Year() {
			year = y
			break
		}
	}
	if now.Month() <= time.March && slices.Contains(years, now.Year()-1) {
		year = now.Year() - 1 // a year is evaluated at its end, or early the next year
	}
	raw := r.URL.Query().Get("year")
	if r.Method == http.MethodPost {
		raw = r.PostForm.Get("year")
	}
	if y, err := strconv.Atoi(raw); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	opts, err := s.store.PublishedCommitments(ctx, tid, year)
	if err != nil {
		return err
	}
	villages, err := s.store.Villages(ctx, tid)
	if err != nil {
		return err
	}
	p := &view.PledgeForm{Year: year, Years: years, Scope: store.PledgeScopeWhole, Options: opts, Chosen: map[int64]bool{}}
	published := map[int64]bool{}
	township := false
	for _, o := range opts {
		if o.VillageID != nil {
			published[*o.VillageID] = true
			p.Chosen[o.ID] = true
		} else {
			township = true
		}
	}
	if !township {
		p.Unpublished = append(p.Unpublished, currentUser(r).TownshipName+"党委")
	}
	for _, v := range villages {
		if v.Active && !published[v.ID] {
			p.Unpublished = append(p.Unpublished, v.Name)
		}
	}
	d.Pledge, d.Kind, d.Year, d.Title = p, store.KindCommitment, strconv.Itoa(year), view.PledgeTitleDefault(year)
	// The masses evaluate: the 公众评议 group alone, where the township has it.
	groups, err := s.store.TownshipGroups(ctx, tid)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.Key == store.GroupPublic {
			d.Groups = groupFields(groups, []store.Group{{Key: store.GroupPublic, Weight: 100}})
			for id, group := range d.CatGroups {
				if group != store.GroupPublic {
					delete(d.CatGroups, id)
				}
			}
		}
	}
	return nil
}

// parsePledge reads the 评诺 part of the round form: how the commitments are evaluated
// and which of the year's published commitments. A commitment that is not among them
// (another year's or township's, or not published) is refused next to the field.
func parsePledge(r *http.Request, d *view.RoundFormData, in *store.RoundInput, v *Validator) {
	p, f := d.Pledge, r.PostForm
	p.Scope = f.Get("pledge_scope")
	v.Check(store.PledgeScopeLabel(p.Scope) != p.Scope, "pledge_scope", "请选择评议方式:整体评议或逐项评议")
	allowed := map[int64]bool{}
	for _, o := range p.Options {
		allowed[o.ID] = true
	}
	p.Chosen = map[int64]bool{}
	for _, raw := range f["commitment"] {
		id := formID(raw)
		if !allowed[id] {
			v.Add("commitments", fmt.Sprintf("所选承诺不在 %d 年已公开的承诺之列,请重新选择", p.Year))
			continue
		}
		if !p.Chosen[id] {
			p.Chosen[id] = true
			in.Commitments = append(in.Commitments, id)
		}
	}
	v.Check(len(in.Commitments) > 0, "commitments", "请至少选择一个已公开的承诺")
	in.Kind, in.PledgeScope = store.KindCommitment, p.Scope
	in.Levels, in.People, in.Organisations = nil, false, false
}

// pledgeFixed is the 评诺 part of the form when a draft's settings are edited: its year
// and subject choice stay as created.
func pledgeFixed(round store.Round, d *view.RoundFormData) {
	if round.IsPledge() {
		d.Pledge = &view.PledgeForm{Year: round.Year, Scope: round.Scope(), Fixed: true}
	}
}

// pledgeSubjectAdd adds a published commitment ("c" and its id in the subject field) to a
// draft 评诺 round: the items it has that the round has not, or the commitment itself.
func (s *Server) pledgeSubjectAdd(w http.ResponseWriter, r *http.Request, round store.Round, id int64) {
	err := s.store.AddPledgeSubjects(r.Context(), round.TownshipID, round.ID, id)
	switch {
	case errors.Is(err, store.ErrPledgeNotPublished):
		s.redirectRound(w, r, round.ID, flashBad, fmt.Sprintf("无法加入:该承诺不是本乡 %d 年已公开的承诺", round.Year))
	case errors.Is(err, store.ErrFrozen), errors.Is(err, store.ErrInvalid):
		s.redirectRound(w, r, round.ID, flashBad, "无法加入:投票已开始,或这不是评诺")
	case err != nil:
		s.storeError(w, r, err)
	default:
		s.redirectRound(w, r, round.ID, flashOK, "已加入该承诺尚未在本轮的评诺对象")
	}
}

// massEvaluations are a commitment's 评诺 results as the signed-in account may see them:
// office staff and leaders every counted round, linked to its results; a village's
// secretary the published ones, linked to their 公示 page.
func (s *Server) massEvaluations(r *http.Request, c store.Commitment) ([]view.MassEvaluationView, error) {
	secretary := currentUser(r).Role == store.RoleSecretary
	ms, err := s.store.MassEvaluations(r.Context(), c.TownshipID, c.ID, secretary)
	if err != nil {
		return nil, err
	}
	out := make([]view.MassEvaluationView, len(ms))
	for i, m := range ms {
		out[i] = view.MassEvaluationView{MassEvaluation: m}
		switch {
		case !secretary:
			out[i].Link = fmt.Sprintf("/rounds/%d/results", m.RoundID)
		case m.PublicSlug != nil:
			out[i].Link = "/p/" + *m.PublicSlug
		}
	}
	return out, nil
}

// publicMassEvaluations are a commitment's published 评诺 results, linked to their 公示
// pages, for its public pages.
func (s *Server) publicMassEvaluations(r *http.Request, c store.Commitment) ([]view.MassEvaluationView, error) {
	ms, err := s.store.MassEvaluations(r.Context(), c.TownshipID, c.ID, true)
	if err != nil {
		return nil, err
	}
	out := make([]view.MassEvaluationView, len(ms))
	for i, m := range ms {
		out[i] = view.MassEvaluationView{MassEvaluation: m}
		if m.PublicSlug != nil {
			out[i].Link = "/p/" + *m.PublicSlug
		}
	}
	return out, nil
}

// withMassEvaluations adds each commitment's 评诺 rounds to the year's overview.
func (s *Server) withMassEvaluations(r *http.Request, year int, rows []view.CommitmentListRow) error {
	ms, err := s.store.MassEvaluationsOf(r.Context(), currentUser(r).TownshipID, year, false)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Mass = ms[rows[i].ID]
	}
	return nil
}

// methodPage is the 评议办法 of a round as its kind has it: a 评诺 round's is its own.
func methodPage(d view.MethodData) templ.Component {
	if d.Round != nil && d.Round.IsPledge() {
		return view.PledgeMethod(d)
	}
	return view.Method(d)
}
