package e2e

import (
	"context"
	"fmt"
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
	// Every page the tab loads must pass the accessibility check (Visit, ClickNav).
	ctx, audits, err := TrackAudits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pages := audits.Unaudited(); len(pages) > 0 {
			t.Errorf("pages loaded without the accessibility check (use Visit or ClickNav): %v", pages)
		}
	})
	tctx, tcancel := context.WithTimeout(ctx, 3*time.Minute) // a guard against a hang, not a measure
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
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	t.Cleanup(srv.Close)
	// Every HTML page served during the test goes through the HTML-validity check.
	rec := NewHTMLRecorder(t.TempDir())
	t.Cleanup(func() {
		problems, err := rec.Check()
		if err != nil {
			pgtest.Fail(t, err)
			return
		}
		for _, p := range problems {
			t.Errorf("HTML (vnu %s): %s", vnuVersion, p)
		}
	})
	ts := httptest.NewUnstartedServer(rec.Wrap(srv.Handler()))
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL, st
}

func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		Visit(base+"/login"),
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

	if err := chromedp.Do(ctx, Visit(base+"/login"), chromedp.WaitVisible(tid("login-form"))); err != nil {
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
		Visit(base+"/villages/new"),
		chromedp.WaitVisible(tid("village-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "桃园村"),
		ClickNav(tid("save"), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(tid("flash")))
	if err != nil {
		t.Fatal(err)
	}
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
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "类别", "工作单位", "电话"}); err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &[]any{n, "群众代表", "桃园村", "1370000000" + string(rune('0'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		Visit(base+"/raters/import"),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{xlsx}),
		ClickNav(tid("import-submit"), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	flash, err = chromedp.Run(ctx, chromedp.Text(tid("flash")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flash, "已导入 5 名") {
		t.Fatalf("flash after import: %q", flash)
	}

	// Listed in pinyin order: 艾 白 陈 王 张.
	err = chromedp.Do(ctx,
		Visit(base+"/raters?q=%E6%A1%83%E5%9B%AD%E6%9D%91"), // 桃园村
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
	// What-if: 30/70 with 7 of 9 and 20 of 21 satisfied is exactly 90%.
	err = chromedp.Do(ctx,
		Visit(base+"/whatif"),
		chromedp.WaitVisible(tid("whatif-form")),
		chromedp.SetValue(chromedp.CSS(`input[name=w_peer]`), "30"),
		chromedp.SetValue(chromedp.CSS(`input[name=w_public]`), "70"),
		chromedp.SetValue(chromedp.CSS(`input[name=name_0]`), "王德顺"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_0_peer_1]`), "7"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_0_peer_3]`), "2"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_0_public_1]`), "20"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_0_public_3]`), "1"),
		chromedp.SetValue(chromedp.CSS(`input[name=name_1]`), "河口村党支部"),
		chromedp.SetValue(chromedp.CSS(`select[name=kind_1]`), "organisation"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_1_peer_1]`), "5"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_1_peer_4]`), "2"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_1_public_1]`), "60"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_1_public_3]`), "30"),
		chromedp.SetValue(chromedp.CSS(`input[name=c_1_public_4]`), "12"),
		chromedp.SetValue(chromedp.CSS(`select[name=prior_1]`), "1"),
		ClickNav(tid("whatif-submit"), tid("whatif-results")),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="satisfaction"]')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "90.00%" {
		t.Fatalf("what-if satisfaction %v, want 90.00%% first", got)
	}
	if err := Screenshot(ctx, "07-whatif-results"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, name string }{
		{"/people", "05-people"}, {"/orgs", "06-orgs"}, {"/users", "08-users"},
	} {
		if err := chromedp.Do(ctx, Visit(base+p.path), chromedp.WaitVisible(tid("nav"))); err != nil {
			t.Fatal(err)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSecretaryInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.RaterCategories(bg, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	if _, err := st.CreateRound(bg, town.ID, store.RoundInput{Title: "2025 年度村级述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{3}, People: true, Organisations: true}); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base, "xiaoxuan")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(tid("village-subjects"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "20-secretary-home"); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		ClickNav(tid("village-report-link"), tid("report-form")),
		chromedp.SetValue(chromedp.CSS("#text"), "小漩村党支部 2025 年述职:完成电站移民安置,村集体经济收入 7 万元以上。"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "21-secretary-report"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("save"), tid("flash"))); err != nil {
		t.Fatal(err)
	}
}

// demoRounds loads the demo's rounds into st and returns its township and rounds.
func demoRounds(t *testing.T, st *store.Store) (store.Township, []store.Round) {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	return town, rounds
}

// TestDemoHistoryInBrowser shows what `make run` opens on: the demo's published 2024
// round with its results and talks, and the 2025 draft.
func TestDemoHistoryInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	_, rounds := demoRounds(t, st)
	signIn(t, ctx, base, "zzb")
	if err := Screenshot(ctx, "30-demo-home"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, want, name string }{
		{"/rounds", "round-table", "31-demo-rounds"},
		{fmt.Sprintf("/rounds/%d/results", rounds[1].ID), "results-table", "32-demo-results-2024"},
		{fmt.Sprintf("/p/%s", *rounds[1].PublicSlug), "public-results", "33-demo-public-2024"},
		{fmt.Sprintf("/rounds/%d", rounds[0].ID), "subject-table", "34-demo-draft-2025"},
	} {
		if err := chromedp.Do(ctx, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if err := Screenshot(ctx, p.name); err != nil {
			t.Fatal(err)
		}
	}
}
