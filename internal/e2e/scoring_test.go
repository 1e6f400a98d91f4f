package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
)

// TestScoringInBrowser walks the year-end assessment of the demo's three-year history:
// a scoresheet (with a bad entry refused beside its clause), the ranks with movement,
// the bands and the 后进 list, the appeals, the proposals with the two featured cadres,
// a committee decision, and the printed 表彰名单 — at desktop and phone widths.
func TestScoringInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	if _, err := demo.LoadRounds(bg, st); err != nil {
		t.Fatal(err)
	}
	f, _, err := demo.LoadScoring(bg, st)
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.ScoreSubjects(bg, town.ID, 2024)
	if err != nil {
		t.Fatal(err)
	}
	var xiaoxuan int64
	for _, s := range subs {
		if s.Name == "小漩村党支部" {
			xiaoxuan = s.ID
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "zzb")

	shots := []struct{ path, want, name string }{
		{"/scoring", "year-table", "60-scoring-years"},
		{"/scoring/2024", "year-title", "61-scoring-2024"},
		{fmt.Sprintf("/scoring/2024/sheets/%d", xiaoxuan), "sheet-form", "62-scoresheet"},
		{"/scoring/2024/ranks", "backward-list", "63-ranks-bands"},
		{"/scoring/2024/appeals", "appeal-table", "64-appeals"},
		{"/scoring/2024/proposals", "proposal-table", "65-proposals"},
	}
	for _, p := range shots {
		if err := chromedp.Do(ctx, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}

	// The proposals page names both featured cadres with their reasons.
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(tid("proposal-table")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, f.PayRise) || !strings.Contains(html, "次年工资上浮10%") || !strings.Contains(html, "两年两优") {
		t.Errorf("proposals lack %s's 两年两优 with the pay rise", f.PayRise)
	}
	left, err := chromedp.Run(ctx, chromedp.OuterHTML(tid("leftout-table")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(left, f.Reminder) || !strings.Contains(left, "2024-06-20 提醒谈话(2024 年中述职评议)") {
		t.Errorf("left-out list lacks %s's June reminder talk", f.Reminder)
	}

	// The committee approves the first proposal; the printed list shows it.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="proposal-row"] details.decide summary`)),
		chromedp.Click(chromedp.CSS(`[data-testid="proposal-row"] input[name=decision][value=approved]`)),
		ClickNav(chromedp.CSS(`[data-testid="proposal-row"] form button[type=submit]`), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, Visit(base+"/scoring/2024/proposals/print"), chromedp.WaitVisible(tid("roll-row"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "66-honour-roll"); err != nil {
		t.Fatal(err)
	}
	if n, err := PrintPDF(ctx, "66-honour-roll"); err != nil || n < 1 {
		t.Fatalf("print 表彰名单: %d pages, %v", n, err)
	}

	// A new year through the pages: start 2025, a bad score is refused beside its clause.
	err = chromedp.Do(ctx,
		Visit(base+"/scoring"),
		chromedp.SetValue(chromedp.CSS("#year"), "2025"),
		ClickNav(tid("start-submit"), tid("year-title")),
		ClickNav(chromedp.CSS(`[data-testid="group-village"] [data-testid="sheet-link"]`), tid("sheet-form")),
		chromedp.SetValue(chromedp.CSS(`[data-testid="clause-row"] input[name^="p_"]`), "9"),
		ClickNav(tid("save"), tid("sheet-errors")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "67-scoresheet-error"); err != nil {
		t.Fatal(err)
	}
	// Next year's template is editable; this year's is frozen.
	err = chromedp.Do(ctx,
		Visit(base+"/scoring/2025"),
		ClickNav(chromedp.CSS(`[data-testid="template-link"]`), tid("clause-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "6a-template-2025"); err != nil {
		t.Fatal(err)
	}

	// Phone width: the proposals and a scoresheet stay usable.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, want, name string }{
		{"/scoring/2024/proposals", "proposal-table", "68-proposals-phone"},
		{"/scoring/2024/ranks", "backward-list", "69-ranks-phone"},
	} {
		if err := chromedp.Do(ctx, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}
}
