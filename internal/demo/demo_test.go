package demo_test

import (
	"context"
	"testing"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDemoTownshipAndHistory(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if loaded, err := demo.Load(ctx, st); err != nil || !loaded {
		t.Fatalf("load: %v %v", loaded, err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Counts(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Villages != 7 || c.Raters < 55 || c.People < 40 {
		t.Fatalf("demo roster %+v", c)
	}
	if loaded, err := demo.LoadRounds(ctx, st); err != nil || !loaded {
		t.Fatalf("rounds: %v %v", loaded, err)
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 2 || rounds[0].Status != store.StatusDraft || rounds[1].Status != store.StatusPublished {
		t.Fatalf("demo rounds %+v", rounds)
	}
	res, err := st.Results(ctx, town.ID, rounds[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[rules.Outcome]int{}
	for _, r := range res {
		outcomes[r.Outcome]++
	}
	if outcomes[rules.Pass] == 0 || outcomes[rules.Reminder] == 0 || outcomes[rules.Admonishment] == 0 {
		t.Fatalf("the 2024 demo round should show every outcome, got %v", outcomes)
	}
	// The 2025 draft waits for 小漩村's reports only.
	subs, err := st.RoundSubjects(ctx, town.ID, rounds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, s := range subs {
		if !s.Reported() {
			missing++
		}
	}
	if missing != 4 {
		t.Fatalf("2025 draft: %d subjects without a report, want 小漩村's 4", missing)
	}
	if again, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	} else if again {
		t.Fatal("a second load must leave existing rounds alone")
	}
}

func TestDemoScoringHistory(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	f, loaded, err := demo.LoadScoring(ctx, st)
	if err != nil || !loaded {
		t.Fatalf("scoring: %v %v", loaded, err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	standings, err := st.Standings(ctx, town.ID, 2024)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]store.Standing{}
	for _, s := range standings {
		by[s.Name] = s
	}
	star := by[f.PayRise]
	if star.Streak != 2 || !star.VillageCadre || len(star.Awards) != 3 || star.Awards[2] != "pay_rise_10" {
		t.Errorf("%s should be 两年两优 with the pay rise: %+v", f.PayRise, star)
	}
	rem := by[f.Reminder]
	if rem.Excellent || rem.Rank != 1 || len(rem.Talks) != 1 {
		t.Errorf("%s should be left out for June's reminder talk: %+v", f.Reminder, rem)
	}
	if three := by[f.ThreeYears]; three.Streak != 3 {
		t.Errorf("%s should be 三年三优: %+v", f.ThreeYears, three)
	}
	props, err := st.Proposals(ctx, town.ID, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) == 0 || props[0].Decision != "pending" {
		t.Errorf("2024 proposals: %+v", props)
	}
	if _, again, err := demo.LoadScoring(ctx, st); err != nil {
		t.Fatal(err)
	} else if again {
		t.Error("a second load must leave the history alone")
	}
	t.Logf("featured: %+v; 2024: %d standings, %d proposals", f, len(standings), len(props))
}
