package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// agencyRound runs a round of the five agencies (level 4) in which the named agencies get
// only 不满意 votes (诫勉谈话) and every other agency only 满意 (合格).
func agencyRound(t *testing.T, st *store.Store, tid int64, year int, kind string, weak ...string) int64 {
	t.Helper()
	id, err := demo.RunRound(context.Background(), st, tid, demo.RoundSpec{Title: "评议", Year: year, Kind: kind, Levels: []int{4},
		Organisations: true, MaxBallots: 6, Vote: func(_ *rand.Rand, _ int, s store.RoundSubject) int {
			for _, w := range weak {
				if s.Name == w {
					return 4
				}
			}
			return 1
		}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func demoTown(t *testing.T) (*store.Store, int64) {
	t.Helper()
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(context.Background(), demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	return st, town.ID
}

// TestEscalationDocumentThenReferral: three consecutive admonishments of one subject give
// a talk, then an admonishment document, then a document and a referral; documents are
// numbered per township and year when issued.
func TestEscalationDocumentThenReferral(t *testing.T) {
	ctx := context.Background()
	st, tid := demoTown(t)
	count := func() (docs []store.Document, refs []store.Referral) {
		t.Helper()
		err := st.EnsureConsequences(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		docs, err = st.Documents(ctx, tid, store.ConsequenceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		refs, err = st.Referrals(ctx, tid, store.ConsequenceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	agencyRound(t, st, tid, 2023, "year_end", "林业站")
	if docs, refs := count(); len(docs) != 0 || len(refs) != 0 {
		t.Fatalf("after one admonishment: %d documents, %d referrals; want none", len(docs), len(refs))
	}
	agencyRound(t, st, tid, 2024, "year_end", "林业站")
	docs, refs := count()
	if len(docs) != 1 || len(refs) != 0 || docs[0].SubjectName != "林业站" || docs[0].Issued() {
		t.Fatalf("after two: %+v, %d referrals; want one draft for 林业站", docs, len(refs))
	}
	if docs[0].Title != "关于对林业站负责人"+responsible(t, st, tid, "林业站")+"同志实行诫勉的决定" {
		t.Fatalf("draft title %q", docs[0].Title)
	}
	agencyRound(t, st, tid, 2025, "year_end", "林业站")
	docs, refs = count()
	if len(docs) != 2 || len(refs) != 1 || refs[0].SubjectName != "林业站" || refs[0].Source != "round" || len(refs[0].Bodies) != 3 {
		t.Fatalf("after three: %d documents, referrals %+v; want 2 and one to all three bodies", len(docs), refs)
	}
	// Loading again creates nothing more.
	if d2, r2 := count(); len(d2) != 2 || len(r2) != 1 {
		t.Fatalf("ensure is not idempotent: %d, %d", len(d2), len(r2))
	}

	// Numbered on issue, per township and year of issue: 小漩组〔2025〕1号, 2号; 〔2026〕1号.
	older, newer := docs[1], docs[0] // listed newest first
	on := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	if err := st.IssueDocument(ctx, tid, older.ID, on, "陈建国"); err != nil {
		t.Fatal(err)
	}
	if err := st.IssueDocument(ctx, tid, older.ID, on, "陈建国"); !errors.Is(err, store.ErrIssued) {
		t.Fatalf("issuing twice: %v", err)
	}
	if err := st.SaveDocument(ctx, tid, older.ID, "改", "", "改"); !errors.Is(err, store.ErrIssued) {
		t.Fatalf("editing an issued document: %v", err)
	}
	if err := st.IssueDocument(ctx, tid, newer.ID, on.AddDate(0, 1, 0), "陈建国"); err != nil {
		t.Fatal(err)
	}
	got1, err := st.Document(ctx, tid, older.ID)
	if err != nil {
		t.Fatal(err)
	}
	got2, err := st.Document(ctx, tid, newer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got1.Number() != "小漩组〔2025〕1号" || got2.Number() != "小漩组〔2025〕2号" {
		t.Fatalf("numbers %q, %q", got1.Number(), got2.Number())
	}
	// Another township counts from 1 and cannot see these.
	other, err := st.EnsureTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Document(ctx, other.ID, older.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another township reads a document: %v", err)
	}
	if err := st.IssueDocument(ctx, other.ID, newer.ID, on, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another township issues a document: %v", err)
	}
}

func responsible(t *testing.T, st *store.Store, tid int64, org string) string {
	t.Helper()
	orgs, err := st.AllOrganisations(context.Background(), tid)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Name == org && o.ResponsibleName != nil {
			return *o.ResponsibleName
		}
	}
	t.Fatalf("no responsible person for %s", org)
	return ""
}

// TestHeldTalkStartsPledgeAndPeriod: recording an admonishment talk as held gives the
// default pledge item and the 诫勉 period; its follow-up escalates into a referral.
func TestHeldTalkStartsPledgeAndPeriod(t *testing.T) {
	ctx := context.Background()
	st, tid := demoTown(t)
	agencyRound(t, st, tid, 2025, "year_end", "财政所")
	talks, err := st.Talks(ctx, tid, store.TalkPending)
	if err != nil {
		t.Fatal(err)
	}
	if len(talks) != 1 {
		t.Fatalf("talks %d, want 1", len(talks))
	}
	tk := talks[0]
	today := store.Today()
	held := today.AddDate(0, 0, -30)
	if err := st.SaveTalkRecord(ctx, tid, tk.ID, 0, store.TalkRecord{HeldOn: &held, Talker: "陈建国", Points: "要点"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveTalkRecord(ctx, tid, tk.ID, 0, store.TalkRecord{Talker: "陈建国"}); !errors.Is(err, store.ErrHeldDateRequired) {
		t.Fatalf("clearing the held date: %v", err)
	}
	items, err := st.Rectifications(ctx, tid, today, store.RectificationFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Kind != "pledge" || !items[0].DueOn.Equal(held.AddDate(0, 0, 7)) || !items[0].Overdue(today) {
		t.Fatalf("pledge %+v", items)
	}
	// Saving the record again creates nothing more.
	if err := st.SaveTalkRecord(ctx, tid, tk.ID, 0, store.TalkRecord{HeldOn: &held, Talker: "陈建国", Points: "要点二"}); err != nil {
		t.Fatal(err)
	}
	overdue, err := st.Rectifications(ctx, tid, today, store.RectificationFilter{OverdueOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(overdue) != 1 {
		t.Fatalf("overdue items %d, want 1", len(overdue))
	}
	ps, err := st.Periods(ctx, tid, today, store.ConsequenceFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !ps[0].StartsOn.Equal(held) || !ps[0].EndsOn.Equal(held.AddDate(0, 6, 0)) || ps[0].FollowupDue(today) {
		t.Fatalf("period %+v", ps)
	}
	if err := st.RecordFollowup(ctx, tid, tk.ID, ps[0].ID, store.FollowupInput{HeldOn: today, Findings: "整改未落实", Decision: "extend", ExtendMonths: 2, HeldBy: "周敏"}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFollowup(ctx, tid, tk.ID, ps[0].ID, store.FollowupInput{HeldOn: today, Findings: "仍未落实", Decision: "escalate", HeldBy: "周敏"}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFollowup(ctx, tid, tk.ID, ps[0].ID, store.FollowupInput{HeldOn: today, Findings: "x", Decision: "lift", HeldBy: "周敏"}); !errors.Is(err, store.ErrPeriodClosed) {
		t.Fatalf("a follow-up after escalation: %v", err)
	}
	ps, err = st.Periods(ctx, tid, today, store.ConsequenceFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Status != "escalated" || len(ps[0].Followups) != 2 || !ps[0].EndsOn.Equal(held.AddDate(0, 8, 0)) {
		t.Fatalf("period after follow-ups %+v", ps[0])
	}
	refs, err := st.Referrals(ctx, tid, store.ConsequenceFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].Source != "followup" {
		t.Fatalf("referral %+v", refs)
	}
	// An attachment cannot point at another talk's item.
	other, err := st.RecordTalk(ctx, tid, store.TalkInput{SubjectKind: "o", SubjectID: *tk.OrganisationID, Year: 2025, Kind: store.TalkReminder,
		HeldOn: today, HeldBy: "陈建国"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddTalkFile(ctx, tid, other, &items[0].ID, nil, store.Upload{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a file on another talk's item: %v", err)
	}
}

// TestConcurrentIssuesTakeDistinctNumbers: two documents issued at the same moment get
// 1号 and 2号, never the same number.
func TestConcurrentIssuesTakeDistinctNumbers(t *testing.T) {
	ctx := context.Background()
	st, tid := demoTown(t)
	agencyRound(t, st, tid, 2024, "year_end", "林业站", "文化站")
	agencyRound(t, st, tid, 2025, "year_end", "林业站", "文化站")
	if err := st.EnsureConsequences(ctx, tid); err != nil {
		t.Fatal(err)
	}
	docs, err := st.Documents(ctx, tid, store.ConsequenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("documents %d, want 2", len(docs))
	}
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.IssueDocument(ctx, tid, d.ID, time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC), "陈建国"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var got []string
	for _, d := range docs {
		x, err := st.Document(ctx, tid, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, x.Number())
	}
	sort.Strings(got)
	if got[0] != "小漩组〔2026〕1号" || got[1] != "小漩组〔2026〕2号" {
		t.Fatalf("numbers %v", got)
	}
}
