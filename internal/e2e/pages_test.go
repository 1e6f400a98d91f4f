package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// crawl visits, as the signed-in user, every page reachable by links from start (two
// pages of each shape at most: /people/15/edit stands for every person's form; two, so
// a draft round and a published one are both seen), auditing each, and returns the
// paths visited.
func crawl(t *testing.T, ctx context.Context, base string, start ...string) []string {
	t.Helper()
	skip := regexp.MustCompile(`\.(xlsx|jsonl)(\?|$)|/file$|/file/|^/logout|^/static/`)
	shape := regexp.MustCompile(`\d+`)
	seen := map[string]bool{}
	perShape := map[string]int{}
	queue := append([]string{}, start...)
	var visited []string
	for len(queue) > 0 && len(visited) < 80 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] || skip.MatchString(p) {
			continue
		}
		seen[p] = true
		sh := shape.ReplaceAllString(p, "N")
		if perShape[sh] >= 2 {
			continue
		}
		perShape[sh]++
		if err := chromedp.Do(ctx, Visit(base+p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		visited = append(visited, p)
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				continue
			}
			next := u.Path
			if u.RawQuery != "" {
				next += "?" + u.RawQuery
			}
			if !seen[next] {
				queue = append(queue, next)
			}
		}
	}
	return visited
}

// TestEveryPageAccessible crawls the demo township as each role on a desktop screen, so
// the accessibility and HTML checks cover every page a user can reach by links, not
// only those on the tested flows.
func TestEveryPageAccessible(t *testing.T) {
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
	base, st := startAppStore(t)
	if _, err := demo.LoadRounds(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"zzb", "lingdao", "xiaoxuan"} {
		signIn(t, ctx, base, user)
		visited := crawl(t, ctx, base, "/", "/account/password")
		if len(visited) < 3 {
			t.Fatalf("%s: only %v", user, visited)
		}
		t.Logf("%s: %d pages: %s", user, len(visited), strings.Join(visited, " "))
		if err := chromedp.Do(ctx, Visit(base+"/")); err != nil {
			t.Fatal(err)
		}
		if err := Screenshot(ctx, "90-home-"+user); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, ClickNav(tid("logout"), tid("login-form"))); err != nil {
			t.Fatal(err)
		}
	}
	// The public pages, signed out.
	if err := chromedp.Do(ctx, Visit(base+"/v"), Visit(base+"/login")); err != nil {
		t.Fatal(err)
	}
}

