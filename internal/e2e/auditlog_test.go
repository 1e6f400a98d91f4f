package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/store"
)

// TestAuditLogInBrowser edits the demo's 2025 draft, reads the 2024 results, and opens the
// draft's 操作记录 from its round page: the log filtered to that one round, on a desktop
// and on a phone.
func TestAuditLogInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	_, rounds := demoRounds(t, st)
	var draft, published store.Round
	for _, r := range rounds {
		switch {
		case r.Status == store.StatusDraft && draft.ID == 0:
			draft = r
		case r.PublishedAt != nil && published.ID == 0:
			published = r
		}
	}
	if draft.ID == 0 || published.ID == 0 {
		t.Fatalf("the demo has no draft or no published round: %+v", rounds)
	}
	signIn(t, ctx, base, "zzb")
	steps := []chromedp.Action[chromedp.Void]{
		Visit(fmt.Sprintf("%s/rounds/%d/edit", base, draft.ID)),
		chromedp.SetValue(chromedp.CSS("#title"), "2025 年度述职评议(全体)"),
		ClickNav(tid("save"), tid("round-audit-link")),
		Visit(fmt.Sprintf("%s/rounds/%d/results", base, published.ID)),
		Visit(fmt.Sprintf("%s/rounds/%d", base, draft.ID)),
		ClickNav(tid("round-audit-link"), tid("audit-table")),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="audit-row"]')].map(r => r.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !strings.Contains(rows[0], "修改评议设置:2025 年度述职评议(全体)") || !strings.Contains(rows[0], "名称") {
		t.Fatalf("the draft's log should hold its one edit, with the new title; rows %q", rows)
	}
	if err := Screenshot(ctx, "60-audit-round"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "61-audit-round-phone"); err != nil {
		t.Fatal(err)
	}
	// Dates typed by hand that are not dates: said next to each field, the log still shown.
	if err := chromedp.Do(ctx, Visit(base+"/audit?from=2026-13-40&to="+url.QueryEscape("昨天")),
		chromedp.WaitVisible(tid("error-from")), chromedp.WaitVisible(tid("error-to")), chromedp.WaitVisible(tid("audit-table"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "62-audit-bad-dates-phone"); err != nil {
		t.Fatal(err)
	}
}
