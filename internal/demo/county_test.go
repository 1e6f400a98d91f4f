package demo_test

import (
	"context"
	"testing"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
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
	if again, err := demo.LoadCounty(ctx, st, 4); err != nil || len(again) != 0 {
		t.Fatalf("second run made %v (%v)", again, err)
	}
	if _, err := demo.LoadCounty(ctx, st, demo.MaxTownships+1); err == nil {
		t.Fatal("a county larger than the list must be refused")
	}
}
