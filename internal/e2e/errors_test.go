package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"pingyi/internal/demo"
)

// TestErrorPagesInBrowser drives the error paths with bad input and keeps a screenshot
// of each, so a person can see what the office and raters see when something is wrong.
func TestErrorPagesInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	_, rounds := demoRounds(t, st)

	shot := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Screenshot(ctx, name); err != nil {
			t.Fatal(err)
		}
	}

	// Sign-in: a wrong password, then the lock after five.
	for i := 0; i < 5; i++ {
		shot("40-login-wrong",
			Visit(base+"/login"),
			chromedp.SendKeys(chromedp.CSS("#username"), "lingdao"),
			chromedp.SendKeys(chromedp.CSS("#password"), "wrong-password"),
			ClickNav(tid("login-submit"), tid("login-error")))
	}
	shot("41-login-locked",
		Visit(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "lingdao"),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		ClickNav(tid("login-submit"), tid("login-error")))
	if msg, err := chromedp.Run(ctx, chromedp.Text(tid("login-error"))); err != nil {
		t.Fatal(err)
	} else if msg == "账号或密码不正确" {
		t.Fatalf("after five failures the account should be locked, got %q", msg)
	}

	signIn(t, ctx, base, "zzb")
	shot("42-not-found", Visit(base+"/people/999999/edit"), chromedp.WaitVisible(tid("error-page")))
	shot("43-person-invalid",
		Visit(base+"/people/new"),
		chromedp.SendKeys(chromedp.CSS("#phone"), "12345"),
		ClickNav(tid("save"), tid("error-name")))
	shot("44-user-invalid",
		Visit(base+"/users/new"),
		chromedp.SendKeys(chromedp.CSS("#username"), "A"),
		chromedp.SetValue(chromedp.CSS("#role"), "secretary"),
		ClickNav(tid("save"), tid("error-username")))
	shot("45-round-invalid",
		Visit(base+"/rounds/new"),
		chromedp.SetValue(chromedp.CSS(`input[name="w_peer"]`), "50"),
		ClickNav(tid("save"), tid("error-weights")))

	bad := filepath.Join(t.TempDir(), "bad.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "职务", "所在组织", "述职层次(1-4)", "村干部(是/否)", "电话"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A2", &[]any{"新干部", "干事", "不存在的单位", "2", "否", ""}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A3", &[]any{"", "干事", "乡政府", "9", "也许", "123"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(bad); err != nil {
		t.Fatal(err)
	}
	shot("46-import-errors",
		Visit(base+"/people/import"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		ClickNav(tid("import-submit"), tid("import-errors")))

	shot("47-results-print", Visit(base+fmt.Sprintf("/rounds/%d/results/print", rounds[1].ID)), chromedp.WaitVisible(tid("results-table")))
	shot("48-paper-closed",
		Visit(base+fmt.Sprintf("/rounds/%d/paper", rounds[1].ID)),
		chromedp.SendKeys(chromedp.CSS("#code"), "ABCDEFGHJK"),
		ClickNav(tid("paper-start"), tid("error-code")))

	phone := newTab(t)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(phone, Visit(base+"/v"), chromedp.WaitVisible(tid("code-entry"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(phone, "49-phone-code-entry"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(phone, chromedp.SendKeys(chromedp.CSS("#code"), "O0I1"), ClickNav(chromedp.CSS(`[data-testid="code-entry"] button`), chromedp.CSS(".field.invalid"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(phone, "50-phone-code-malformed"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, want, name string }{
		{"/v/ABCDEFGHJK", "code-entry", "51-phone-code-unknown"},
	} {
		if err := chromedp.Do(phone, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if err := Screenshot(phone, p.name); err != nil {
			t.Fatal(err)
		}
	}

	// A village secretary editing a URL gets a plain refusal.
	if err := chromedp.Do(ctx, Visit(base+"/"), ClickNav(tid("logout"), tid("login-form"))); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "xiaoxuan")
	shot("52-forbidden", Visit(base+"/people"), chromedp.WaitVisible(tid("error-page")))
}
