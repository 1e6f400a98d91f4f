package e2e

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// noSidewaysScroll fails the test when the page is wider than the phone's screen.
func noSidewaysScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > 0 {
		t.Errorf("%s scrolls sideways by %d px on a phone", what, w)
	}
}

// TestMethodInBrowser opens the 评议办法 page in each of its forms, where people reach
// it: signed out at /method, from a published round's 公示 page, from the phone ballot
// (the rater's own round and group) and back to the ballot, and from the round page as
// the office; every page is audited (axe, HTML checker) and photographed at the size
// it is read on.
func TestMethodInBrowser(t *testing.T) {
	base, st := startAppStore(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	code := ballotRound(t, st, 5, store.CriteriaOff)
	ci, err := st.Code(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(ctx, ci.TownshipID)
	if err != nil {
		t.Fatal(err)
	}
	slug := ""
	for _, r := range rounds {
		if r.Status == store.StatusPublished && r.PublicSlug != nil && slug == "" {
			slug = *r.PublicSlug
		}
	}
	if slug == "" {
		t.Fatal("the demo has no published round")
	}

	desktop := desktopTab(t)
	do(t, desktop, "default method", Visit(base+"/method"), chromedp.WaitVisible(tid("method-example")))
	shot(t, desktop, "60-method-default-desktop")

	phone := phoneTab(t)
	do(t, phone, "default method on a phone", Visit(base+"/method"), chromedp.WaitVisible(tid("method-groups")))
	noSidewaysScroll(t, phone, "/method")
	shot(t, phone, "61-method-default-phone")

	// From the 公示 page to its round's method and back.
	do(t, phone, "公示 → 评议办法", Visit(base+"/p/"+slug), ClickNav(tid("method-link"), tid("method-round")))
	noSidewaysScroll(t, phone, "a published round's method")
	shot(t, phone, "62-method-published-phone")
	do(t, phone, "back to 公示", ClickNav(tid("method-back"), tid("public-results")))

	// A rater: the ballot links to the method of its own round (a new tab keeps the
	// choices made so far); the page names the rater's group and leads back.
	do(t, phone, "scan a slip", Visit(base+"/v/"+code), chromedp.WaitVisible(tid("ballot-form")))
	target, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.querySelector('[data-testid="method-link"]').target`))
	if err != nil || target != "_blank" {
		t.Fatalf("the ballot's method link opens in %q (%v), want a new tab", target, err)
	}
	do(t, phone, "the rater's method", Visit(base+"/v/method"), chromedp.WaitVisible(tid("method-rater")))
	rater, err := chromedp.Run(phone, chromedp.Text(tid("method-rater")))
	if err != nil || rater != "您的测评码属于「群众代表」,计入「公众评议」组(权重 60%)。" {
		t.Errorf("rater note %q (%v)", rater, err)
	}
	noSidewaysScroll(t, phone, "/v/method")
	shot(t, phone, "63-method-rater-phone")
	do(t, phone, "back to the ballot", ClickNav(tid("method-back"), tid("ballot-form")))
	shot(t, phone, "63a-method-link-on-the-ballot-phone")
	// Cast, and from the receipt (same tab) the page still knows the round.
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelectorAll('.opts input[value="2"]').forEach(r => r.click()), true`)); err != nil {
		t.Fatal(err)
	}
	do(t, phone, "vote", ClickNav(tid("ballot-next"), tid("confirm-form")),
		ClickNav(tid("ballot-cast"), tid("receipt")))
	shot(t, phone, "63b-method-link-on-the-receipt-phone")
	do(t, phone, "receipt → 评议办法", ClickNav(tid("method-link"), tid("method-rater")))

	// The office, from the round page.
	signIn(t, desktop, base, "zzb")
	do(t, desktop, "the round page", Visit(base+"/rounds/"+strconv.FormatInt(ci.RoundID, 10)), chromedp.WaitVisible(tid("method-link")))
	shot(t, desktop, "64a-method-button-on-the-round-page-desktop")
	do(t, desktop, "round → 评议办法", ClickNav(tid("method-link"), tid("method-round")))
	shot(t, desktop, "64-method-round-desktop")
}
