package demo_test

import (
	"context"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
)

// TestDemoCommitments loads the demo's commitments as if on three days of the year (its
// dates follow the day) and checks what the issue asks the demo to show.
func TestDemoCommitments(t *testing.T) {
	for _, day := range []string{"2026-11-23", "2026-05-12", "2027-01-08"} {
		t.Run(day, func(t *testing.T) {
			ctx := context.Background()
			st := pgtest.Store(t)
			if _, err := demo.Load(ctx, st); err != nil {
				t.Fatal(err)
			}
			today, err := time.Parse("2006-01-02", day)
			if err != nil {
				t.Fatal(err)
			}
			if loaded, err := demo.LoadCommitments(ctx, st, today); err != nil || !loaded {
				t.Fatalf("load: %v %v", loaded, err)
			}
			town, err := st.TownshipByName(ctx, demo.Township)
			if err != nil {
				t.Fatal(err)
			}
			year := today.AddDate(0, 0, -45).Year()
			boards, err := st.Boards(ctx, town.ID, year, true)
			if err != nil || len(boards) != 8 || !boards[0].Commitment.IsTownship() {
				t.Fatalf("public commitments: %d %v, want the township's and 7 villages'", len(boards), err)
			}
			for _, b := range boards {
				overdue := 0
				for _, st := range b.Assess(today) {
					if st.Status == rules.ItemOverdue {
						overdue++
					}
				}
				name := b.Commitment.Owner()
				if want := name == "小漩村党支部"; (overdue > 0) != want {
					t.Errorf("%s: %d items overdue on %s", name, overdue, day)
				}
				if b.Photos == 0 && !b.Commitment.IsTownship() && name != "柳树沟村党支部" {
					t.Errorf("%s has no photos", name)
				}
				events, err := st.CommitmentEvents(ctx, town.ID, b.Commitment.ID)
				if err != nil {
					t.Fatal(err)
				}
				returned := false
				for _, e := range events {
					returned = returned || e.Action == "returned"
					if e.At.After(today.Add(24 * time.Hour)) {
						t.Errorf("%s: history step %s on %v, after today", name, e.Action, e.At)
					}
				}
				if returned != (name == "河口村党支部") {
					t.Errorf("%s returned: %v", name, returned)
				}
				if (b.Version.Number == 2) != (name == "双河村党支部") {
					t.Errorf("%s public version %d", name, b.Version.Number)
				}
				for _, e := range b.Entries {
					if e.Day.After(today) {
						t.Errorf("%s: progress dated %v, after today", name, e.Day)
					}
				}
			}
			// A quarter's comments: every village in the last full quarter of the year.
			q := rules.Quarter(today)
			if today.Year() > year {
				q = 5
			}
			if q > 1 {
				gaps, err := st.CommentGaps(ctx, town.ID, year, q-1)
				if err != nil {
					t.Fatal(err)
				}
				if len(gaps) != 0 {
					t.Errorf("villages without a comment in quarter %d: %+v", q-1, gaps)
				}
			}
			if q <= 4 {
				gaps, err := st.CommentGaps(ctx, town.ID, year, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(gaps) != 3 {
					t.Errorf("this quarter %d villages still to comment on, want 3", len(gaps))
				}
			}
			rates, err := st.FulfilmentRates(ctx, town.ID, year, today)
			if err != nil || len(rates) != 7 {
				t.Fatalf("fulfilment rates %d %v", len(rates), err)
			}
			if again, err := demo.LoadCommitments(ctx, st, today); err != nil {
				t.Fatal(err)
			} else if again {
				t.Fatal("a second load must leave existing commitments alone")
			}
		})
	}
}
