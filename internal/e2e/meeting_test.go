package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// TestWholeMeeting: the office sets up a round with three scrutineers and opens it,
// printing their key sheets; a phone votes with two codes; the office ends the vote; two
// scrutineers open the box (a wrong share refused first) while the projector waits; the
// office publishes and the public page shows the results.
func TestWholeMeeting(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	signIn(t, ctx, base, "zzb")

	// Set up: level 1 only (the Party committee, the government and the leadership).
	err := chromedp.Do(ctx,
		Visit(base+"/rounds/new"),
		chromedp.WaitVisible(tid("round-form")),
		chromedp.SetValue(chromedp.CSS("#title"), "2025 年度述职评议"),
		chromedp.SetValue(chromedp.CSS("#year"), "2025"),
		chromedp.SetValue(chromedp.CSS("#scrutineers"), strings.Join(demo.Scrutineers, "\n")),
		chromedp.SetValue(chromedp.CSS("#key_threshold"), "2"),
		chromedp.Click(chromedp.CSS(`input[name=level][value="2"]`)),
		chromedp.Click(chromedp.CSS(`input[name=level][value="3"]`)),
		chromedp.Click(chromedp.CSS(`input[name=level][value="4"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "10-round-new"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("save"), tid("round-title"))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	var roundID int64
	if _, err := fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &roundID); err != nil {
		t.Fatal(err)
	}

	// Opening asks first; without reports it is refused with the reason.
	if err := chromedp.Do(ctx, ClickNav(tid("open-round"), tid("confirm-items")), ClickNav(tid("confirm-submit"), tid("open-problems"))); err != nil {
		t.Fatal(err)
	}
	// One report through the form, the rest straight into the store.
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("report-link"), tid("report-form")),
		chromedp.SetValue(chromedp.CSS("#text"), "一年来,乡党委坚持服务电站建设大局,完成征地拆迁任务,村级集体经济稳步增长。"),
		ClickNav(tid("save"), tid("round-title")),
	)
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(context.Background(), demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.RoundSubjects(context.Background(), town.ID, roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if !s.Reported() {
			if err := st.SaveReport(context.Background(), town.ID, s.ID, store.ReportInput{Text: s.Name + "同志述职:认真履行岗位职责,完成年度目标任务。"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Codes for the public and the Party committee; print the slips.
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("gen-群众代表"), tid("flash")),
		ClickNav(tid("gen-党委委员"), tid("flash")),
		ClickNav(tid("slips-群众代表"), tid("slips")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "11-slips"); err != nil {
		t.Fatal(err)
	}
	// Printed on A4: 8 slips a page, so 10 slips take 2 pages.
	if pages, err := PrintPDF(ctx, "11-slips"); err != nil || pages != 2 {
		t.Fatalf("slips PDF: %d pages, %v; want 2", pages, err)
	}
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="slip-code"]')].map(e => e.textContent)`))
	if err != nil || len(codes) != 10 {
		t.Fatalf("slip codes %v %v", codes, err)
	}
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("open-round"), tid("confirm-items")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "12-open-confirm"); err != nil {
		t.Fatal(err)
	}
	// Opening shows the key sheets, once: one A4 page per scrutineer.
	if err := chromedp.Do(ctx, ClickNav(tid("confirm-submit"), tid("keysheet"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "12-key-sheets"); err != nil {
		t.Fatal(err)
	}
	if pages, err := PrintPDF(ctx, "12-key-sheets"); err != nil || pages != 3 {
		t.Fatalf("key sheets PDF: %d pages, %v; want 3", pages, err)
	}
	shares, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="keysheet-groups"]')].map(ol => [...ol.querySelectorAll('code')].map(c => c.textContent).join(' '))`))
	if err != nil || len(shares) != 3 {
		t.Fatalf("shares on the key sheets: %v %v", shares, err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("keysheets-done"), tid("close-round"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "12-round-open"); err != nil {
		t.Fatal(err)
	}

	// A phone votes with two codes.
	phone := newTab(t)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	var receipts []string
	for i, code := range codes[:2] {
		pick := []string{"1", "4"}[i]
		err := chromedp.Do(phone,
			Visit(base+"/v/"+code),
			chromedp.WaitVisible(tid("ballot-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// Submitting with nothing chosen is stopped by the browser (required), so post
			// half a ballot on purpose to see the server's own check.
			if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelectorAll('input[type=radio]').forEach(e => e.required = false); true`)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(phone, ClickNav(tid("ballot-next"), tid("ballot-missing"))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelectorAll('input[type=radio][value="`+pick+`"]').forEach(e => e.click()); true`)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := Screenshot(phone, "13-phone-ballot"); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(phone, ClickNav(tid("ballot-next"), tid("confirm-form"))); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := Screenshot(phone, "14-phone-confirm"); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(phone, ClickNav(tid("ballot-cast"), tid("receipt"))); err != nil {
			t.Fatal(err)
		}
		rc, err := chromedp.Run(phone, chromedp.Text(tid("receipt")))
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, strings.TrimSpace(rc))
		if i == 0 {
			if err := Screenshot(phone, "15-phone-receipt"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The spent code gets a clear page.
	if err := chromedp.Do(phone, Visit(base+"/v/"+codes[0]), chromedp.WaitVisible(tid("notice-title"))); err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(phone, chromedp.Text(tid("notice-title"))); err != nil {
		t.Fatal(err)
	} else if title != "测评码已使用" {
		t.Fatalf("spent code page: %q", title)
	}

	// The projector shows turnout only.
	if err := chromedp.Do(ctx, Visit(base+fmt.Sprintf("/rounds/%d/screen", roundID)), chromedp.WaitVisible(tid("screen-total"))); err != nil {
		t.Fatal(err)
	}
	total, err := chromedp.Run(ctx, chromedp.Text(tid("screen-total")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.TrimSpace(total), "2") {
		t.Fatalf("projector total %q, want 2 cast", total)
	}
	if err := Screenshot(ctx, "16-projector"); err != nil {
		t.Fatal(err)
	}

	// End the vote (asking first), then open the box.
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("close-round"), tid("confirm-items")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "16-end-confirm"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("confirm-submit"), tid("box-form"))); err != nil {
		t.Fatal(err)
	}
	// A mistyped share is refused with the reason; the first scrutineer's then counts.
	typo := "0" + shares[0][1:]
	if typo == shares[0] {
		typo = "1" + shares[0][1:]
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(tid("share-input"), typo),
		ClickNav(tid("share-submit"), tid("error-share")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := chromedp.Run(ctx, chromedp.Text(tid("error-share"))); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(msg, "密钥输入有误") {
		t.Fatalf("typo message %q", msg)
	}
	if err := Screenshot(ctx, "17-box-wrong-share"); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="share-input"]').value = "", true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(tid("share-input"), shares[0]),
		ClickNav(tid("share-submit"), tid("box-progress")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := chromedp.Run(ctx, chromedp.Text(tid("box-progress"))); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(p, "1 / 2") {
		t.Fatalf("box progress %q", p)
	}
	if err := Screenshot(ctx, "17-box-opening"); err != nil {
		t.Fatal(err)
	}
	// The projector, in another tab of the office's browser, waits for the second scrutineer.
	screen := newTab(t)
	if err := chromedp.Do(screen, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(screen, Visit(base+fmt.Sprintf("/rounds/%d/screen", roundID)), chromedp.WaitVisible(tid("screen-status"))); err != nil {
		t.Fatal(err)
	}
	if st, err := chromedp.Run(screen, chromedp.Text(tid("screen-status"))); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(st, "等待监票人开箱(1/2)") {
		t.Fatalf("projector while waiting: %q", st)
	}
	if err := Screenshot(screen, "17-projector-waiting"); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(tid("share-input"), shares[2]),
		ClickNav(tid("share-submit"), tid("results-table")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "17-results"); err != nil {
		t.Fatal(err)
	}
	// Publish, asking first for the period and the contact.
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/rounds/%d", roundID)),
		ClickNav(tid("publish-round"), tid("confirm-items")),
		chromedp.SetValue(chromedp.CSS("#contact"), "乡党委组织办,电话 0719-6521234"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "18-publish-confirm"); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		ClickNav(tid("confirm-submit"), tid("public-link")),
		ClickNav(tid("public-link"), tid("public-results")),
	)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="public-s"]')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(subs) {
		t.Fatalf("public rows %d, want %d", len(rows), len(subs))
	}
	for _, s := range rows {
		if s != "50.00%" {
			t.Fatalf("public satisfaction %q, want 50.00%% (one 优秀, one 不称职)", s)
		}
	}
	all, err := chromedp.Run(ctx, chromedp.TextContent(tid("receipts")))
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range receipts {
		if !strings.Contains(all, rc) {
			t.Fatalf("receipt %s not among the counted ones", rc)
		}
	}
	if err := Screenshot(ctx, "18-public"); err != nil {
		t.Fatal(err)
	}
	// Every subject got 诫勉谈话: a talk task each, with an organisation's responsible person.
	if err := chromedp.Do(ctx, Visit(base+"/talks"), chromedp.WaitVisible(tid("talk-table"))); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="talk-row"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(subs) {
		t.Fatalf("talk tasks %d, want %d", n, len(subs))
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`form.talkform input[name=held_by]`), "陈建国"),
		chromedp.SendKeys(chromedp.CSS(`form.talkform input[name=note]`), "已当面谈话,本人表示认真整改"),
		ClickNav(chromedp.CSS(`form.talkform button`), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "19-talks"); err != nil {
		t.Fatal(err)
	}
}
