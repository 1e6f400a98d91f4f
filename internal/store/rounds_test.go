package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// meeting is a demo township with an open round of all level-1 subjects.
type meeting struct {
	st       *store.Store
	tid      int64
	round    int64
	subjects []store.RoundSubject
	cats     map[string]int64
	shares   []ballotbox.Share
}

func openMeeting(t *testing.T, rehearsal bool) *meeting {
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
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2025年度述职评议", Year: 2025, Kind: "year_end", Rehearsal: rehearsal,
		Groups: store.DefaultGroups(), Categories: catGroups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: []string{"甲", "乙", "丙"}, KeyThreshold: 2,
		Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	m.round = id
	if m.subjects, err = st.RoundSubjects(ctx, town.ID, id); err != nil {
		t.Fatal(err)
	}
	if len(m.subjects) != 10 { // 乡党委, 乡政府 and 8 leaders
		t.Fatalf("level-1 subjects: %d, want 10", len(m.subjects))
	}
	var nr *store.NotReadyError
	if _, err := voting.OpenRound(ctx, st, town.ID, id, "周敏"); !errors.As(err, &nr) {
		t.Fatalf("a round must not open while subjects have no report: %v", err)
	}
	for i, s := range m.subjects {
		in := store.ReportInput{Text: "一年来,认真履行职责……"}
		if i == 0 {
			in = store.ReportInput{Oral: true, OralNote: "会上口头述职"}
		}
		if err := st.SaveReport(ctx, town.ID, s.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"党委委员", "群众代表"} {
		if err := st.GenerateCodes(ctx, town.ID, id, m.cats[name], 10); err != nil {
			t.Fatal(err)
		}
	}
	if m.shares, err = voting.OpenRound(ctx, st, town.ID, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	if len(m.shares) != 3 {
		t.Fatalf("shares %d, want 3", len(m.shares))
	}
	return m
}

func (m *meeting) codes(t *testing.T, category string) []string {
	t.Helper()
	slips, err := m.st.Slips(context.Background(), m.tid, m.round, m.cats[category])
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range slips {
		out = append(out, s.Code)
	}
	return out
}

func (m *meeting) marks(level int) []ballotbox.Mark {
	out := make([]ballotbox.Mark, len(m.subjects))
	for i, s := range m.subjects {
		out[i] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(level)}
	}
	return out
}

// cast votes level for every subject with the code and a fresh submission token.
func (m *meeting) cast(code string, level int) (string, error) {
	return m.castToken(code, voting.NewToken(), level)
}

func (m *meeting) castToken(code, token string, level int) (string, error) {
	ctx := context.Background()
	ci, err := m.st.Code(ctx, code)
	if err != nil {
		return "", err
	}
	return voting.Cast(ctx, m.st, code, ci, token, m.marks(level))
}

func (m *meeting) mustCast(t *testing.T, code string, level int) string {
	t.Helper()
	r, err := m.cast(code, level)
	if err != nil {
		t.Fatalf("cast %s: %v", code, err)
	}
	return r
}

func (m *meeting) round_(t *testing.T) store.Round {
	t.Helper()
	r, err := m.st.Round(context.Background(), m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// count ends voting and opens the box with the first two scrutineers' shares.
func (m *meeting) count(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := m.st.EndVoting(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, m.st, m.round_(t), m.shares[:2], "监票人"); err != nil {
		t.Fatal(err)
	}
}

func TestOneCodeOneBallotUnderConcurrency(t *testing.T) {
	m := openMeeting(t, false)
	code := m.codes(t, "群众代表")[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, spent := 0, 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.cast(code, 1)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrCodeSpent):
				spent++
			default:
				t.Errorf("cast: %v", err)
			}
		}()
	}
	wg.Wait()
	var ballots int
	if err := m.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM ballots WHERE round_id = $1`, m.round).Scan(&ballots); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || spent != 49 || ballots != 1 {
		t.Fatalf("50 concurrent casts of one code: %d ok, %d spent, %d ballots stored; want 1, 49, 1", ok, spent, ballots)
	}
}

func TestRetryWithTheSameTokenGetsTheSameReceipt(t *testing.T) {
	m := openMeeting(t, false)
	code := m.codes(t, "群众代表")[0]
	token := voting.NewToken()
	first, err := m.castToken(code, token, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The phone lost the reply and submits again, several times and at once.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			again, err := m.castToken(code, token, 2)
			if err != nil || again != first {
				t.Errorf("retry: receipt %q, err %v; want %q", again, err, first)
			}
		}()
	}
	wg.Wait()
	// Another phone with the same code is told it is spent.
	if _, err := m.cast(code, 2); !errors.Is(err, store.ErrCodeSpent) {
		t.Fatalf("other token: %v", err)
	}
	var ballots int
	if err := m.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM ballots WHERE round_id = $1`, m.round).Scan(&ballots); err != nil {
		t.Fatal(err)
	}
	if ballots != 1 {
		t.Fatalf("%d ballots stored, want 1", ballots)
	}
}

