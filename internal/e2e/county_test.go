package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
)

// TestCountyComparisonInBrowser signs in as the demo county's account (xian.zzb) on a
// county seeded as `pingyi seed-demo -townships N` seeds it and photographs /county, which
// opens on the demo's 2025 year, at desktop (1366) and phone (390) width: one row per
// township with its published results, and no sideways scrolling on the phone. N is 5 for
// speed; PINGYI_E2E_COUNTY_TOWNSHIPS=20 takes the screenshots of the whole demo county.
func TestCountyComparisonInBrowser(t *testing.T) {
	n := 5
	if v, err := strconv.Atoi(os.Getenv("PINGYI_E2E_COUNTY_TOWNSHIPS")); err == nil && v >= 2 && v <= demo.MaxTownships {
		n = v
	}
	base, st := startAppStore(t)
	ctx := context.Background()
	// As seed-demo loads it: 小漩乡 with its history, the others, the county's account.
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadTalks(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadCounty(ctx, st, n); err != nil {
		t.Fatal(err)
	}
	if made, err := demo.LoadCountyAccount(ctx, st); err != nil || !made {
		t.Fatalf("county account: %v %v", made, err)
	}

	for _, size := range []struct {
		name string
		tab  func(*testing.T) context.Context
	}{{"phone", phoneTab}, {"desktop", desktopTab}} {
		tab := size.tab(t)
		switchUser(t, tab, base, demo.CountyAccount.Username)
		do(t, tab, "county page", Visit(base+"/county"), chromedp.WaitVisible(tid("county-table")))
		rows, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="county-row"]').length`))
		if err != nil || rows != n {
			t.Fatalf("%s: %d township rows, want %d (%v)", size.name, rows, n, err)
		}
		heading, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("h1").textContent`))
		if err != nil || !strings.Contains(heading, strconv.Itoa(demo.CountyYear)) {
			t.Fatalf("%s: the page should open on %d, heading %q (%v)", size.name, demo.CountyYear, heading, err)
		}
		blank, err := chromedp.Run(tab, chromedp.Evaluate[int](`[...document.querySelectorAll('[data-testid="county-satisfaction"]')].filter(e => !e.textContent.includes("%")).length`))
		if err != nil || blank != 0 {
			t.Fatalf("%s: %d townships without an average satisfaction (%v)", size.name, blank, err)
		}
		if size.name == "phone" {
			noSidewaysScroll(t, tab, "the county comparison")
			// With mobile emulation the layout viewport grows to what overflows (innerWidth
			// grows with scrollWidth), which noSidewaysScroll cannot see: the page must
			// stay as wide as the phone.
			if w, err := chromedp.Run(tab, chromedp.Evaluate[int](`Math.max(innerWidth, document.documentElement.scrollWidth)`)); err != nil || w != 390 {
				t.Errorf("the county comparison is %d px wide on a 390 px phone (%v)", w, err)
			}
		}
		shot(t, tab, "county-comparison-"+size.name)
		if size.name != "desktop" {
			continue
		}
		// A township's name opens its pages, read-only; back on the comparison its row says so.
		do(t, tab, "open a township", ClickNav(chromedp.CSS(`[data-testid="county-row"]:nth-child(2) [data-testid="county-open"]`), tid("flash")))
		flash, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('[data-testid="flash"]').textContent`))
		if err != nil || !strings.Contains(flash, "只读") {
			t.Fatalf("after choosing a township: %q (%v)", flash, err)
		}
		do(t, tab, "back to the comparison", Visit(base+"/county"), chromedp.WaitVisible(tid("county-table")))
		chosen, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('tr.chosen [data-testid="county-open"]')?.textContent ?? ""`))
		if err != nil || !strings.Contains(flash, chosen) || chosen == "" {
			t.Fatalf("the township being looked at: %q, flash %q (%v)", chosen, flash, err)
		}
	}
}
