package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// meeting is a demo township with an open round of all level-1 subjects.
type meeting struct {
	st       *store.Store
	tid      int64
	round    int64
	subjects []store.RoundSubject
	cats     map[string]int64
}

func openMeeting(t *testing.T, rehearsal bool) *meeting {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	town, _ := st.TownshipByName(ctx, demo.Township)
	m := &meeting{st: st, tid: town.ID, cats: map[string]int64{}}
	cats, _ := st.RaterCategories(ctx, town.ID)
	catGroups := map[int64]string{}
	for _, c := range cats {
		m.cats[c.Name] = c.ID
		catGroups[c.ID] = c.DefaultGroup
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2025年度述职评议", Year: 2025, Kind: "year_end", Rehearsal: rehearsal,
		Weights: store.Weights{Peer: 40, Public: 60}, Categories: catGroups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	m.round = id
	m.subjects, _ = st.RoundSubjects(ctx, town.ID, id)
	if len(m.subjects) != 10 { // 乡党委, 乡政府 and 8 leaders
		t.Fatalf("level-1 subjects: %d, want 10", len(m.subjects))
	}
	if err := st.OpenRound(ctx, town.ID, id); err == nil {
		t.Fatal("a round must not open while subjects have no report")
	} else {
		var nr *store.NotReadyError
		if !errors.As(err, &nr) {
			t.Fatalf("open without reports: %v", err)
		}
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
	if err := st.OpenRound(ctx, town.ID, id); err != nil {
		t.Fatal(err)
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

func (m *meeting) allChoice(c int) map[int64]int {
	out := map[int64]int{}
	for _, s := range m.subjects {
		out[s.ID] = c
	}
	return out
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
			_, err := m.st.CastBallot(context.Background(), code, m.allChoice(1))
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
	m.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM ballots WHERE round_id = $1`, m.round).Scan(&ballots)
	if ok != 1 || spent != 49 || ballots != 1 {
		t.Fatalf("50 concurrent casts of one code: %d ok, %d spent, %d ballots stored; want 1, 49, 1", ok, spent, ballots)
	}
}

func TestSpentUnknownAndClosedCodes(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	codes := m.codes(t, "群众代表")
	if _, err := m.st.CastBallot(ctx, codes[0], m.allChoice(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.CastBallot(ctx, codes[0], m.allChoice(2)); !errors.Is(err, store.ErrCodeSpent) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := m.st.CastBallot(ctx, "ZZZZZZZZZZ", m.allChoice(2)); !errors.Is(err, store.ErrCodeUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	// A choice for a subject outside the round fails and gives the code back.
	bad := m.allChoice(1)
	bad[999999] = 1
	if _, err := m.st.CastBallot(ctx, codes[1], bad); err == nil {
		t.Fatal("a ballot with a foreign subject must fail")
	}
	if ci, _ := m.st.Code(ctx, codes[1]); ci.Spent {
		t.Fatal("a failed ballot must not spend the code")
	}
	if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.CastBallot(ctx, codes[1], m.allChoice(1)); !errors.Is(err, store.ErrRoundNotOpen) {
		t.Fatalf("cast after close: %v", err)
	}
}

func TestSetUpFrozenOnceOpen(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	err := m.st.UpdateRound(ctx, m.tid, m.round, store.RoundInput{Title: "x", Year: 2025, Kind: "year_end", Weights: store.Weights{Peer: 10, Public: 90},
		Categories: map[int64]string{m.cats["群众代表"]: "public"}, PassPct: 50, AdmonishBelowPct: 40, ReminderDissatisfiedPct: 30, AdmonishDissatisfiedPct: 40})
	if !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("update an open round: %v", err)
	}
	if w, _ := m.st.RoundWeights(ctx, m.round); w.Peer != 40 || w.Public != 60 {
		t.Fatalf("weights changed to %+v", w)
	}
	if err := m.st.RemoveSubject(ctx, m.tid, m.subjects[0].ID); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("remove a subject of an open round: %v", err)
	}
	if err := m.st.SaveReport(ctx, m.tid, m.subjects[1].ID, store.ReportInput{Text: "改"}); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("change a report of an open round: %v", err)
	}
}

func TestCloseTalliesEvaluatesAndCreatesTalks(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	peer, public := m.codes(t, "党委委员"), m.codes(t, "群众代表")
	// 10 peer ballots all 优秀; public: 6 优秀, 2 基本称职, 2 不称职 for everyone.
	for _, c := range peer {
		if _, err := m.st.CastBallot(ctx, c, m.allChoice(1)); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range public {
		choice := 1
		if i >= 6 {
			choice = 3
		}
		if i >= 8 {
			choice = 4
		}
		if _, err := m.st.CastBallot(ctx, c, m.allChoice(choice)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
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
	talks, _ := m.st.Talks(ctx, m.tid, "pending")
	if len(talks) != len(res) {
		t.Fatalf("talk tasks %d, want %d", len(talks), len(res))
	}
	for _, tk := range talks {
		if tk.SubjectName == "乡党委" && tk.TalkWithName != "陈建国" {
			t.Errorf("乡党委's talk is with its responsible person, got %q", tk.TalkWithName)
		}
	}
	turnout, _ := m.st.Turnout(ctx, m.tid, m.round, true)
	for _, tu := range turnout {
		if tu.Category == "群众代表" && (tu.Issued != 10 || tu.Cast != 10 || tu.Valid != 100 || tu.Abstained != 0) {
			t.Errorf("reconciliation %+v", tu)
		}
	}
}

func TestEscalationAcrossRounds(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表") {
		m.st.CastBallot(ctx, c, m.allChoice(4))
	}
	if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	cats := map[int64]string{m.cats["群众代表"]: "public", m.cats["党委委员"]: "peer"}
	id, err := m.st.CreateRound(ctx, m.tid, store.RoundInput{Title: "2026年中", Year: 2026, Kind: "mid_year", Weights: store.Weights{Peer: 40, Public: 60},
		Categories: cats, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, Levels: []int{1}, People: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, _ := m.st.RoundSubjects(ctx, m.tid, id)
	choices := map[int64]int{}
	for _, s := range subs {
		m.st.SaveReport(ctx, m.tid, s.ID, store.ReportInput{Text: "述职"})
		choices[s.ID] = 4
	}
	m.st.GenerateCodes(ctx, m.tid, id, m.cats["群众代表"], 3)
	if err := m.st.OpenRound(ctx, m.tid, id); err != nil {
		t.Fatal(err)
	}
	slips, _ := m.st.Slips(ctx, m.tid, id, 0)
	for _, s := range slips {
		if _, err := m.st.CastBallot(ctx, s.Code, choices); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.st.CloseRound(ctx, m.tid, id); err != nil {
		t.Fatal(err)
	}
	res, _ := m.st.Results(ctx, m.tid, id)
	for _, r := range res {
		if r.Consecutive != 2 || !r.Document || r.Referral {
			t.Fatalf("%s second admonishment in a row: k=%d doc=%v ref=%v", r.Name, r.Consecutive, r.Document, r.Referral)
		}
	}
}

func TestRehearsalBallotsAreWiped(t *testing.T) {
	m := openMeeting(t, true)
	ctx := context.Background()
	for _, c := range m.codes(t, "群众代表")[:3] {
		if _, err := m.st.CastBallot(ctx, c, m.allChoice(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	var ballots, results, talks int
	m.st.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM ballots WHERE round_id = $1), (SELECT count(*) FROM round_results WHERE round_id = $1),
		(SELECT count(*) FROM talks WHERE round_id = $1)`, m.round).Scan(&ballots, &results, &talks)
	if ballots != 0 || results != 0 || talks != 0 {
		t.Fatalf("after a rehearsal: %d ballots, %d results, %d talks; want none", ballots, results, talks)
	}
	if _, err := m.st.PublishRound(ctx, m.tid, m.round); err == nil {
		t.Fatal("a rehearsal cannot be published")
	}
}

// TestBallotSecrecy inspects the schema and the rows, xmin included, after voting.
func TestBallotSecrecy(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	pool := m.st.Pool()
	rows, err := pool.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'ballots'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var col string
		rows.Scan(&col)
		for _, bad := range []string{"code", "rater", "created", "cast_at", "time", "ip", "addr", "user"} {
			if col == bad || len(col) > len(bad) && (col[:len(bad)] == bad) {
				t.Errorf("ballot table has column %q that could link a ballot to its caster", col)
			}
		}
	}
	rows.Close()
	codes := append(m.codes(t, "群众代表"), m.codes(t, "党委委员")...)
	for i, c := range codes[:12] {
		if _, err := m.st.CastBallot(ctx, c, m.allChoice(1+i%5)); err != nil {
			t.Fatal(err)
		}
	}
	noSharedXmin := func(when string) {
		t.Helper()
		var shared int
		err := pool.QueryRow(ctx, `
			SELECT count(*) FROM ballots b WHERE b.xmin::text IN (SELECT xmin::text FROM ballot_codes)`).Scan(&shared)
		if err != nil {
			t.Fatal(err)
		}
		if shared != 0 {
			t.Fatalf("%s: %d ballot rows share a transaction id with a code row", when, shared)
		}
	}
	noSharedXmin("while open")
	if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
		t.Fatal(err)
	}
	noSharedXmin("after close")
	// After close the order of casting is gone: one xmin for all ballots, one for all codes.
	var ballotXmins, codeXmins int
	pool.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM ballots WHERE round_id = $1`, m.round).Scan(&ballotXmins)
	pool.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM ballot_codes WHERE round_id = $1`, m.round).Scan(&codeXmins)
	if ballotXmins != 1 || codeXmins != 1 {
		t.Fatalf("after close: %d distinct ballot xmins, %d code xmins; want 1 and 1", ballotXmins, codeXmins)
	}
	receipts, _ := m.st.Receipts(ctx, m.round)
	if len(receipts) != 12 {
		t.Fatalf("receipts %d, want 12", len(receipts))
	}
}

