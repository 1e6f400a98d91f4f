package demo_test

import (
	"context"
	"testing"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// TestDemoTalks: the demo shows a subject admonished in two consecutive rounds with its
// document issued, and a rectification item overdue (the home page lists it).
func TestDemoTalks(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	if loaded, err := demo.LoadTalks(ctx, st); err != nil || !loaded {
		t.Fatalf("talks: %v %v", loaded, err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	today := store.Today()
	docs, err := st.Documents(ctx, town.ID, store.ConsequenceFilter{})
	if err != nil || len(docs) != 1 || !docs[0].Issued() {
		t.Fatalf("documents %+v %v, want one issued", docs, err)
	}
	if want := "小漩组〔" + itoa(today.AddDate(0, 0, -26).Year()) + "〕1号"; docs[0].Number() != want {
		t.Fatalf("文号 %q, want %q", docs[0].Number(), want)
	}
	kind, id := "p", docs[0].PersonID
	if id == nil {
		kind, id = "o", docs[0].OrganisationID
	}
	rounds, err := st.DossierRounds(ctx, town.ID, kind, *id)
	if err != nil || len(rounds) != 2 || rounds[0].Outcome != "admonishment" || rounds[1].Outcome != "admonishment" || rounds[1].Consecutive != 2 {
		t.Fatalf("twice admonished: %+v %v", rounds, err)
	}
	overdue, err := st.Rectifications(ctx, town.ID, today, store.RectificationFilter{OverdueOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(overdue) != 1 {
		t.Fatalf("overdue items %d, want 1", len(overdue))
	}
	due, err := st.Periods(ctx, town.ID, today, store.ConsequenceFilter{DueOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(due) == 0 {
		t.Fatal("a 诫勉 follow-up should be due")
	}
	if late, err := st.TalkList(ctx, town.ID, today, store.TalkFilter{Status: "overdue"}); err != nil {
		t.Fatal(err)
	} else if len(late) == 0 {
		t.Fatal("the mid-year talks should be past the deadline")
	}
	if again, err := demo.LoadTalks(ctx, st); err != nil {
		t.Fatal(err)
	} else if again {
		t.Fatal("a second load must leave the talks alone")
	}
}

func itoa(n int) string {
	return string(rune('0'+n/1000)) + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