func TestCodesThatCannotVote(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	codes := m.codes(t, "群众代表")
	m.mustCast(t, codes[0], 2)
	if _, err := m.cast(codes[0], 2); !errors.Is(err, store.ErrCodeSpent) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := m.st.Code(ctx, "ZZZZZZZZZZ"); !errors.Is(err, store.ErrCodeUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	if n, err := m.st.VoidCodes(ctx, m.tid, m.round, []string{codes[0], codes[1]}); err != nil || n != 1 {
		t.Fatalf("void a used and an unused code: %d voided, %v; want 1 (the unused)", n, err)
	}
	if _, err := m.cast(codes[1], 1); !errors.Is(err, store.ErrCodeVoid) {
		t.Fatalf("voided code: %v", err)
	}
	if err := m.st.EndVoting(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	if _, err := m.cast(codes[2], 1); !errors.Is(err, store.ErrRoundNotOpen) {
		t.Fatalf("cast after voting ended: %v", err)
	}
	if ci, err := m.st.Code(ctx, codes[2]); err != nil || ci.Spent {
		t.Fatalf("a refused cast must not spend the code: %+v %v", ci, err)
	}
}

func TestSetUpFrozenOnceOpen(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	err := m.st.UpdateRound(ctx, m.tid, m.round, store.RoundInput{Title: "x", Year: 2025, Kind: "year_end", Groups: []store.Group{{Key: store.GroupPeer, Weight: 10}, {Key: store.GroupPublic, Weight: 90}},
		Categories: map[int64]string{m.cats["群众代表"]: "public"}, PassPct: 50, AdmonishBelowPct: 40, ReminderDissatisfiedPct: 30, AdmonishDissatisfiedPct: 40,
		Scrutineers: []string{"丁"}, KeyThreshold: 1})
	if !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("update an open round: %v", err)
	}
	if g, err := m.st.RoundGroups(ctx, m.tid, m.round); err != nil || len(g) != 2 || g[0].Weight != 40 || g[1].Weight != 60 {
		t.Fatalf("groups changed to %+v (%v)", g, err)
	}
	if sc, err := m.st.Scrutineers(ctx, m.tid, m.round); err != nil || len(sc) != 3 {
		t.Fatalf("scrutineers changed to %+v (%v)", sc, err)
	}
	if err := m.st.RemoveSubject(ctx, m.tid, m.subjects[0].ID); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("remove a subject of an open round: %v", err)
	}
	if err := m.st.SaveReport(ctx, m.tid, m.subjects[1].ID, store.ReportInput{Text: "改"}); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("change a report of an open round: %v", err)
	}
	if err := m.st.DeleteRound(ctx, m.tid, m.round); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("delete an open round: %v", err)
	}
}

