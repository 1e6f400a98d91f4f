package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// TestCountyTownships: `seed-demo -townships N` makes N−1 townships beside 小漩乡, each
// with its own villages, 100 raters and one account per role, and a second run changes
// nothing.
func TestCountyTownships(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	made, err := demo.LoadCounty(ctx, st, 4)
	if err != nil || len(made) != 3 {
		t.Fatalf("county: %v %v", made, err)
	}
	villageOwner := map[string]string{}
	for _, ct := range made {
		town, err := st.TownshipByName(ctx, ct.Name)
		if err != nil || town.County != demo.County {
			t.Fatalf("%s: %+v %v", ct.Name, town, err)
		}
		c, err := st.Counts(ctx, town.ID)
		if err != nil || c.Villages != 6 || c.Raters != demo.CountyRaters || c.People < 30 {
			t.Fatalf("%s roster %+v %v", ct.Name, c, err)
		}
		vs, err := st.Villages(ctx, town.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if other, ok := villageOwner[v.Name]; ok {
				t.Errorf("village %s in both %s and %s", v.Name, other, ct.Name)
			}
			villageOwner[v.Name] = ct.Name
		}
		for _, suffix := range []string{".zzb", ".lingdao", ".shuji"} {
			u, err := st.UserByUsername(ctx, ct.Slug+suffix)
			if err != nil || u.TownshipID != town.ID {
				t.Fatalf("account %s: %+v %v", ct.Slug+suffix, u, err)
			}
			if u.Role == store.RoleSecretary && u.VillageID == nil {
				t.Fatalf("%s has no village", u.Username)
			}
		}
	}
	checkCountyYear(t, st, made)
	if again, err := demo.LoadCounty(ctx, st, 4); err != nil || len(again) != 0 {
		t.Fatalf("second run made %v (%v)", again, err)
	}
	for _, ct := range made {
		town, _ := st.TownshipByName(ctx, ct.Name)
		if rounds, err := st.Rounds(ctx, town.ID); err != nil || len(rounds) != 1 {
			t.Fatalf("%s after a second run: %d rounds (%v)", ct.Name, len(rounds), err)
		}
	}
	if _, err := demo.LoadCounty(ctx, st, demo.MaxTownships+1); err == nil {
		t.Fatal("a county larger than the list must be refused")
	}
	// The county's own account, once.
	if made, err := demo.LoadCountyAccount(ctx, st); err != nil || !made {
		t.Fatalf("county account: %v %v", made, err)
	}
	u, err := st.UserByUsername(ctx, demo.CountyAccount.Username)
	if err != nil || u.Role != store.RoleCounty || u.County != demo.County || u.DisplayName != demo.CountyAccount.Name {
		t.Fatalf("county account: %+v %v", u, err)
	}
	if made, err := demo.LoadCountyAccount(ctx, st); err != nil || made {
		t.Fatalf("a second county account: %v %v", made, err)
	}
}

// checkCountyYear: each township made has one round, its 2025 year-end round, voted by most
// (not all) of its raters, counted and published with a result for every subject; and the
// townships' years differ — turnout, average satisfaction, outcomes — as the county's page
// compares them.
func checkCountyYear(t *testing.T, st *store.Store, made []demo.CountyTownship) {
	t.Helper()
	ctx := context.Background()
	var towns []store.Township
	for _, ct := range made {
		town, err := st.TownshipByName(ctx, ct.Name)
		if err != nil {
			t.Fatal(err)
		}
		towns = append(towns, town)
		rounds, err := st.Rounds(ctx, town.ID)
		if err != nil || len(rounds) != 1 {
			t.Fatalf("%s: %d rounds (%v)", ct.Name, len(rounds), err)
		}
		r := rounds[0]
		if r.Status != store.StatusPublished || r.Year != demo.CountyYear || r.Kind != "year_end" {
			t.Fatalf("%s: round %+v", ct.Name, r)
		}
		subs, err := st.RoundSubjects(ctx, town.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		results, err := st.Results(ctx, town.ID, r.ID)
		if err != nil || len(results) != len(subs) || len(subs) < 50 {
			t.Fatalf("%s: %d results for %d subjects (%v)", ct.Name, len(results), len(subs), err)
		}
		for _, res := range results {
			if res.Satisfaction == nil {
				t.Fatalf("%s: %s has no result", ct.Name, res.Name)
			}
		}
	}
	rows, err := st.CountyComparison(ctx, towns, demo.CountyYear, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, row := range rows {
		name := row.Township.Name
		if p := row.TurnoutPct(); p < 78 || p > 99 || row.Cast == row.Issued {
			t.Errorf("%s: turnout %d%% (%d of %d)", name, p, row.Cast, row.Issued)
		}
		if row.Published != 1 || row.Subjects == 0 || row.AverageSatisfaction == "" {
			t.Errorf("%s: %+v", name, row)
		}
		key := fmt.Sprintf("%s %v", row.AverageSatisfaction, row.Outcomes)
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s had the same year: %s", name, other, key)
		}
		seen[key] = name
	}
	// 白沙乡 draws one reminder, held on time; 青山镇 and 石门乡 pass everyone.
	for _, row := range rows {
		switch {
		case row.Township.Name == "白沙乡":
			if row.Outcomes[rules.Reminder] != 1 || row.TalksOnTime != 1 || row.TalksLate != 0 {
				t.Errorf("白沙乡: %+v", row)
			}
		case row.Outcomes[rules.Pass] != row.Subjects:
			t.Errorf("%s: %v", row.Township.Name, row.Outcomes)
		}
	}
}
