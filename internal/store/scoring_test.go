package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// scoringTown is the demo township with an assessment year started.
type scoringTown struct {
	st   *store.Store
	tid  int64
	year int
	subs map[string]store.ScoreSubject // by name
	tpl  map[string]store.ScoreTemplate
}

func startScoring(t *testing.T, year int) *scoringTown {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartScoreYear(ctx, town.ID, year); err != nil {
		t.Fatal(err)
	}
	return reloadScoring(t, st, town.ID, year)
}

func reloadScoring(t *testing.T, st *store.Store, tid int64, year int) *scoringTown {
	t.Helper()
	ctx := context.Background()
	s := &scoringTown{st: st, tid: tid, year: year, subs: map[string]store.ScoreSubject{}, tpl: map[string]store.ScoreTemplate{}}
	subs, err := st.ScoreSubjects(ctx, tid, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range subs {
		s.subs[x.Name] = x
	}
	tpls, err := st.ScoreTemplates(ctx, tid, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tpls {
		s.tpl[x.AppliesTo] = x
	}
	return s
}

// full scores every non-veto clause of a subject's template at its maximum less minus.
func (s *scoringTown) full(t *testing.T, name string, minus int64) {
	t.Helper()
	sub := s.subs[name]
	tpl := s.tpl["village"]
	if sub.GroupKey != store.GroupVillage {
		tpl = s.tpl["cadre"]
	}
	var in []store.ScoreInput
	for _, c := range tpl.Clauses() {
		if c.MaxPoints > 0 {
			in = append(in, store.ScoreInput{ClauseID: c.ID, Points: c.MaxPoints})
		}
	}
	for i := range in {
		d := min(minus, in[i].Points)
		in[i].Points -= d
		minus -= d
	}
	if err := s.st.SaveScores(context.Background(), s.tid, sub.ID, "周敏", "form", in); err != nil {
		t.Fatal(err)
	}
}

func TestScoreYearStartsWithDefaultTemplatesAndRosters(t *testing.T) {
	s := startScoring(t, 2024)
	v, c := s.tpl["village"], s.tpl["cadre"]
	if len(v.Areas) != 6 || len(v.Clauses()) != 32 || v.Scoring().Max() != 10000 {
		t.Errorf("village template: %d areas, %d clauses, max %d", len(v.Areas), len(v.Clauses()), v.Scoring().Max())
	}
	if c.Scoring().Max() != 100000 || !c.Weighted() {
		t.Errorf("cadre template: max %d weighted %v", c.Scoring().Max(), c.Weighted())
	}
	groups := map[string]int{}
	for _, x := range s.subs {
		groups[x.GroupKey]++
	}
	// 7 village branches (committees stand with them), 5 agencies, 乡党委 + 乡政府,
	// 8 leaders, 15 township cadres, 14 village cadres, 5 agency heads.
	want := map[string]int{"village": 7, "agency": 5, "township": 2, "cadre1": 8, "cadre2": 15, "cadre3": 14, "cadre4": 5}
	for k, n := range want {
		if groups[k] != n {
			t.Errorf("group %s: %d subjects, want %d", k, groups[k], n)
		}
	}
	// Starting again adds nothing twice.
	if err := s.st.StartScoreYear(context.Background(), s.tid, 2024); err != nil {
		t.Fatal(err)
	}
	if again := reloadScoring(t, s.st, s.tid, 2024); len(again.subs) != len(s.subs) || len(again.tpl) != 2 {
		t.Errorf("restart: %d subjects, %d templates", len(again.subs), len(again.tpl))
	}
}

func TestTemplateFrozenOnceScoredAndNextYearsCopyIsSeparate(t *testing.T) {
	ctx := context.Background()
	s := startScoring(t, 2024)
	v := s.tpl["village"]
	first := v.Clauses()[0]
	// Before scoring, a clause can change; a weight sum other than 100 is refused.
	if err := s.st.SaveClause(ctx, s.tid, v.ID, first.ID, store.ClauseInput{AreaID: first.AreaID, Code: first.Code, Title: "班子团结", MaxPoints: 400}); err != nil {
		t.Fatal(err)
	}
	c := s.tpl["cadre"]
	var te *store.TemplateError
	if err := s.st.SaveAreaWeights(ctx, s.tid, c.ID, map[int64]int{c.Areas[0].ID: 40}, false); !errors.As(err, &te) {
		t.Fatalf("weights 40+70: %v", err)
	}
	s.full(t, "小漩村党支部", 0)
	if err := s.st.SaveClause(ctx, s.tid, v.ID, first.ID, store.ClauseInput{AreaID: first.AreaID, Code: first.Code, Title: "x", MaxPoints: 900}); !errors.Is(err, store.ErrTemplateFrozen) {
		t.Fatalf("edit after scoring: %v", err)
	}
	// Next year's copy edits freely and leaves this year's total alone.
	if err := s.st.StartScoreYear(ctx, s.tid, 2025); err != nil {
		t.Fatal(err)
	}
	next := reloadScoring(t, s.st, s.tid, 2025)
	nv := next.tpl["village"]
	if nv.ID == v.ID || nv.FrozenAt != nil || len(nv.Clauses()) != 32 {
		t.Fatalf("next year's copy: %+v", nv)
	}
	nf := nv.Clauses()[0]
	if err := s.st.SaveClause(ctx, s.tid, nv.ID, nf.ID, store.ClauseInput{AreaID: nf.AreaID, Code: nf.Code, Title: "班子团结", MaxPoints: 800}); err != nil {
		t.Fatal(err)
	}
	b, err := s.st.ScoreBoard(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.ByKey[s.subs["小漩村党支部"].Key()].Total(); got != "100.00" {
		t.Errorf("this year's total after editing next year's copy: %s", got)
	}
}

func TestBoardRanksBandsAndCountyRank(t *testing.T) {
	ctx := context.Background()
	s := startScoring(t, 2024)
	s.full(t, "小漩村党支部", 0)     // 100
	s.full(t, "河口村党支部", 500)   // 95
	s.full(t, "响水洞村党支部", 500)  // 95
	s.full(t, "柳树沟村党支部", 2600) // 74: 后进
	s.full(t, "青龙村党支部", 1000)  // 90: 先进
	veto := s.tpl["village"].Clauses()[31]
	if !veto.Veto {
		t.Fatal("last village clause is not the veto")
	}
	s.full(t, "双河村党支部", 0)
	if err := s.st.SaveScores(ctx, s.tid, s.subs["双河村党支部"].ID, "周敏", "form", []store.ScoreInput{{ClauseID: veto.ID, Vetoed: true, Note: "发生安全事故"}}); err != nil {
		t.Fatal(err)
	}
	b, err := s.st.ScoreBoard(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	row := func(name string) store.BoardRow { return b.ByKey[s.subs[name].Key()] }
	for name, want := range map[string]struct {
		rank int
		band string
	}{"小漩村党支部": {1, "先进"}, "河口村党支部": {2, "先进"}, "响水洞村党支部": {2, "先进"}, "青龙村党支部": {4, "先进"},
		"柳树沟村党支部": {5, "后进"}, "双河村党支部": {6, "后进"}, "板栗园村党支部": {0, ""}} {
		r := row(name)
		if r.Rank != want.rank || r.Band.Label() != want.band {
			t.Errorf("%s: rank %d band %q, want %d %q", name, r.Rank, r.Band.Label(), want.rank, want.band)
		}
	}
	// The county's rank replaces the computed one, and says so.
	rank := 3
	if err := s.st.ImportCountyRanks(ctx, s.tid, 2024, []store.CountyRankRow{{SubjectID: s.subs["小漩村党支部"].ID, Rank: &rank}}); err != nil {
		t.Fatal(err)
	}
	b, err = s.st.ScoreBoard(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if r := b.ByKey[s.subs["小漩村党支部"].Key()]; r.Rank != 3 || r.ComputedRank != 1 || r.RankSource != "county" {
		t.Errorf("county rank: %+v", r)
	}
	// Another township's subject is not found, by id.
	other, err := s.st.EnsureTownship(ctx, "河口乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.SaveScores(ctx, other.ID, s.subs["小漩村党支部"].ID, "x", "form", nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another township's subject: %v", err)
	}
	if err := s.st.ImportCountyRanks(ctx, other.ID, 2024, []store.CountyRankRow{{SubjectID: s.subs["河口村党支部"].ID, Rank: &rank}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("county rank into another township's subject: %v, want ErrNotFound", err)
	}
}

func TestFinaliseLocksAndReopenKeepsTheReason(t *testing.T) {
	ctx := context.Background()
	s := startScoring(t, 2024)
	s.full(t, "小漩村党支部", 0)
	if err := s.st.FinaliseScoreYear(ctx, s.tid, 2024, "周敏"); err != nil {
		t.Fatal(err)
	}
	clause := s.tpl["village"].Clauses()[0]
	err := s.st.SaveScores(ctx, s.tid, s.subs["小漩村党支部"].ID, "周敏", "form", []store.ScoreInput{{ClauseID: clause.ID, Points: 100}})
	if !errors.Is(err, store.ErrYearFinal) {
		t.Fatalf("score on a final year: %v", err)
	}
	if err := s.st.ReopenScoreYear(ctx, s.tid, 2024, "河口村申请更正台账", "周敏"); err != nil {
		t.Fatal(err)
	}
	ev, err := s.st.ScoreYearEvents(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Kind != "reopen" || ev[0].Reason != "河口村申请更正台账" {
		t.Errorf("events: %+v", ev)
	}
	if err := s.st.SaveScores(ctx, s.tid, s.subs["小漩村党支部"].ID, "李四", "form", []store.ScoreInput{{ClauseID: clause.ID, Points: 100, Note: "更正"}}); err != nil {
		t.Fatal(err)
	}
	h, err := s.st.ScoreHistory(ctx, s.tid, s.subs["小漩村党支部"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 31 || h[0].ByName != "李四" || h[0].Points != 100 {
		t.Errorf("history: %d lines, newest %+v", len(h), h[0])
	}
}

func TestImportScoresAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := startScoring(t, 2024)
	cl := s.tpl["village"].Clauses()
	rows := []store.ScoreImportRow{
		{SubjectID: s.subs["小漩村党支部"].ID, Score: store.ScoreInput{ClauseID: cl[0].ID, Points: 300}},
		{SubjectID: s.subs["河口村党支部"].ID, Score: store.ScoreInput{ClauseID: s.tpl["cadre"].Clauses()[0].ID, Points: 300}}, // not its template
	}
	err := s.st.ImportScores(ctx, s.tid, 2024, "周敏", rows)
	var re *store.RowError
	if !errors.As(err, &re) || re.Index != 1 {
		t.Fatalf("import with a bad row: %v", err)
	}
	if e, err := s.st.ScoreEntries(ctx, s.tid, s.subs["小漩村党支部"].ID); err != nil {
		t.Fatal(err)
	} else if len(e) != 0 {
		t.Errorf("a failed import left %d entries", len(e))
	}
	rows[1].Score.ClauseID = cl[1].ID
	if err := s.st.ImportScores(ctx, s.tid, 2024, "周敏", rows); err != nil {
		t.Fatal(err)
	}
	h, err := s.st.ScoreHistory(ctx, s.tid, s.subs["河口村党支部"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Source != "import" {
		t.Errorf("history after import: %+v", h)
	}
}

func TestAppealWindowAndDecision(t *testing.T) {
	ctx := context.Background()
	s := startScoring(t, 2024)
	s.full(t, "河口村党支部", 500)
	sub := s.subs["河口村党支部"]
	clause := s.tpl["village"].Clauses()[0]
	in := store.AppealInput{SubjectID: sub.ID, Kind: store.AppealScore, ClauseID: &clause.ID, Reason: "班子团结一项有会议记录,不应扣分", By: "周敏", OnBehalf: true}
	if _, err := s.st.FileAppeal(ctx, s.tid, 2024, in, time.Now()); !errors.Is(err, store.ErrAppealClosed) {
		t.Fatalf("appeal before results are shown: %v", err)
	}
	if err := s.st.PublishScoreYear(ctx, s.tid, 2024, "周敏"); !errors.Is(err, store.ErrYearState) {
		t.Fatalf("publish before final: %v", err)
	}
	if err := s.st.FinaliseScoreYear(ctx, s.tid, 2024, "周敏"); err != nil {
		t.Fatal(err)
	}
	if err := s.st.PublishScoreYear(ctx, s.tid, 2024, "周敏"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.FileAppeal(ctx, s.tid, 2024, in, time.Now().AddDate(0, 0, 8)); !errors.Is(err, store.ErrAppealClosed) {
		t.Fatalf("appeal after the window: %v", err)
	}
	id, err := s.st.FileAppeal(ctx, s.tid, 2024, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.st.Appeals(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Status != "open" || list[0].DueOn.Before(time.Now().AddDate(0, 0, 9)) {
		t.Fatalf("appeals: %+v", list)
	}
	// Decided with a correction: the sheet changes though the year is final.
	err = s.st.DecideAppeal(ctx, s.tid, id, store.AppealDecision{Decision: store.DecisionChanged, Note: "核实台账,恢复 5 分", By: "周敏",
		Change: &store.ScoreInput{ClauseID: clause.ID, Points: clause.MaxPoints}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.st.ScoreBoard(ctx, s.tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.ByKey[sub.Key()].Total(); got != "99.00" { // 95 + the 4 points restored
		t.Errorf("total after the appeal: %s", got)
	}
	if err := s.st.DecideAppeal(ctx, s.tid, id, store.AppealDecision{Decision: store.DecisionUpheld, By: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding twice: %v", err)
	}
	h, err := s.st.ScoreHistory(ctx, s.tid, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h[0].Source != "appeal" {
		t.Errorf("history source: %s", h[0].Source)
	}
}