func TestCountTalliesEvaluatesAndCreatesTalks(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	peer, public := m.codes(t, "党委委员"), m.codes(t, "群众代表")
	// 10 peer ballots all 优秀; public: 6 优秀, 2 基本称职, 2 不称职 for everyone.
	for _, c := range peer {
		m.mustCast(t, c, 1)
	}
	for i, c := range public {
		level := 1
		if i >= 6 {
			level = 3
		}
		if i >= 8 {
			level = 4
		}
		m.mustCast(t, c, level)
	}
	// Nobody sees a tally before the box is opened.
	if res, err := m.st.Results(ctx, m.tid, m.round); err != nil || len(res) != 0 {
		t.Fatalf("results before the count: %d (%v)", len(res), err)
	}
	m.count(t)
	res, err := m.st.Results(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	// S = 0.4×1 + 0.6×0.6 = 76%, D = 0.6×0.2 = 12%: 诫勉谈话.
	for _, r := range res {
		if *r.Satisfaction != "76.00" || *r.Dissatisfaction != "12.00" || r.Outcome != "admonishment" {
			t.Fatalf("%s: S=%s D=%s %s", r.Name, *r.Satisfaction, *r.Dissatisfaction, r.Outcome)
		}
		if r.Tallies["public"] != [5]int64{6, 0, 2, 2, 0} || r.Tallies["peer"] != [5]int64{10, 0, 0, 0, 0} {
			t.Fatalf("tallies %v", r.Tallies)
		}
		if len(r.Reasons) == 0 {
			t.Fatal("a result carries its reasons")
		}
	}
	talks, err := m.st.Talks(ctx, m.tid, "pending")
	if err != nil {
		t.Fatal(err)
	}
	if len(talks) != len(res) {
		t.Fatalf("talk tasks %d, want %d", len(talks), len(res))
	}
	for _, tk := range talks {
		if tk.SubjectName == "乡党委" && tk.TalkWithName != "陈建国" {
			t.Errorf("乡党委's talk is with its responsible person, got %q", tk.TalkWithName)
		}
	}
	turnout, err := m.st.Turnout(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	for _, tu := range turnout {
		if tu.Category == "群众代表" && (tu.Issued != 10 || tu.Cast != 10) {
			t.Errorf("reconciliation %+v", tu)
		}
	}
	// A recount with the other two shares agrees, and is recorded.
	diffs, err := voting.Recount(ctx, m.st, m.round_(t), m.shares[1:], "监票人")
	if err != nil || len(diffs) != 0 {
		t.Fatalf("recount: %v %v", diffs, err)
	}
	events, err := m.st.RoundEvents(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	if want := []string{"keyed", "opened", "recount_match"}; len(kinds) != 3 || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] {
		t.Fatalf("events %v, want %v", kinds, want)
	}
}

func TestTheBoxOpensWithKSharesOnly(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表")[:4] {
		m.mustCast(t, c, 2)
	}
	if err := voting.OpenBox(ctx, m.st, m.round_(t), m.shares[:2], "x"); !errors.Is(err, store.ErrNotCounting) {
		t.Fatalf("open the box while voting: %v", err)
	}
	if err := m.st.EndVoting(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	round := m.round_(t)
	if err := voting.OpenBox(ctx, m.st, round, m.shares[:1], "x"); !errors.Is(err, ballotbox.ErrTooFewShares) {
		t.Fatalf("one share of two: %v", err)
	}
	other, otherShares, err := ballotbox.NewKey(2, 3)
	if err != nil || other.PublicKey == nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, m.st, round, []ballotbox.Share{m.shares[0], otherShares[1]}, "x"); !errors.Is(err, ballotbox.ErrWrongShare) {
		t.Fatalf("a share of another key: %v", err)
	}
	if _, err := voting.CheckShare(round, m.shares[0].Text(), m.shares[:1]); !errors.Is(err, voting.ErrShareUsed) {
		t.Fatalf("a share given twice: %v", err)
	}
	if err := voting.OpenBox(ctx, m.st, round, []ballotbox.Share{m.shares[2], m.shares[0]}, "x"); err != nil {
		t.Fatal(err)
	}
	// Four ballots are fewer than the round's minimum of five: the group's counts are not
	// even stored, so a copy of the database does not give those raters away.
	res, err := m.st.Results(ctx, m.tid, m.round)
	if err != nil || len(res) == 0 {
		t.Fatal(err)
	}
	if _, stored := res[0].Tallies["public"]; stored || *res[0].Satisfaction != "100.00" {
		t.Fatalf("a group below the minimum: tallies %v, S %s", res[0].Tallies, *res[0].Satisfaction)
	}
	// After the objection period the sealed ballots are destroyed: receipts stay, no recount.
	if err := m.st.DestroyBallots(ctx, m.tid, m.round, "周敏", "公示期满无异议"); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.Recount(ctx, m.st, m.round_(t), m.shares[:2], "x"); !errors.Is(err, store.ErrDestroyed) {
		t.Fatalf("recount after destruction: %v", err)
	}
	if r, err := m.st.Receipts(ctx, m.tid, m.round); err != nil || len(r) != 4 {
		t.Fatalf("receipts after destruction: %d (%v)", len(r), err)
	}
}

func TestRekeyOnlyBeforeTheFirstBallot(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	code := m.codes(t, "群众代表")[0]
	ci, err := m.st.Code(ctx, code) // looked up under the first key
	if err != nil {
		t.Fatal(err)
	}
	newShares, err := voting.Rekey(ctx, m.st, m.tid, m.round, "周敏")
	if err != nil {
		t.Fatal(err)
	}
	// A ballot sealed with the old key is never stored: Cast seals it again with the new one.
	receipt, err := voting.Cast(ctx, m.st, code, ci, voting.NewToken(), m.marks(1))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ci.PublicKey, m.round_(t).KeyPublic) {
		t.Fatal("rekey kept the key")
	}
	if _, err := voting.Rekey(ctx, m.st, m.tid, m.round, "周敏"); !errors.Is(err, store.ErrBallotsCast) {
		t.Fatalf("rekey after a ballot: %v", err)
	}
	if err := m.st.EndVoting(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, m.st, m.round_(t), m.shares[:2], "x"); !errors.Is(err, ballotbox.ErrWrongShare) {
		t.Fatalf("the old sheets still open the box: %v", err)
	}
	if err := voting.OpenBox(ctx, m.st, m.round_(t), newShares[1:], "x"); err != nil {
		t.Fatal(err)
	}
	if r, err := m.st.Receipts(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	} else if len(r) != 1 || r[0] != receipt {
		t.Fatalf("receipts %v", r)
	}
}

