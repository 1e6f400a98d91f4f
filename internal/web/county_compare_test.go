package web_test

import (
	"context"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"

	"pingyi/internal/demo"
)

// TestCountyComparisonYearAndOrder: the county's comparison opens on the newest year with
// published results (the demo county's 2025, not an empty current year), a draft's
// unused codes are no turnout, and the rows sort by a column, best first, exactly; an
// unknown order keeps the names' order.
func TestCountyComparisonYearAndOrder(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, a.store); err != nil { // 2024 published, a 2025 draft with codes
		t.Fatal(err)
	}
	if _, err := demo.LoadCounty(ctx, a.store, 3); err != nil { // 青山镇 and 白沙乡, 2025 published
		t.Fatal(err)
	}
	if _, err := demo.LoadCountyAccount(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login(demo.CountyAccount.Username)

	p := c.get("/county")
	if p.status != http.StatusOK || !strings.Contains(p.body, "2025 年") || len(p.find("county-row")) != 3 {
		t.Fatalf("/county: %d, %d rows: %s", p.status, len(p.find("county-row")), textOf(p, "county-table"))
	}
	names := texts(p, "county-open")
	if !slices.Equal(names, []string{"白沙乡", "青山镇", "小漩乡"}) {
		t.Fatalf("pinyin order: %v", names)
	}
	// 小漩乡's 2025 round is a draft: its printed codes are no turnout yet, and it has no results.
	for _, row := range p.find("county-row") {
		if cells := text(row); strings.HasPrefix(cells, "小漩乡") && (strings.Contains(cells, "0%") || !strings.Contains(cells, "—")) {
			t.Errorf("小漩乡's draft year: %q", cells)
		}
	}

	p = c.get("/county?sort=satisfaction")
	sats := texts(p, "county-satisfaction")
	if len(sats) != 3 || sats[2] != "—" {
		t.Fatalf("by satisfaction, the township without results last: %v", sats)
	}
	x, _ := new(big.Rat).SetString(strings.TrimSuffix(sats[0], "%"))
	y, _ := new(big.Rat).SetString(strings.TrimSuffix(sats[1], "%"))
	if x == nil || y == nil || x.Cmp(y) < 0 || !strings.Contains(p.body, `aria-sort="descending"`) {
		t.Fatalf("by satisfaction, highest first: %v", sats)
	}
	if p := c.get("/county?sort=id;drop"); p.status != http.StatusOK || !slices.Equal(texts(p, "county-open"), names) || strings.Contains(p.body, `aria-sort="descending"`) {
		t.Fatalf("an unknown order: %d %v", p.status, texts(p, "county-open"))
	}
	// Another year is still there to choose, and keeps the order asked for.
	p = c.get("/county?year=2024&sort=turnout")
	if p.status != http.StatusOK || !strings.Contains(p.body, "2024 年") || texts(p, "county-open")[0] != "小漩乡" {
		t.Fatalf("2024 by turnout: %d %v", p.status, texts(p, "county-open"))
	}
}
