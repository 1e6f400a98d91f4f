package demo_test

import (
	"context"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// TestDemoPledges: after this year's commitments, the demo gets last year's with their
// mass evaluation (评诺), counted and published, once; its grades differ by village and
// show on the villages' public pages.
func TestDemoPledges(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 23, 9, 0, 0, 0, store.Beijing)
	if _, err := demo.LoadCommitments(ctx, st, today); err != nil {
		t.Fatal(err)
	}
	if loaded, err := demo.LoadPledges(ctx, st, today); err != nil || !loaded {
		t.Fatalf("load: %v %v", loaded, err)
	}
	if loaded, err := demo.LoadPledges(ctx, st, today); err != nil || loaded {
		t.Fatalf("a second load: %v %v, want nothing loaded", loaded, err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pledge *store.Round
	for i := range rounds {
		if rounds[i].IsPledge() {
			pledge = &rounds[i]
		}
	}
	if pledge == nil || pledge.Year != 2025 || pledge.Status != store.StatusPublished || pledge.Scope() != store.PledgeScopeWhole || pledge.Subjects != 7 {
		t.Fatalf("the demo's 评诺 round: %+v", pledge)
	}
	byYear, err := st.MassEvaluationsOf(ctx, town.ID, 2025, true)
	if err != nil {
		t.Fatal(err)
	}
	grades := map[rules.Outcome]int{}
	for _, ms := range byYear {
		if len(ms) != 1 || len(ms[0].Rows) != 1 {
			t.Fatalf("public results of a commitment: %+v", ms)
		}
		grades[ms[0].Rows[0].Outcome]++
	}
	if len(byYear) != 7 || grades[rules.Satisfied] != 5 || grades[rules.FairlySatisfied] != 1 || grades[rules.Unsatisfied] != 1 {
		t.Fatalf("grades over the 7 villages: %v", grades)
	}
	// This year's commitments are untouched: still one version each, not evaluated.
	this, err := st.MassEvaluationsOf(ctx, town.ID, 2026, false)
	if err != nil || len(this) != 0 {
		t.Fatalf("this year's commitments evaluated: %v %v", this, err)
	}
}
