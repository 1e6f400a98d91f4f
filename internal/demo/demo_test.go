package demo_test

import (
	"context"
	"testing"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDemoTownshipAndHistory(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if loaded, err := demo.Load(ctx, st); err != nil || !loaded {
		t.Fatalf("load: %v %v", loaded, err)
	}
	town, _ := st.TownshipByName(ctx, demo.Township)
	c, _ := st.Counts(ctx, town.ID)
	if c.Villages != 7 || c.Raters < 55 || c.People < 40 {
		t.Fatalf("demo roster %+v", c)
	}
	if loaded, err := demo.LoadRounds(ctx, st); err != nil || !loaded {
		t.Fatalf("rounds: %v %v", loaded, err)
	}
	rounds, _ := st.Rounds(ctx, town.ID)
	if len(rounds) != 2 || rounds[0].Status != store.StatusDraft || rounds[1].Status != store.StatusPublished {
		t.Fatalf("demo rounds %+v", rounds)
	}
	res, _ := st.Results(ctx, town.ID, rounds[1].ID)
	outcomes := map[string]int{}
	for _, r := range res {
		outcomes[r.Outcome]++
	}
	if outcomes["pass"] == 0 || outcomes["reminder"] == 0 || outcomes["admonishment"] == 0 {
		t.Fatalf("the 2024 demo round should show every outcome, got %v", outcomes)
	}
	// The 2025 draft waits for 小漩村's reports only.
	subs, _ := st.RoundSubjects(ctx, town.ID, rounds[0].ID)
	missing := 0
	for _, s := range subs {
		if !s.Reported() {
			missing++
		}
	}
	if missing != 4 {
		t.Fatalf("2025 draft: %d subjects without a report, want 小漩村's 4", missing)
	}
	if again, _ := demo.LoadRounds(ctx, st); again {
		t.Fatal("a second load must leave existing rounds alone")
	}
}