func TestEscalationAcrossRounds(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表") {
		m.mustCast(t, c, 4)
	}
	m.count(t)
	cats := map[int64]string{m.cats["群众代表"]: "public", m.cats["党委委员"]: "peer"}
	id, err := m.st.CreateRound(ctx, m.tid, store.RoundInput{Title: "2026年中", Year: 2026, Kind: "mid_year", Groups: store.DefaultGroups(),
		Categories: cats, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20,
		Scrutineers: []string{"甲"}, KeyThreshold: 1, Levels: []int{1}, People: true})
	if err != nil {
		t.Fatal(err)
	}
	second := &meeting{st: m.st, tid: m.tid, round: id, cats: m.cats}
	if second.subjects, err = m.st.RoundSubjects(ctx, m.tid, id); err != nil {
		t.Fatal(err)
	}
	for _, s := range second.subjects {
		if err := m.st.SaveReport(ctx, m.tid, s.ID, store.ReportInput{Text: "述职"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.st.GenerateCodes(ctx, m.tid, id, m.cats["群众代表"], 3); err != nil {
		t.Fatal(err)
	}
	if second.shares, err = voting.OpenRound(ctx, m.st, m.tid, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	for _, c := range second.codes(t, "群众代表") {
		second.mustCast(t, c, 4)
	}
	if err := m.st.EndVoting(ctx, m.tid, id); err != nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, m.st, second.round_(t), second.shares, "x"); err != nil {
		t.Fatal(err)
	}
	res, err := m.st.Results(ctx, m.tid, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Consecutive != 2 || !r.Document || r.Referral {
			t.Fatalf("%s second admonishment in a row: k=%d doc=%v ref=%v", r.Name, r.Consecutive, r.Document, r.Referral)
		}
	}
}

func TestRehearsalLeavesNoHistory(t *testing.T) {
	m := openMeeting(t, true)
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表")[:3] {
		m.mustCast(t, c, 4)
	}
	m.count(t)
	var ballots, results, talks int
	if err := m.st.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM ballots WHERE round_id = $1), (SELECT count(*) FROM round_results WHERE round_id = $1),
		(SELECT count(*) FROM talks WHERE round_id = $1)`, m.round).Scan(&ballots, &results, &talks); err != nil {
		t.Fatal(err)
	}
	if ballots != 0 || results != 10 || talks != 0 {
		t.Fatalf("after a rehearsal: %d ballots, %d results, %d talks; want 0, 10 (to look at), 0", ballots, results, talks)
	}
	if _, err := m.st.PublishRound(ctx, m.tid, m.round, store.Publication{From: time.Now(), To: time.Now(), Contact: "组织办"}, "x"); !errors.Is(err, store.ErrNotCounted) {
		t.Fatalf("a rehearsal cannot be published: %v", err)
	}
}

func TestPublishWithdrawAndDelete(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	m.mustCast(t, m.codes(t, "群众代表")[0], 1)
	m.count(t)
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	pub := store.Publication{From: from, To: from.AddDate(0, 0, 7), Contact: "组织办 0719-1234567"}
	slug, err := m.st.PublishRound(ctx, m.tid, m.round, pub, "周敏")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.PublicRound(ctx, slug); err != nil {
		t.Fatal(err)
	}
	if err := m.st.WithdrawPublication(ctx, m.tid, m.round, "姓名有误,更正后重新公示", "周敏"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.PublicRound(ctx, slug); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("withdrawn round still public: %v", err)
	}
	again, err := m.st.PublishRound(ctx, m.tid, m.round, pub, "周敏")
	if err != nil || again != slug {
		t.Fatalf("republish: %q %v; want the same address %q", again, err, slug)
	}
	events, err := m.st.RoundEvents(ctx, m.tid, m.round)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Kind == "withdrawn" && e.Note == "姓名有误,更正后重新公示")
	}
	if !found {
		t.Fatalf("the withdrawal's reason is not kept: %+v", events)
	}
	town, err := m.st.Township(ctx, m.tid)
	if err != nil || town.ObjectionContact != pub.Contact {
		t.Fatalf("township contact %q (%v)", town.ObjectionContact, err)
	}
	// A draft can be deleted with everything set up for it.
	id, err := m.st.CreateRound(ctx, m.tid, store.RoundInput{Title: "草稿", Year: 2026, Kind: "special", Groups: store.DefaultGroups(),
		Categories: map[int64]string{m.cats["群众代表"]: "public"}, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10,
		AdmonishDissatisfiedPct: 20, Scrutineers: []string{"甲"}, KeyThreshold: 1, Levels: []int{1}, People: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.st.GenerateCodes(ctx, m.tid, id, m.cats["群众代表"], 3); err != nil {
		t.Fatal(err)
	}
	if err := m.st.DeleteRound(ctx, m.tid, id); err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.Round(ctx, m.tid, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted round: %v", err)
	}
}

// TestBallotRowsHoldNothingInClear inspects the schema and the rows after voting.
func TestBallotRowsHoldNothingInClear(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	pool := m.st.Pool()
	rows, err := pool.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'ballots' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"round_id", "township_id", "receipt", "token_hash", "enc", "sealed"}
	if len(cols) != len(want) {
		t.Fatalf("ballot columns %v, want only %v: nothing in clear beyond the round and the receipt", cols, want)
	}
	codes := append(m.codes(t, "群众代表"), m.codes(t, "党委委员")...)
	for i, c := range codes[:12] {
		m.mustCast(t, c, 1+i%5)
	}
	// Every sealed ballot has the same length whatever its choices or category.
	var lengths int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT (length(enc), length(sealed))) FROM ballots WHERE round_id = $1`, m.round).Scan(&lengths); err != nil {
		t.Fatal(err)
	}
	if lengths != 1 {
		t.Fatalf("sealed ballots come in %d lengths, want 1", lengths)
	}
	receipts, err := m.st.Receipts(ctx, m.tid, m.round)
	if err != nil || len(receipts) != 12 {
		t.Fatalf("receipts %d (%v), want 12", len(receipts), err)
	}
}

