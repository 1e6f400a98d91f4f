package store_test

import (
	"context"
	"errors"
	"testing"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// criteriaMeeting is the one place this file makes a round: the demo township's level-1
// subjects (乡党委, 乡政府 and eight leaders), the given criteria settings, reports filed,
// 10 codes each for 党委委员 (peer) and 群众代表 (public), open.
func criteriaMeeting(t *testing.T, mode string, persons rules.CriteriaSet) *meeting {
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
	m := &meeting{st: st, tid: town.ID, cats: map[string]int64{}}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	catGroups := map[int64]string{}
	for _, c := range cats {
		m.cats[c.Name] = c.ID
		catGroups[c.ID] = c.DefaultGroup
	}
	m.round, err = st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2025年度述职评议", Year: 2025, Kind: "year_end",
		Groups: store.DefaultGroups(), Categories: catGroups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: []string{"甲", "乙", "丙"}, KeyThreshold: 2,
		Levels: []int{1}, People: true, Organisations: true, Criteria: mode, PersonCriteria: persons})
	if err != nil {
		t.Fatal(err)
	}
	if m.subjects, err = st.RoundSubjects(ctx, town.ID, m.round); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.subjects {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: "一年来,认真履行职责……"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"党委委员", "群众代表"} {
		if err := st.GenerateCodes(ctx, town.ID, m.round, m.cats[name], 10); err != nil {
			t.Fatal(err)
		}
	}
	if m.shares, err = voting.OpenRound(ctx, st, town.ID, m.round, "周敏"); err != nil {
		t.Fatal(err)
	}
	return m
}

