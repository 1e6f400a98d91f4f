package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// pledgeTown is the demo township with 2025 commitments: 小漩村's and 河口村's published
// (小漩村's first item with two sub-items, its items self-evaluated), 青龙村's approved but
// not published.
type pledgeTown struct {
	town
	xiaoxuan, hekou, qinglong int64
}

func newPledgeTown(t *testing.T) pledgeTown {
	t.Helper()
	ctx := context.Background()
	x := pledgeTown{town: demoCommitmentTown(t)}
	d := func(s string) time.Time { return date(s) }
	var err error
	vid := x.villages["小漩村"]
	x.xiaoxuan, err = demo.PublishCommitment(ctx, x.st, x.tid, &vid, 2025, []demo.CommitmentSpec{
		{Category: "service", Content: "硬化通组道路", Target: "新修水泥路 3 公里", Deadline: d("2025-10-31"), Self: store.SelfFulfilled, SelfNote: "全部完工",
			Subs: []demo.CommitmentSpec{
				{Content: "一组至二组", Target: "1 公里", Deadline: d("2025-06-30"), Percent: 100, Note: "完工"},
				{Content: "二组至三组", Target: "2 公里", Deadline: d("2025-10-31"), Percent: 100, Note: "完工"},
			}},
		{Category: "economy", Content: "壮大集体经济", Target: "集体收入 10 万元", Deadline: d("2025-12-31"), Percent: 80, Note: "收入 8 万元",
			Self: store.SelfPartly, SelfNote: "差 2 万元"},
	})
	if err != nil {
		t.Fatal(err)
	}
	vid = x.villages["河口村"]
	x.hekou, err = demo.PublishCommitment(ctx, x.st, x.tid, &vid, 2025, []demo.CommitmentSpec{
		{Category: "economy", Content: "林场规范承包", Target: "收入 12 万元", Deadline: d("2025-12-31")},
		{Category: "governance", Content: "矛盾调处台账", Target: "成功率 95%", Deadline: d("2025-12-31")},
	})
	if err != nil {
		t.Fatal(err)
	}
	vid = x.villages["青龙村"]
	if x.qinglong, err = x.st.CreateCommitment(ctx, x.tid, &vid, 2025, office); err != nil {
		t.Fatal(err)
	}
	mustItem(t, x.town, x.qinglong, store.ItemInput{Category: "service", Content: "便民服务", Target: "办结率 100%", Deadline: d("2025-12-31")})
	if err := x.st.SubmitCommitment(ctx, x.tid, x.qinglong, secretary); err != nil {
		t.Fatal(err)
	}
	if err := x.st.ApproveCommitment(ctx, x.tid, x.qinglong, office); err != nil {
		t.Fatal(err)
	}
	return x
}

// pledgeRound sets a draft 评诺 round up over the commitments, in the 公众评议 group.
func (x pledgeTown) pledgeRound(scope string, year int, commitments ...int64) (int64, error) {
	ctx := context.Background()
	cats, err := x.st.RaterCategories(ctx, x.tid)
	if err != nil {
		return 0, err
	}
	public := map[int64]string{}
	for _, c := range cats {
		if c.DefaultGroup == store.GroupPublic {
			public[c.ID] = store.GroupPublic
		}
	}
	return x.st.CreateRound(ctx, x.tid, store.RoundInput{Title: "评诺", Year: year, Kind: store.KindCommitment,
		Groups: []store.Group{{Key: store.GroupPublic, Weight: 100}}, Categories: public, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: []string{"甲", "乙"}, KeyThreshold: 2,
		PledgeScope: scope, Commitments: commitments})
}

func names(subs []store.RoundSubject) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.Title+"/"+s.Name)
	}
	return out
}