// TestEndVotingWhileVotingCountsEveryReceipt races casts against ending the vote: every
// ballot a rater got a receipt for is counted, and no ballot is stored afterwards.
func TestEndVotingWhileVotingCountsEveryReceipt(t *testing.T) {
	for run := 0; run < 3; run++ {
		m := openMeeting(t, false)
		ctx := context.Background()
		codes := append(m.codes(t, "群众代表"), m.codes(t, "党委委员")...)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var receipts []string
		start := make(chan struct{})
		for _, c := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := m.cast(c, 1)
				if err == nil {
					mu.Lock()
					receipts = append(receipts, r)
					mu.Unlock()
				} else if !errors.Is(err, store.ErrRoundNotOpen) {
					t.Errorf("cast: %v", err)
				}
			}()
		}
		close(start)
		if err := m.st.EndVoting(ctx, m.tid, m.round); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		// Every ballot with a receipt is in the box and is opened (the group's counts may
		// be too few to store, so count what the box held).
		count, err := voting.Open(ctx, m.st, m.round_(t), m.shares[:2])
		if err != nil {
			t.Fatal(err)
		}
		if err := m.st.CountRound(ctx, m.tid, m.round, count, "x"); err != nil {
			t.Fatal(err)
		}
		counted, err := m.st.Receipts(ctx, m.tid, m.round)
		if err != nil {
			t.Fatal(err)
		}
		var tallied int64
		for _, g := range count.Tallies[m.subjects[0].ID] {
			for _, n := range g {
				tallied += n
			}
		}
		if len(counted) != len(receipts) || tallied != int64(len(receipts)) || count.Ballots != len(receipts) {
			t.Fatalf("run %d: %d receipts handed out, %d stored, %d tallied for a subject; want all equal", run, len(receipts), len(counted), tallied)
		}
	}
}