// castCriteria casts level for every subject, with the same criteria ratings for each.
func (m *meeting) castCriteria(t *testing.T, code string, level int, criteria [5]uint8) {
	t.Helper()
	ctx := context.Background()
	marks := m.marks(level)
	for i := range marks {
		marks[i].Criteria = criteria
	}
	ci, err := m.st.Code(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Cast(ctx, m.st, code, ci, voting.NewToken(), marks); err != nil {
		t.Fatalf("cast %s: %v", code, err)
	}
}

func TestCriteriaSealedCountedAndWeighed(t *testing.T) {
	m := criteriaMeeting(t, store.CriteriaOptional, "")
	ctx := context.Background()
	// Peer: 10 ballots rate criterion 1 优秀, criterion 2 基本, leave 3–5 unrated.
	for _, c := range m.codes(t, "党委委员") {
		m.castCriteria(t, c, 1, [5]uint8{1, 3, 0, 0, 0})
	}
	// Public: criterion 1: 6 优秀, 4 不称职; criterion 2: 10 称职; criterion 5 rated by 5.
	for i, c := range m.codes(t, "群众代表") {
		r := [5]uint8{1, 2, 0, 0, 0}
		if i >= 6 {
			r[0] = 4
		}
		if i < 5 {
			r[4] = 2
		}
		m.castCriteria(t, c, 2, r)
	}
	// The sealed rows are as long as they were without criteria: the payload is fixed.
	var lengths int
	if err := m.st.Pool().QueryRow(ctx, `SELECT count(DISTINCT length(sealed)) FROM ballots WHERE round_id = $1`, m.round).Scan(&lengths); err != nil || lengths != 1 {
		t.Fatalf("sealed lengths %d (%v)", lengths, err)
	}
	m.count(t)
	profiles, err := m.st.RoundCriteria(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != len(m.subjects) {
		t.Fatalf("profiles for %d subjects, want %d", len(profiles), len(m.subjects))
	}
	for _, s := range m.subjects {
		p := profiles[s.ID]
		want := rules.FiveHaves
		if s.IsOrganisation() {
			want = rules.FiveGoods
		}
		if p.Set != want || p.Criteria[0].Label != want.Criteria()[0] {
			t.Fatalf("%s rated on %s (%s)", s.Name, p.Set, p.Criteria[0].Label)
		}
		c := p.Criteria
		// 1: peer 10/10, public 6/10: 0.4×1 + 0.6×0.6 = 76%. 2: peer 0/10, public 10/10: 60%.
		if c[0].Share != "76.00" || c[0].Rated != 20 || c[0].Tallies["peer"] != (rules.CriterionTally{10, 0, 0, 0}) ||
			c[0].Tallies["public"] != (rules.CriterionTally{6, 0, 0, 4}) {
			t.Errorf("%s %s: %+v", s.Name, c[0].Label, c[0])
		}
		if c[1].Share != "60.00" || c[1].Rated != 20 {
			t.Errorf("%s %s: %+v", s.Name, c[1].Label, c[1])
		}
		// Nobody rated 3 and 4; 5 was rated by exactly the minimum, in one group only.
		if c[2].Share != "" || c[2].Rated != 0 || c[3].Share != "" || c[4].Share != "100.00" || c[4].Rated != 5 {
			t.Errorf("%s: %+v %+v %+v", s.Name, c[2], c[3], c[4])
		}
	}
	// The overall rating is unchanged by the criteria: S = 0.4 + 0.6 = 100%, 合格.
	res, err := m.st.Results(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if *r.Satisfaction != "100.00" || r.Outcome != rules.Pass {
			t.Fatalf("%s: %s %s", r.Name, *r.Satisfaction, r.Outcome)
		}
	}
}

func TestCriteriaSuppressedBelowTheMinimum(t *testing.T) {
	m := criteriaMeeting(t, store.CriteriaOptional, rules.FiveLeads)
	ctx := context.Background()
	// Peer: only 3 ballots (minimum 5): nothing of the group is stored, criteria included.
	for _, c := range m.codes(t, "党委委员")[:3] {
		m.castCriteria(t, c, 1, [5]uint8{1, 1, 1, 1, 1})
	}
	// Public: 10 ballots; criterion 1 rated by all, criterion 2 by 4 only (below 5).
	for i, c := range m.codes(t, "群众代表") {
		r := [5]uint8{2, 0, 0, 0, 0}
		if i < 4 {
			r[1] = 4
		}
		m.castCriteria(t, c, 1, r)
	}
	m.count(t)
	var stored []byte
	if err := m.st.Pool().QueryRow(ctx, `SELECT tallies FROM round_criteria WHERE round_subject_id = $1`, m.subjects[2].ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) != `{"public": [[0, 10, 0, 0], null, null, null, null]}` {
		t.Fatalf("stored %s", stored)
	}
	profiles, err := m.st.RoundCriteria(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.subjects {
		p := profiles[s.ID]
		if !s.IsOrganisation() && p.Set != rules.FiveLeads {
			t.Errorf("%s: %s, want 五带头 in a round rating persons as Party members", s.Name, p.Set)
		}
		if _, ok := p.Criteria[0].Tallies["peer"]; ok || p.Criteria[0].Share != "100.00" || p.Criteria[1].Share != "" {
			t.Errorf("%s: %+v %+v", s.Name, p.Criteria[0], p.Criteria[1])
		}
	}
}

func TestCriteriaRecountComparesThem(t *testing.T) {
	m := criteriaMeeting(t, store.CriteriaRequired, "")
	ctx := context.Background()
	for i, c := range append(m.codes(t, "党委委员"), m.codes(t, "群众代表")...) {
		m.castCriteria(t, c, 1+i%2, [5]uint8{1, 2, uint8(1 + i%4), 1, 2})
	}
	m.count(t)
	diffs, err := voting.Recount(ctx, m.st, m.round_(t), m.shares[1:], "监票人")
	if err != nil || len(diffs) != 0 {
		t.Fatalf("recount: %v %v", diffs, err)
	}
	// Counts altered after the opening are caught by the next recount.
	if _, err := m.st.Pool().Exec(ctx, `
		UPDATE round_criteria SET tallies = jsonb_set(tallies, '{public,2}', '[9,0,0,1]') WHERE round_subject_id = $1`, m.subjects[3].ID); err != nil {
		t.Fatal(err)
	}
	diffs, err = voting.Recount(ctx, m.st, m.round_(t), m.shares[:2], "监票人")
	if err != nil || len(diffs) != 1 {
		t.Fatalf("recount after tampering: %v %v", diffs, err)
	}
	want := m.subjects[3].Name + "(public)「服务有诚信」:原 [9 0 0 1],复核 [2 2 3 3]"
	if diffs[0] != want {
		t.Fatalf("diff %q, want %q", diffs[0], want)
	}
	events, err := m.st.RoundEvents(ctx, m.tid, m.round)
	if err != nil || events[len(events)-1].Kind != "recount_mismatch" {
		t.Fatalf("events %v (%v)", events, err)
	}
}

func TestCriteriaSettingsAndWhatACastMayCarry(t *testing.T) {
	ctx := context.Background()
	m := criteriaMeeting(t, store.CriteriaOff, "")
	in := store.RoundInput{Title: "x", Year: 2025, Kind: "special", Groups: store.DefaultGroups(), Categories: map[int64]string{m.cats["群众代表"]: "public"},
		PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, Scrutineers: []string{"甲"}, KeyThreshold: 1}
	for name, bad := range map[string]store.RoundInput{
		"mode": func() store.RoundInput { x := in; x.Criteria = "sometimes"; return x }(),
		"persons": func() store.RoundInput {
			x := in
			x.Criteria = store.CriteriaRequired
			x.PersonCriteria = rules.FiveGoods
			return x
		}(),
	} {
		if _, err := m.st.CreateRound(ctx, m.tid, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("create with a bad %s: %v", name, err)
		}
		if err := m.st.UpdateRound(ctx, m.tid, m.round, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("update with a bad %s: %v", name, err)
		}
	}
	// The round is open: its criteria setting is frozen with the rest.
	good := in
	good.Criteria = store.CriteriaRequired
	if err := m.st.UpdateRound(ctx, m.tid, m.round, good); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("update an open round: %v", err)
	}
	if r := m.round_(t); r.Criteria != store.CriteriaOff || r.AsksCriteria() || r.PersonCriteria != rules.FiveHaves {
		t.Fatalf("defaults: %q %q", r.Criteria, r.PersonCriteria)
	}
	// A round that does not ask for criteria takes no ballot carrying them, and nothing is
	// spent; neither does any round take ratings on an abstention or off the scale.
	code := m.codes(t, "群众代表")[0]
	ci, err := m.st.Code(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	rated := m.marks(1)
	rated[0].Criteria = [5]uint8{1}
	if _, err := voting.Cast(ctx, m.st, code, ci, voting.NewToken(), rated); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("criteria in a round without: %v", err)
	}
	ci.Criteria = store.CriteriaOptional // as if the round asked for them
	for name, marks := range map[string][]ballotbox.Mark{
		"abstention": func() []ballotbox.Mark { x := m.marks(5); x[1].Criteria = [5]uint8{0, 2}; return x }(),
		"rating 5":   func() []ballotbox.Mark { x := m.marks(1); x[1].Criteria = [5]uint8{5}; return x }(),
	} {
		if _, err := voting.Cast(ctx, m.st, code, ci, voting.NewToken(), marks); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if ci, err := m.st.Code(ctx, code); err != nil || ci.Spent {
		t.Fatalf("code spent by a refused ballot: %v", err)
	}
	m.mustCast(t, code, 1)
	m.count(t)
	if p, err := m.st.RoundCriteria(ctx, m.tid, m.round); err != nil || len(p) != 0 {
		t.Fatalf("criteria stored for a round without: %d (%v)", len(p), err)
	}
}

func TestCriteriaOfAnotherTownship(t *testing.T) {
	m := criteriaMeeting(t, store.CriteriaOptional, "")
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表") {
		m.castCriteria(t, c, 1, [5]uint8{1, 1, 1, 1, 1})
	}
	m.count(t)
	other, err := m.st.EnsureTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	org := *m.subjects[0].OrganisationID
	for name, n := range map[string]int{
		"RoundCriteria":   mapLength(m.st.RoundCriteria(ctx, other.ID, m.round)),
		"SubjectCriteria": mapLength(m.st.SubjectCriteria(ctx, other.ID, "o", org)),
		"YearCriteria":    mapLength(m.st.YearCriteria(ctx, other.ID, 2025)),
	} {
		if n != 0 {
			t.Errorf("%s with another township: %d, want none", name, n)
		}
	}
	// The township's own: the round, the organisation's dossier, the year's proposals.
	for name, n := range map[string]int{
		"RoundCriteria":   mapLength(m.st.RoundCriteria(ctx, m.tid, m.round)),
		"SubjectCriteria": mapLength(m.st.SubjectCriteria(ctx, m.tid, "o", org)),
		"YearCriteria":    mapLength(m.st.YearCriteria(ctx, m.tid, 2025)),
	} {
		if n == 0 {
			t.Errorf("%s of its own township: none", name)
		}
	}
}

func mapLength[K comparable, V any](m map[K]V, err error) int {
	if err != nil {
		return -1
	}
	return len(m)
}