// TestCloseWhileVotingCountsEveryReceipt races casts against closing: every ballot a
// rater got a receipt for is counted, and no ballot is stored after the tally.
func TestCloseWhileVotingCountsEveryReceipt(t *testing.T) {
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
				r, err := m.st.CastBallot(ctx, c, m.allChoice(1))
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
		if err := m.st.CloseRound(ctx, m.tid, m.round); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		counted, _ := m.st.Receipts(ctx, m.round)
		res, _ := m.st.Results(ctx, m.tid, m.round)
		var tallied int64
		for _, g := range res[0].Tallies {
			for _, n := range g {
				tallied += n
			}
		}
		if len(counted) != len(receipts) || tallied != int64(len(receipts)) {
			t.Fatalf("run %d: %d receipts handed out, %d stored, %d tallied for a subject; want all equal", run, len(receipts), len(counted), tallied)
		}
	}
}

// TestCloseWaitsForBallotsInFlight holds the round's ballot lock as a ballot being
// written does, and checks that closing waits for it instead of tallying without it.
func TestCloseWaitsForBallotsInFlight(t *testing.T) {
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
	go func() { done <- m.st.CloseRound(ctx, m.tid, m.round) }()
	select {
	case err := <-done:
		t.Fatalf("close did not wait for the ballot in flight (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