// TestEndVotingWaitsForBallotsInFlight holds the round's ballot lock as a ballot being
// cast does, and checks that ending the vote waits for it.
func TestEndVotingWaitsForBallotsInFlight(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	tx, err := m.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) // a failed test must still give the connection back
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, store.BallotLockClass, int32(m.round)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.st.EndVoting(ctx, m.tid, m.round) }()
	// EndVoting must be seen waiting on the advisory lock, not finishing.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := m.st.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("ending the vote did not wait for the ballot in flight (err %v)", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("ending the vote neither waited nor finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestAnotherTownshipSeesNothing calls the township-scoped reads with another township's
// id: single records are not found, lists are empty.
func TestAnotherTownshipSeesNothing(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	m.mustCast(t, m.codes(t, "群众代表")[0], 1)
	other, err := m.st.EnsureTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	users, err := m.st.Users(ctx, m.tid)
	if err != nil || len(users) == 0 {
		t.Fatal(err)
	}
	o := other.ID
	for name, err := range map[string]error{
		"Round":          second(m.st.Round(ctx, o, m.round)),
		"RoundSubject":   second(m.st.RoundSubject(ctx, o, m.subjects[0].ID)),
		"ReportFileOf":   second(m.st.ReportFileOf(ctx, o, m.round, m.subjects[0].ID)),
		"UserByID":       second(m.st.UserByID(ctx, o, users[0].ID)),
		"DeleteRound":    m.st.DeleteRound(ctx, o, m.round),
		"EndVoting":      notOpen(m.st.EndVoting(ctx, o, m.round)),
		"ReceiptByToken": second(m.st.ReceiptByToken(ctx, o, m.round, make([]byte, 32))),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s with another township: %v, want ErrNotFound", name, err)
		}
	}
	for name, n := range map[string]int{
		"RoundGroups":     length(m.st.RoundGroups(ctx, o, m.round)),
		"RoundCategories": length(m.st.RoundCategories(ctx, o, m.round)),
		"BallotSubjects":  length(m.st.BallotSubjects(ctx, o, m.round)),
		"Receipts":        length(m.st.Receipts(ctx, o, m.round)),
		"Scrutineers":     length(m.st.Scrutineers(ctx, o, m.round)),
		"SealedBallots":   length(m.st.SealedBallots(ctx, o, m.round)),
		"Turnout":         length(m.st.Turnout(ctx, o, m.round)),
		"RoundSubjects":   length(m.st.RoundSubjects(ctx, o, m.round)),
		"Results":         length(m.st.Results(ctx, o, m.round)),
		"RoundEvents":     length(m.st.RoundEvents(ctx, o, m.round)),
	} {
		if n != 0 {
			t.Errorf("%s with another township: %d rows, want none", name, n)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// notOpen reads "not open" as "not found": another township's round is neither.
func notOpen(err error) error {
	if errors.Is(err, store.ErrRoundNotOpen) {
		return store.ErrNotFound
	}
	return err
}

func length[T any](items []T, err error) int {
	if err != nil {
		return -1
	}
	return len(items)
}
