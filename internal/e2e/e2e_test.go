package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

var (
	browserCtx context.Context
	browserErr error
)

func TestMain(m *testing.M) {
	ctx, cancel, err := Browser()
	browserCtx, browserErr = ctx, err
	code := pgtest.Run(m)
	if cancel != nil {
		cancel()
	}
	os.Exit(code)
}

// newTab opens a fresh tab (own cookies are shared per browser, so each test signs in).
func newTab(t *testing.T) context.Context {
	t.Helper()
	if browserErr != nil {
		pgtest.Fail(t, browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

// startApp serves the real handler over loopback with the demo township loaded.
func startApp(t *testing.T) string {
	t.Helper()
	base, _ := startAppStore(t)
	return base
}

func startAppStore(t *testing.T) (string, *store.Store) {
	t.Helper()
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.Load(func(string) string { return "" })
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	t.Cleanup(srv.Close)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL, st
}

func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		ClickNav(tid("login-submit"), tid("whoami")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

func TestRostersInBrowser(t *testing.T) {
	ctx := newTab(t)
	base := startApp(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(tid("login-form"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "01-login"); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "zzb")
	if err := Screenshot(ctx, "02-home"); err != nil {
		t.Fatal(err)
	}

	// Add a village: its branch and committee appear in the organisation list.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/villages/new"),
		chromedp.WaitVisible(tid("village-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "桃园村"),
		ClickNav(tid("save"), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	flash, _ := chromedp.Run(ctx, chromedp.Text(tid("flash")))
	if !strings.Contains(flash, "桃园村党支部") {
		t.Fatalf("flash %q should name the new branch", flash)
	}
	if err := Screenshot(ctx, "03-orgs-after-village"); err != nil {
		t.Fatal(err)
	}

	// Import raters from an .xlsx written in non-pinyin order.
	xlsx := filepath.Join(t.TempDir(), "raters.xlsx")
	names := []string{"张桂芳", "艾青松", "王德顺", "白玉兰", "陈小明"}
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "类别", "工作单位", "电话"})
	for i, n := range names {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &[]any{n, "群众代表", "桃园村", "1370000000" + string(rune('0'+i))})
	}
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/raters/import"),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{xlsx}),
		ClickNav(tid("import-submit"), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	flash, _ = chromedp.Run(ctx, chromedp.Text(tid("flash")))
	if !strings.Contains(flash, "已导入 5 名") {
		t.Fatalf("flash after import: %q", flash)
	}

	// Listed in pinyin order: 艾 白 陈 王 张.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/raters?q=%E6%A1%83%E5%9B%AD%E6%9D%91"), // 桃园村
		chromedp.WaitVisible(tid("rater-table")),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="rater-name"]')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"艾青松", "白玉兰", "陈小明", "王德顺", "张桂芳"}
	if !slices.Equal(got, want) {
		t.Fatalf("raters listed %v, want pinyin order %v", got, want)
	}
	if err := Screenshot(ctx, "04-raters-pinyin"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, name string }{
		{"/people", "05-people"}, {"/orgs", "06-orgs"}, {"/whatif", "07-whatif"}, {"/users", "08-users"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(tid("nav"))); err != nil {
			t.Fatal(err)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}
}