func TestPledgeRoundFromPublishedItems(t *testing.T) {
	ctx := context.Background()
	x := newPledgeTown(t)
	st, tid := x.st, x.tid

	id, err := x.pledgeRound(store.PledgeScopeItem, 2025, x.xiaoxuan, x.hekou)
	if err != nil {
		t.Fatal(err)
	}
	round, err := st.Round(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	if !round.IsPledge() || round.Scope() != store.PledgeScopeItem || store.RoundKindLabel(round.Kind) == round.Kind {
		t.Fatalf("round kind %q scope %q", round.Kind, round.Scope())
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	// Top-level items only, villages in pinyin order (河口 before 小漩), items in order.
	want := []string{"河口村党支部/林场规范承包", "河口村党支部/矛盾调处台账", "小漩村党支部/硬化通组道路", "小漩村党支部/壮大集体经济"}
	if got := names(subs); !slices.Equal(got, want) {
		t.Fatalf("subjects %q, want %q", got, want)
	}
	road := subs[2]
	if road.CommitmentID == nil || *road.CommitmentID != x.xiaoxuan || road.CommitmentItemID == nil || road.Pledge == nil {
		t.Fatalf("road subject %+v", road)
	}
	p := road.Pledge
	if p.Owner != "小漩村党支部" || p.Year != 2025 || p.Version != 1 || len(p.Items) != 1 || len(p.Items[0].Subs) != 2 ||
		p.Items[0].Target != "新修水泥路 3 公里" || p.Items[0].Self != store.SelfFulfilled || p.Items[0].Deadline != "2025-10-31" {
		t.Fatalf("road pledge %+v", p)
	}
	// A commitment subject has no duty report, and the ballot rates it on the organisation scale.
	ballot, err := st.BallotSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ballot) != 4 || !ballot[2].Organisation || ballot[2].Pledge == nil || ballot[2].Pledge.Items[0].Content != "硬化通组道路" {
		t.Fatalf("ballot subjects %+v", ballot)
	}

	// Whole: one subject per commitment, with all its top-level items.
	whole, err := x.pledgeRound(store.PledgeScopeWhole, 2025, x.xiaoxuan, x.hekou)
	if err != nil {
		t.Fatal(err)
	}
	subs, err = st.RoundSubjects(ctx, tid, whole)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(subs); !slices.Equal(got, []string{"2025 年度承诺 · 2 项/河口村党支部", "2025 年度承诺 · 2 项/小漩村党支部"}) ||
		subs[1].CommitmentItemID != nil || len(subs[1].Pledge.Items) != 2 {
		t.Fatalf("whole subjects %q", got)
	}

	// Only published commitments of the round's year and township.
	other, err := st.EnsureTownship(ctx, "另一乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	ov, err := st.CreateVillage(ctx, other.ID, "外村")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := demo.PublishCommitment(ctx, st, other.ID, &ov.ID, 2025, []demo.CommitmentSpec{{Category: "other", Content: "外村事项", Target: "x", Deadline: date("2025-12-31")}})
	if err != nil {
		t.Fatal(err)
	}
	for name, ids := range map[string][]int64{"approved, not published": {x.hekou, x.qinglong}, "another year": {x.xiaoxuan}, "another township": {foreign}} {
		year := 2025
		if name == "another year" {
			year = 2026
		}
		if _, err := x.pledgeRound(store.PledgeScopeItem, year, ids...); !errors.Is(err, store.ErrPledgeNotPublished) {
			t.Errorf("%s: %v, want ErrPledgeNotPublished", name, err)
		}
	}
	if _, err := x.pledgeRound(store.PledgeScopeItem, 2025); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("no commitment: %v, want ErrInvalid", err)
	}
	rounds, err := st.Rounds(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 2 {
		t.Fatalf("a refused round was half-written: %d rounds", len(rounds))
	}
	if got, err := st.PublishedCommitments(ctx, tid, 2025); err != nil || len(got) != 2 || got[0].ID != x.hekou || got[1].Items != 2 {
		t.Fatalf("published commitments %+v, %v", got, err)
	}

	// A 评诺 round takes commitments only; an ordinary round takes none.
	people, err := st.AllPeople(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddSubject(ctx, tid, id, "p", people[0].ID); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a person into a 评诺 round: %v", err)
	}
	ordinary := agencyRound(t, st, tid, 2025, "year_end")
	if err := st.AddPledgeSubjects(ctx, tid, ordinary, x.xiaoxuan); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a commitment into a 述职 round: %v", err)
	}
	// Removing an item and adding the commitment again brings back what is missing only.
	if err := st.RemoveSubject(ctx, tid, road.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.AddPledgeSubjects(ctx, tid, id, x.xiaoxuan); err != nil {
		t.Fatal(err)
	}
	if err := st.AddPledgeSubjects(ctx, other.ID, id, x.xiaoxuan); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another township adds to the round: %v", err)
	}
	if n := length(st.RoundSubjects(ctx, tid, id)); n != 4 {
		t.Fatalf("after adding 小漩村 again: %d subjects, want 4", n)
	}
	// The edit form cannot turn it into a 述职 round or move its year.
	in := store.RoundInput{Title: "评诺(改)", Year: 2024, Kind: "year_end", Groups: []store.Group{{Key: store.GroupPublic, Weight: 100}},
		Categories: map[int64]string{}, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20,
		Scrutineers: []string{"甲"}, KeyThreshold: 1}
	if err := st.UpdateRound(ctx, tid, id, in); err != nil {
		t.Fatal(err)
	}
	if r, err := st.Round(ctx, tid, id); err != nil || r.Kind != store.KindCommitment || r.Year != 2025 || r.Title != "评诺(改)" {
		t.Fatalf("after edit: %+v, %v", r, err)
	}
}

func TestPledgeFrozenWhenVotingOpens(t *testing.T) {
	ctx := context.Background()
	x := newPledgeTown(t)
	st, tid := x.st, x.tid
	id, err := x.pledgeRound(store.PledgeScopeItem, 2025, x.xiaoxuan, x.hekou)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Name == "群众代表" {
			if err := st.GenerateCodes(ctx, tid, id, c.ID, 5); err != nil {
				t.Fatal(err)
			}
		}
	}
	items := func(cid int64) []store.CommitmentItem {
		t.Helper()
		vs, err := st.CommitmentVersions(ctx, tid, cid)
		if err != nil {
			t.Fatal(err)
		}
		_, _, public := store.Versions(vs)
		its, err := st.VersionItems(ctx, tid, public.ID)
		if err != nil {
			t.Fatal(err)
		}
		return its
	}
	// revise publishes a new version of a commitment with one item reworded or removed.
	revise := func(cid, item int64, content string) {
		t.Helper()
		if err := st.ReviseCommitment(ctx, tid, cid, "调整", office); err != nil {
			t.Fatal(err)
		}
		if content == "" {
			if err := st.DeleteCommitmentItem(ctx, tid, cid, item); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, it := range items(cid) {
				if it.ID == item {
					if _, err := st.SaveCommitmentItem(ctx, tid, cid, item, store.ItemInput{Category: it.Category, Content: content, Target: it.Target, Deadline: it.Deadline}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for _, step := range []func() error{
			func() error { return st.SubmitCommitment(ctx, tid, cid, office) },
			func() error { return st.ApproveCommitment(ctx, tid, cid, office) },
			func() error { return st.PublishCommitment(ctx, tid, cid, office) },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Before voting opens a new published version counts: the reworded item is what the
	// ballot shows, and an item the commitment dropped stops the round from opening.
	economy := items(x.xiaoxuan)[3].ID
	revise(x.xiaoxuan, economy, "壮大村集体经济(砖厂分红)")
	revise(x.hekou, items(x.hekou)[1].ID, "")
	var nr *store.NotReadyError
	if _, err := voting.OpenRound(ctx, st, tid, id, "周敏"); !errors.As(err, &nr) || len(nr.Problems) != 1 ||
		nr.Problems[0] != "河口村党支部「矛盾调处台账」 已不在公开的承诺中,请移除该评议对象" {
		t.Fatalf("open with a dropped item: %v", err)
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveSubject(ctx, tid, subs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.OpenRound(ctx, st, tid, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	subs, err = st.RoundSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	frozen := names(subs)
	if want := []string{"河口村党支部/林场规范承包", "小漩村党支部/硬化通组道路", "小漩村党支部/壮大村集体经济(砖厂分红)"}; !slices.Equal(frozen, want) ||
		subs[2].Pledge.Version != 2 || subs[2].Pledge.Items[0].Self != store.SelfPartly {
		t.Fatalf("opened with %q (version %d)", frozen, subs[2].Pledge.Version)
	}
	// From now on the commitment may change; the running round does not.
	revise(x.xiaoxuan, economy, "又改了一次")
	subs, err = st.RoundSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	ballot, err := st.BallotSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(subs); !slices.Equal(got, frozen) || subs[2].Pledge.Version != 2 || ballot[2].Pledge.Items[0].Content != "壮大村集体经济(砖厂分红)" {
		t.Fatalf("after a later version: %q, ballot %+v", got, ballot[2].Pledge)
	}
	if err := st.AddPledgeSubjects(ctx, tid, id, x.hekou); !errors.Is(err, store.ErrFrozen) {
		t.Fatalf("adding to an open round: %v", err)
	}
}

func TestPledgeCountAndResultOnTheCommitment(t *testing.T) {
	ctx := context.Background()
	x := newPledgeTown(t)
	st, tid := x.st, x.tid
	// Subject k: 0 all 非常满意; 1 all 基本满意; 2 seven 满意 in eight, the eighth 不满意;
	// 3 everyone abstains.
	seen := map[int]int{}
	id, err := demo.RunPledgeRound(ctx, st, tid, demo.PledgeRoundSpec{Title: "2025 年度评诺", Year: 2025, Scope: store.PledgeScopeItem,
		Commitments: []int64{x.xiaoxuan, x.hekou}, Seed: 1,
		Vote: func(_ *rand.Rand, k int, _ store.RoundSubject) int {
			seen[k]++
			switch k {
			case 0:
				return 1
			case 1:
				return 3
			case 2:
				if seen[k]%8 == 0 {
					return 4
				}
				return 2
			}
			return 5
		}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := st.Results(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []rules.Outcome
	for _, r := range results {
		got = append(got, r.Outcome)
	}
	if want := []rules.Outcome{rules.Satisfied, rules.Unsatisfied, rules.FairlySatisfied, rules.NoResult}; !slices.Equal(got, want) {
		t.Fatalf("grades %v, want %v (results %+v)", got, want, results)
	}
	if results[0].Document || results[1].Consecutive != 0 || len(results[1].Reasons) == 0 || results[0].Pledge == nil {
		t.Fatalf("a grade carries no escalation: %+v", results[1])
	}
	var talks int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM talks WHERE round_id = $1`, id).Scan(&talks); err != nil {
		t.Fatal(err)
	}
	if talks != 0 {
		t.Fatalf("评诺 grades created %d talks", talks)
	}

	// Counted: on the commitment's staff page; public only once published.
	staff, err := st.MassEvaluations(ctx, tid, x.hekou, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(staff) != 1 || staff[0].RoundID != id || staff[0].Published() || len(staff[0].Rows) != 2 ||
		staff[0].Rows[0].Name != "林场规范承包" || staff[0].Rows[0].Outcome != rules.Satisfied || *staff[0].Rows[0].Satisfaction != "100.00" {
		t.Fatalf("staff view %+v", staff)
	}
	if pub, err := st.MassEvaluations(ctx, tid, x.hekou, true); err != nil || len(pub) != 0 {
		t.Fatalf("public before 公示: %+v, %v", pub, err)
	}
	if _, err := st.PublishRound(ctx, tid, id, store.Publication{From: date("2026-01-10"), To: date("2026-01-17"), Contact: "组织办"}, "周敏"); err != nil {
		t.Fatal(err)
	}
	pub, err := st.MassEvaluations(ctx, tid, x.xiaoxuan, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 1 || !pub[0].Published() || pub[0].PublicSlug == nil || len(pub[0].Rows) != 2 || pub[0].Rows[1].Satisfaction != nil {
		t.Fatalf("public view %+v", pub)
	}
	byYear, err := st.MassEvaluationsOf(ctx, tid, 2025, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(byYear) != 2 || len(byYear[x.qinglong]) != 0 {
		t.Fatalf("the year's overview: %+v", byYear)
	}
	// Another township's id sees nothing.
	other, err := st.EnsureTownship(ctx, "另一乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := st.MassEvaluations(ctx, other.ID, x.hekou, false); err != nil || len(m) != 0 {
		t.Fatalf("another township: %+v, %v", m, err)
	}

	// A 评诺 round is no cadre's history: a 述职 round still counts after it, the award
	// scenario leaves it out, and a village's published results do not list it.
	ordinary := agencyRound(t, st, tid, 2025, "year_end")
	if _, err := st.Results(ctx, tid, ordinary); err != nil {
		t.Fatal(err)
	}
	sc, _, err := st.AwardScenario(ctx, tid, 2025)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.Rounds {
		if r.ID == strconv.FormatInt(id, 10) {
			t.Fatal("the award scenario has the 评诺 round")
		}
	}
	vr, err := st.VillageResults(ctx, tid, x.villages["小漩村"])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range vr {
		if r.RoundID == id {
			t.Fatal("village results list the 评诺 round")
		}
	}
}
