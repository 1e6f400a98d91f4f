package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// The 评议办法 page states the method in Chinese for raters and cadres, with no sign-in:
// /method is the default policy; a round's own page fills in its weights, groups,
// thresholds, scrutineers and the township's talk deadlines. Each address sits in the
// group of routes.go that may see the round it names:
//
//	/method              anyone: the default policy
//	/p/{slug}/method     anyone: a published round (beside its 公示 page)
//	/v/method            a rater: the round of the ballot code this phone holds
//	/rounds/{id}/method  office staff and leaders: any round of their township
//
// The worked example is computed by internal/rules, so the page and the count agree.

// defaultGroups are the rater groups a new township starts with (store.DefaultGroups):
// 党委票决 40, 公众评议 60, with the built-in categories.
func defaultGroups() []view.MethodGroup {
	cats := map[string][]string{store.GroupPeer: {"党委委员"}, store.GroupPublic: {"党代表", "人大代表", "政协委员", "群众代表"}}
	var out []view.MethodGroup
	for _, g := range store.DefaultGroups() {
		out = append(out, view.MethodGroup{Key: g.Key, Label: g.Name, Weight: g.Weight, Categories: cats[g.Key]})
	}
	return out
}

// methodShow is the method with the default policy.
func (s *Server) methodShow(w http.ResponseWriter, r *http.Request) {
	s.renderPublic(w, r, view.Method(defaultMethod()))
}

func defaultMethod() view.MethodData {
	d := view.MethodData{Policy: rules.DefaultPolicy(), Groups: defaultGroups()}
	d.Example = methodExample(d.Groups, d.Policy)
	return d
}

// methodPublic is a published round's method, beside its 公示 page.
func (s *Server) methodPublic(w http.ResponseWriter, r *http.Request) {
	slug := chiParam(r, "slug")
	round, err := s.store.PublicRound(r.Context(), slug)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	d, err := s.methodFor(r.Context(), round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Back = view.MethodLink{Href: "/p/" + slug, Label: "返回结果公示"}
	s.renderPublic(w, r, methodPage(d))
}

// methodRater is the method of the round whose ballot code this phone holds (the ballot
// cookie), linked from the ballot and the receipt; without a code it is the default. A
// code that is not found counts against the address like any other lookup (voting.go),
// so this page is no way round the slowing of guessed codes.
func (s *Server) methodRater(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	code, _, ok := ballotSession(r)
	if !ok {
		s.render(w, r, http.StatusOK, view.Method(defaultMethod()))
		return
	}
	ctx := r.Context()
	ci, err := s.store.Code(ctx, code)
	if errors.Is(err, store.ErrCodeUnknown) {
		n, err := s.store.RecordCodeFailure(ctx, s.clientIP(r), codeFailureWindow)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		sleepCtx(ctx, FailureDelay(s.cfg.CodeFailureDelay, n))
		s.render(w, r, http.StatusOK, view.Method(defaultMethod()))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	round, err := s.store.Round(ctx, ci.TownshipID, ci.RoundID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d, err := s.methodFor(ctx, round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Rater = &view.MethodRater{Category: ci.CategoryName, Group: ci.GroupKey}
	for _, g := range d.Groups {
		if g.Key == ci.GroupKey {
			d.Rater.Group, d.Rater.Weight = g.Label, g.Weight
		}
	}
	d.Back = view.MethodLink{Href: ballotPath, Label: "返回投票"}
	s.render(w, r, http.StatusOK, methodPage(d))
}

// methodRound is a round's method for its township's office staff and leaders, before
// publication too (to read out at the meeting).
func (s *Server) methodRound(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	d, err := s.methodFor(r.Context(), round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Back = view.MethodLink{Href: fmt.Sprintf("/rounds/%d", round.ID), Label: "返回「" + round.Title + "」"}
	s.render(w, r, http.StatusOK, methodPage(d))
}

// methodFor fills the page in from a round: its township, groups with their categories,
// frozen thresholds, scrutineers, and the township's talk deadlines.
func (s *Server) methodFor(ctx context.Context, round store.Round) (view.MethodData, error) {
	d := view.MethodData{Round: &round, Policy: round.Policy()}
	t, err := s.store.Township(ctx, round.TownshipID)
	if err != nil {
		return d, err
	}
	d.Township = t
	groups, err := s.store.RoundGroups(ctx, round.TownshipID, round.ID)
	if err != nil {
		return d, err
	}
	cats, err := s.store.RoundCategories(ctx, round.TownshipID, round.ID)
	if err != nil {
		return d, err
	}
	for _, g := range groups {
		mg := view.MethodGroup{Key: g.Key, Label: g.Name, Weight: g.Weight}
		for _, c := range cats {
			if c.Group == g.Key {
				mg.Categories = append(mg.Categories, c.Name)
			}
		}
		d.Groups = append(d.Groups, mg)
	}
	talks, err := s.store.LoadTalkSettings(ctx, round.TownshipID)
	if err != nil {
		return d, err
	}
	d.Talks = &talks
	d.Example = methodExample(d.Groups, d.Policy)
	return d, nil
}

// exampleTallies are the worked example's votes, one per group in order (a person: 优秀,
// 称职, 基本称职, 不称职, 弃权). With the default 40 / 60 they give the reminder talk of
// the method's own example: S = 40% × 90% + 60% × 85% = 87%.
var exampleTallies = []rules.Tally{
	{6, 3, 1, 0, 0}, {40, 45, 10, 5, 2}, {12, 5, 2, 1, 0}, {20, 7, 2, 1, 1}, {8, 9, 2, 1, 0}, {30, 14, 4, 2, 3},
}

// methodExample works one subject through the round's groups and policy with
// internal/rules, and writes the sums out as the page shows them.
func methodExample(groups []view.MethodGroup, p rules.Policy) view.MethodExample {
	weights := map[string]int{}
	tallies := map[string]rules.Tally{}
	var ex view.MethodExample
	for i, g := range groups {
		key := fmt.Sprintf("g%d", i) // labels may repeat; the example needs distinct keys
		t := exampleTallies[i%len(exampleTallies)]
		weights[key], tallies[key] = g.Weight, t
		gr := rules.GroupRate{Weight: g.Weight, Tally: t}
		ex.Groups = append(ex.Groups, view.MethodExampleGroup{Label: g.Label, Weight: g.Weight, Tally: t,
			S: rules.Percent(gr.Satisfaction()), D: rules.Percent(gr.Dissatisfaction())})
	}
	rates := rules.Weigh(weights, tallies)
	var sTerms, dTerms []string
	sum := 0
	for _, g := range ex.Groups {
		if g.Weight == 0 {
			continue
		}
		sum += g.Weight
		sTerms = append(sTerms, fmt.Sprintf("%d × %s%%", g.Weight, g.S))
		dTerms = append(dTerms, fmt.Sprintf("%d × %s%%", g.Weight, g.D))
	}
	if !rates.HasResult() {
		return ex
	}
	ex.S, ex.D = rules.Percent(rates.S), rules.Percent(rates.D)
	ex.SFormula = fmt.Sprintf("(%s) ÷ %d", strings.Join(sTerms, " + "), sum)
	ex.DFormula = fmt.Sprintf("(%s) ÷ %d", strings.Join(dTerms, " + "), sum)
	ex.Outcome, ex.Reasons = rules.Decide(p, rates)
	return ex
}