// TestOfficePagesOnAPhone opens the office's and a leader's pages at 390 px: the menu
// folds behind 菜单 and opens, no page scrolls sideways as a whole (wide tables scroll in
// their own region, with a hint), and the screenshots are kept.
func TestOfficePagesOnAPhone(t *testing.T) {
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	base, st := startAppStore(t)
	_, rounds := demoRounds(t, st)
	var published, draft int64
	for _, r := range rounds {
		switch r.Status {
		case store.StatusPublished:
			published = r.ID
		case store.StatusDraft:
			draft = r.ID
		}
	}
	signIn(t, ctx, base, "zzb")

	// The menu: folded, then open, then a link in it.
	shown := func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById("site-nav")).display !== "none"`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if shown() {
		t.Fatal("on a phone the navigation should start folded")
	}
	if err := Screenshot(ctx, "60-phone-home"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(tid("menu-toggle"))); err != nil {
		t.Fatal(err)
	}
	if !shown() {
		t.Fatal("菜单 should open the navigation")
	}
	if exp, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("menu-toggle").getAttribute("aria-expanded")`)); err != nil {
		t.Fatal(err)
	} else if exp != "true" {
		t.Fatalf("aria-expanded %q", exp)
	}
	if err := Screenshot(ctx, "61-phone-menu-open"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("nav-people"), tid("person-table"))); err != nil {
		t.Fatal(err)
	}

	pages := []struct{ path, want, name string }{
		{"/", "counts", "62-phone-office-home"},
		{"/rounds", "round-table", "63-phone-rounds"},
		{fmt.Sprintf("/rounds/%d", draft), "subject-table", "64-phone-round-draft"},
		{fmt.Sprintf("/rounds/%d", published), "turnout-table", "65-phone-round-published"},
		{fmt.Sprintf("/rounds/%d/results", published), "results-table", "66-phone-results"},
		{"/talks", "talk-table", "67-phone-talks"},
		{"/people", "person-table", "68-phone-people"},
		{"/raters", "rater-table", "69-phone-raters"},
		{"/orgs", "org-table", "70-phone-orgs"},
		{"/whatif", "whatif-form", "71-phone-whatif"},
		{"/users", "user-table", "72-phone-users"},
		{"/account/password", "password-form", "73-phone-password"},
		{"/people/new", "person-form", "74-phone-person-form"},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		// The page as a whole must not scroll sideways: only table regions may.
		over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("%s is %d px wider than the phone's screen", p.path, over)
		}
		// Every wide table sits in a focusable, labelled region with its hint shown.
		bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table")].filter(tb => tb.offsetWidth > window.innerWidth).map(tb => {
			const w = tb.closest(".tablewrap");
			if (!w) return "no scroll region: " + (tb.dataset.testid || tb.className);
			if (w.getAttribute("role") !== "region" || !w.getAttribute("aria-label") || w.tabIndex !== 0) return "region not labelled/focusable: " + (tb.dataset.testid || "");
			if (getComputedStyle(w, "::before").display === "none") return "no scroll hint: " + (tb.dataset.testid || "");
			return "";
		}).filter(Boolean)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("%s: %v", p.path, bad)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}
	// Without script the menu simply shows in full, and there is no dead 菜单 button.
	noJS := newTab(t)
	scripts := func(disabled bool) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: disabled})
			return chromedp.Void{}, err
		}
	}
	// The page loads with its script off; the audit then runs (the page's own script,
	// which never ran, stays so).
	err := chromedp.Do(noJS,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		scripts(true), chromedp.Navigate(base+"/people"), chromedp.WaitVisible(tid("person-table")),
		scripts(false), Audit())
	if err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(noJS, chromedp.Evaluate[[]string](`[getComputedStyle(document.getElementById("site-nav")).display, getComputedStyle(document.getElementById("menu-toggle")).display]`))
	if err != nil {
		t.Fatal(err)
	}
	if state[0] == "none" || state[1] != "none" {
		t.Fatalf("without script: nav display %q, 菜单 display %q", state[0], state[1])
	}
	if err := Screenshot(noJS, "76-phone-no-script"); err != nil {
		t.Fatal(err)
	}

	// A leader's pages too.
	if err := chromedp.Do(ctx, Visit(base+"/"), chromedp.Click(tid("menu-toggle")), ClickNav(tid("logout"), tid("login-form"))); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "lingdao")
	if err := chromedp.Do(ctx, Visit(base+fmt.Sprintf("/rounds/%d/results?show=talk", published)), chromedp.WaitVisible(tid("results-glance"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "75-phone-leader-results-talks"); err != nil {
		t.Fatal(err)
	}
}

// TestResultsGlanceAndPrint keeps screenshots of the results summary with its chart,
// and checks the printed results use one font size throughout.
func TestResultsGlanceAndPrint(t *testing.T) {
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
	base, st := startAppStore(t)
	_, rounds := demoRounds(t, st)
	var published int64
	for _, r := range rounds {
		if r.Status == store.StatusPublished {
			published = r.ID
		}
	}
	signIn(t, ctx, base, "zzb")
	if err := chromedp.Do(ctx, Visit(base+fmt.Sprintf("/rounds/%d/results", published)), chromedp.WaitVisible(tid("results-chart"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "80-results-glance"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("filter-talk"), tid("results-chart"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "81-results-talks-only"); err != nil {
		t.Fatal(err)
	}
	// Printed: the browser's print media, every cell of the table in one size.
	err := chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d/results/print", published)),
		chromedp.WaitVisible(tid("results-table")),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return chromedp.Void{}, err
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("table.results th, table.results td, table.results td *, table.results th *")].filter(e => e.textContent.trim() !== "").map(e => getComputedStyle(e).fontSize))]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 1 {
		t.Fatalf("printed results use font sizes %v, want one", sizes)
	}
	if _, err := PrintPDF(ctx, "82-results-print"); err != nil {
		t.Fatal(err)
	}
}
