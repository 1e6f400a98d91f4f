package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// TestSeedDemoCounty: `seed-demo -townships 3` loads two more townships with their 2025
// year, makes the county's account xian.zzb and prints it and the time taken; a second
// run loads nothing.
func TestSeedDemoCounty(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": url})
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"pingyi", "seed-demo", "-townships", "3"}, e, nil, &out, &errb); code != 0 {
		t.Fatalf("seed-demo: %d %s", code, errb.String())
	}
	if s := out.String(); strings.Count(s, "2025 年度评议已公示") != 2 || !strings.Contains(s, "县级账号 xian.zzb") || !strings.Contains(s, "用时") {
		t.Fatalf("seed-demo said: %q", s)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByUsername(ctx, "xian.zzb")
	if err != nil || u.Role != store.RoleCounty || u.County != "示范县" || u.DisplayName != "示范县委组织部" {
		t.Fatalf("xian.zzb: %+v %v", u, err)
	}
	out.Reset()
	if code := Run(ctx, []string{"pingyi", "seed-demo", "-townships", "3"}, e, nil, &out, &errb); code != 0 {
		t.Fatalf("second seed-demo: %d %s", code, errb.String())
	}
	if strings.Contains(out.String(), "已载入") {
		t.Fatalf("a second run loaded again: %q", out.String())
	}
}
