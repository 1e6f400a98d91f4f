package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// TestPledgeInBrowser: the office sets a 评诺 round up over 小漩村's published commitment,
// item by item; a rater votes on a phone, seeing what each item committed; five more
// ballots arrive; two scrutineers open the box; the office publishes; the village's
// public page on a phone shows the grades, and so do its staff page and the year's
// overview.
func TestPledgeInBrowser(t *testing.T) {
	ctx := desktopTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.Villages(bg, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	village := map[string]int64{}
	for _, v := range vs {
		village[v.Name] = v.ID
	}
	day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	xx := village["小漩村"]
	cid, err := demo.PublishCommitment(bg, st, town.ID, &xx, 2025, []demo.CommitmentSpec{
		{Category: "economy", Content: "集体土地入股新型材料砖厂,壮大村集体经济", Target: "村集体经济收入 7 万元以上", Deadline: day(12, 31), Percent: 100,
			Note: "全年分红 7.4 万元", Self: store.SelfFulfilled, SelfNote: "分红 7.4 万元,已入村集体账户"},
		{Category: "service", Content: "硬化通组道路", Target: "新修水泥路 3.5 公里,宽 4.5 米", Deadline: day(10, 31), Self: store.SelfPartly,
			SelfNote: "二组至五组尚余 0.6 公里,顺延至明年 4 月",
			Subs: []demo.CommitmentSpec{
				{Content: "一组至二组", Target: "1.2 公里", Deadline: day(6, 30), Percent: 100, Note: "验收合格"},
				{Content: "二组至五组", Target: "2.3 公里", Deadline: day(10, 31), Percent: 75, Note: "完成 1.7 公里"},
			}},
		{Category: "party", Content: "落实“三会一课”,发展党员", Target: "每月主题党日不少于 1 次,发展党员 2 名", Deadline: day(12, 31), Percent: 100,
			Note: "主题党日 12 次,发展党员 2 名", Self: store.SelfFulfilled},
	})
	if err != nil {
		t.Fatal(err)
	}
	hk := village["河口村"]
	if _, err := demo.PublishCommitment(bg, st, town.ID, &hk, 2025, []demo.CommitmentSpec{
		{Category: "economy", Content: "林场、石场规范经营", Target: "集体经济收入 15 万元以上", Deadline: day(12, 31)},
	}); err != nil {
		t.Fatal(err)
	}

	// The office sets the round up: 2025, item by item, 小漩村 only.
	signIn(t, ctx, base, "zzb")
	do(t, ctx, "new 评诺 form",
		Visit(base+"/rounds"),
		ClickNav(tid("pledge-new"), tid("round-form")),
		chromedp.WaitVisible(tid("pledge-commitments")),
	)
	year, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#pledge-year")))
	if err != nil || year != "2025" {
		t.Fatalf("the form's year %q (%v), want 2025: the latest with published commitments", year, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('[data-testid="pledge-option"]')].forEach(e => { if (e.parentElement.textContent.includes("河口村")) e.click() }); true`)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "fill the form",
		chromedp.Click(tid("scope-item")),
		chromedp.SetValue(chromedp.CSS("#scrutineers"), strings.Join(demo.Scrutineers, "\n")),
	)
	shot(t, ctx, "pingnuo-01-form")
	do(t, ctx, "create", ClickNav(tid("save"), tid("round-title")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	var roundID int64
	if _, err := fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &roundID); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="subject-row"]').length`))
	if err != nil || rows != 3 {
		t.Fatalf("round page: %d subjects (%v), want 小漩村's 3 items", rows, err)
	}
	do(t, ctx, "codes", ClickNav(tid("gen-群众代表"), tid("flash")))
	shot(t, ctx, "pingnuo-02-round")

	// Opening freezes the commitments and shows the key sheets once.
	do(t, ctx, "open",
		ClickNav(tid("open-round"), tid("confirm-pledges")),
		ClickNav(tid("confirm-submit"), tid("keysheet")),
	)
	shares, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="keysheet-groups"]')].map(ol => [...ol.querySelectorAll('code')].map(c => c.textContent).join(' '))`))
	if err != nil || len(shares) != 3 {
		t.Fatalf("shares on the key sheets: %v %v", shares, err)
	}
	do(t, ctx, "key sheets done", ClickNav(tid("keysheets-done"), tid("close-round")))
	slips, err := st.Slips(bg, town.ID, roundID, 0)
	if err != nil || len(slips) != 10 {
		t.Fatalf("slips %d %v", len(slips), err)
	}

	// A rater votes on a phone: each item with its target, deadline, sub-items and the
	// branch's own account of it.
	phone := phoneTab(t)
	do(t, phone, "ballot", Visit(base+"/v/"+slips[0].Code), chromedp.WaitVisible(tid("ballot-form")))
	owner, err := chromedp.Run(phone, chromedp.Text(tid("ballot-owner")))
	if err != nil || owner != "小漩村党支部 · 2025 年度承诺" {
		t.Fatalf("owner heading %q %v", owner, err)
	}
	pledges, err := chromedp.Run(phone, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="ballot-pledge"]')].map(e => e.textContent)`))
	if err != nil || len(pledges) != 3 || !strings.Contains(pledges[1], "新修水泥路 3.5 公里") || !strings.Contains(pledges[1], "二组至五组") ||
		!strings.Contains(pledges[1], "部分兑现") {
		t.Fatalf("what the ballot shows of the items: %q %v", pledges, err)
	}
	// 非常满意 for the first and third item, 基本满意 for the road.
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelectorAll('[data-testid="ballot-subject"]').forEach((f, i) => f.querySelector('input[value="' + (i == 1 ? 3 : 1) + '"]').click()); true`)); err != nil {
		t.Fatal(err)
	}
	shot(t, phone, "pingnuo-03-phone-ballot")
	do(t, phone, "confirm", ClickNav(tid("ballot-next"), tid("confirm-form")))
	shot(t, phone, "pingnuo-04-phone-confirm")
	do(t, phone, "cast", ClickNav(tid("ballot-cast"), tid("receipt")))
	receipt, err := chromedp.Run(phone, chromedp.Text(tid("receipt")))
	if err != nil {
		t.Fatal(err)
	}
	// Five more raters vote the same way (the group shows from five valid votes).
	subs, err := st.RoundSubjects(bg, town.ID, roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, slip := range slips[1:6] {
		ci, err := st.Code(bg, slip.Code)
		if err != nil {
			t.Fatal(err)
		}
		marks := make([]ballotbox.Mark, len(subs))
		for i, s := range subs {
			marks[i] = ballotbox.Mark{SubjectID: s.ID, Choice: map[bool]rules.Choice{true: rules.Basic, false: rules.Excellent}[i == 1]}
		}
		if _, err := voting.Cast(bg, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			t.Fatal(err)
		}
	}

	// The vote ends; two scrutineers open the box.
	do(t, ctx, "end and open the box",
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("close-round"), tid("confirm-items")),
		ClickNav(tid("confirm-submit"), tid("box-form")),
		chromedp.SendKeys(tid("share-input"), shares[0]),
		ClickNav(tid("share-submit"), tid("box-progress")),
		chromedp.SendKeys(tid("share-input"), shares[1]),
		ClickNav(tid("share-submit"), tid("results-table")),
	)
	outcomes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="result-outcome"]')].map(e => e.textContent)`))
	if err != nil || strings.Join(outcomes, ",") != "满意,不满意,满意" {
		t.Fatalf("grades %q %v", outcomes, err)
	}
	shot(t, ctx, "pingnuo-05-results")

	// 公示, then the public pages.
	do(t, ctx, "publish",
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("publish-round"), tid("confirm-items")),
		chromedp.SetValue(chromedp.CSS("#contact"), "乡党委组织办,电话 0719-6521234"),
		ClickNav(tid("confirm-submit"), tid("public-link")),
	)
	slug, err := st.Round(bg, town.ID, roundID)
	if err != nil {
		t.Fatal(err)
	}
	do(t, phone, "公示 page", Visit(base+"/p/"+*slug.PublicSlug), chromedp.WaitVisible(tid("public-results")))
	all, err := chromedp.Run(phone, chromedp.TextContent(tid("receipts")))
	if err != nil || !strings.Contains(all, strings.TrimSpace(receipt)) {
		t.Fatalf("the phone's receipt is not among the counted ones (%v)", err)
	}
	shot(t, phone, "pingnuo-06-phone-gongshi")
	do(t, phone, "the 评诺 method", ClickNav(tid("method-link"), tid("method-no-talks")))
	shot(t, phone, "pingnuo-10-phone-method")
	do(t, phone, "public commitment page", Visit(base+fmt.Sprintf("/gk/c/%d", cid)), chromedp.WaitVisible(tid("pub-mass-round")))
	mass, err := chromedp.Run(phone, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="pub-mass-row"]')].map(e => e.textContent.replace(/\s+/g, " ").trim())`))
	if err != nil || len(mass) != 3 || !strings.Contains(mass[1], "硬化通组道路") || !strings.Contains(mass[1], "不满意") || !strings.Contains(mass[0], "100.00%") {
		t.Fatalf("the public page's 评诺 results: %q %v", mass, err)
	}
	if _, err := chromedp.Run(phone, chromedp.ScrollIntoView(tid("pub-mass-round"))); err != nil {
		t.Fatal(err)
	}
	shot(t, phone, "pingnuo-07-phone-public")

	// The staff page and the year's overview.
	do(t, ctx, "staff page", Visit(base+fmt.Sprintf("/commitments/%d", cid)), chromedp.WaitVisible(tid("mass-table")))
	shot(t, ctx, "pingnuo-08-staff")
	do(t, ctx, "overview", Visit(base+"/commitments?year=2025"), chromedp.WaitVisible(tid("mass-summary")))
	summary, err := chromedp.Run(ctx, chromedp.Text(tid("mass-summary")))
	if err != nil || summary != "3 项:满意 2,不满意 1" {
		t.Fatalf("overview %q %v", summary, err)
	}
	shot(t, ctx, "pingnuo-09-overview")
}
