package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

func phoneTab(t *testing.T) context.Context {
	t.Helper()
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func desktopTab(t *testing.T) context.Context {
	t.Helper()
	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// switchUser signs out whoever is signed in (tabs share cookies) and signs in as user.
func switchUser(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	if err := chromedp.Do(ctx, Visit(base+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="logout"]').length`)); err != nil {
		t.Fatal(err)
	} else if n > 0 {
		if err := chromedp.Do(ctx, ClickNav(tid("logout"), tid("login-form"))); err != nil {
			t.Fatal(err)
		}
	}
	signIn(t, ctx, base, user)
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := Screenshot(ctx, name); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sitePhoto writes a phone-sized JPEG to a temporary file for the upload field.
func sitePhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2000, 1500))
	for y := 0; y < 1500; y++ {
		for x := 0; x < 2000; x++ {
			c := color.RGBA{110, 160, 220, 255}
			if y > 800 {
				c = color.RGBA{90, 140, 70, 255}
			}
			if y > 800 && x > 900-(y-800)/2 && x < 1100+(y-800)/2 {
				c = color.RGBA{170, 170, 165, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "现场.jpg")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var mediaBoxRE = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)

// pdfPageSize is the first page's size in points, from the PDF written by PrintPDF.
func pdfPageSize(t *testing.T, name string) (float64, float64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(OutputDir(), name+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	m := mediaBoxRE.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s.pdf: no MediaBox", name)
	}
	var w, h float64
	if _, err := fmt.Sscan(string(m[1]), &w); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscan(string(m[2]), &h); err != nil {
		t.Fatal(err)
	}
	return w, h
}

// TestCommitmentInBrowser: a secretary files on a phone, the office returns it once and
// then approves and publishes, the secretary reports progress with a photo, a leader
// comments, and the public page opens on a phone, with the A4 and A3 posters.
func TestCommitmentInBrowser(t *testing.T) {
	base := startApp(t)
	phone, desk := phoneTab(t), desktopTab(t)
	year := store.LocalDay(time.Now()).Year()
	ys := fmt.Sprint(year)

	// The secretary files on a phone.
	switchUser(t, phone, base, "xiaoxuan")
	do(t, phone, "start", ClickNav(tid("commitment-start"), tid("commitment-title")))
	loc, err := chromedp.Run(phone, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	commitment := loc[strings.Index(loc, "/commitments/"):]
	if i := strings.IndexAny(commitment, "?#"); i >= 0 {
		commitment = commitment[:i]
	}
	do(t, phone, "first item",
		ClickNav(tid("item-add"), tid("item-form")),
		chromedp.SetValue(chromedp.CSS("#category"), "service"),
		chromedp.SetValue(chromedp.CSS("#content"), "硬化通组道路"),
		chromedp.SetValue(chromedp.CSS("#target"), "新修水泥路 3 公里"),
		chromedp.SetValue(chromedp.CSS("#deadline"), ys+"-12-20"),
	)
	shot(t, phone, "commitments-40-secretary-item-phone")
	do(t, phone, "save item", ClickNav(tid("save"), tid("working")))
	do(t, phone, "sub-items",
		ClickNav(tid("sub-add"), tid("item-form")),
		chromedp.SetValue(chromedp.CSS("#content"), "一组至二组"),
		chromedp.SetValue(chromedp.CSS("#target"), "1 公里"),
		chromedp.SetValue(chromedp.CSS("#deadline"), ys+"-06-30"),
		chromedp.SetValue(chromedp.CSS("#weight"), "1"),
		ClickNav(tid("save"), tid("working")),
		ClickNav(tid("sub-add"), tid("item-form")),
		chromedp.SetValue(chromedp.CSS("#content"), "二组至五组"),
		chromedp.SetValue(chromedp.CSS("#target"), "2 公里"),
		chromedp.SetValue(chromedp.CSS("#deadline"), ys+"-12-20"),
		chromedp.SetValue(chromedp.CSS("#weight"), "2"),
		ClickNav(tid("save"), tid("working")),
		ClickNav(tid("item-add"), tid("item-form")),
		chromedp.SetValue(chromedp.CSS("#category"), "economy"),
		chromedp.SetValue(chromedp.CSS("#content"), "壮大村集体经济"),
		chromedp.SetValue(chromedp.CSS("#target"), "集体收入 7 万元以上"),
		chromedp.SetValue(chromedp.CSS("#deadline"), ys+"-12-31"),
		ClickNav(tid("save"), tid("working")),
	)
	shot(t, phone, "commitments-41-secretary-draft-phone")
	do(t, phone, "submit", ClickNav(tid("submit"), tid("flash")))

	// The office returns it once, with a comment.
	switchUser(t, desk, base, "zzb")
	do(t, desk, "overview", Visit(base+"/commitments"), chromedp.WaitVisible(tid("commitment-table")))
	shot(t, desk, "commitments-42-office-overview")
	do(t, desk, "return",
		Visit(base+commitment), chromedp.WaitVisible(tid("review")),
		chromedp.SetValue(chromedp.CSS("#comment"), "集体经济请写明收入来源(如土地入股分红)"),
		ClickNav(tid("return"), tid("return-comment")),
	)
	shot(t, desk, "commitments-43-office-returned")

	// The secretary answers and submits again.
	switchUser(t, phone, base, "xiaoxuan")
	do(t, phone, "returned", Visit(base+commitment), chromedp.WaitVisible(tid("return-comment")))
	shot(t, phone, "commitments-44-secretary-returned-phone")
	// Edit the last item (the collective economy) as the office asked.
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`[...document.querySelectorAll('[data-testid="item-edit"]')].pop().setAttribute("data-last", "1"), true`)); err != nil {
		t.Fatal(err)
	}
	do(t, phone, "answer",
		ClickNav(chromedp.CSS(`[data-testid="item-edit"][data-last="1"]`), tid("item-form")),
		chromedp.SetValue(chromedp.CSS("#content"), "集体土地入股砖厂,壮大村集体经济"),
		ClickNav(tid("save"), tid("working")),
		ClickNav(tid("submit"), tid("flash")),
	)

	// The office approves and publishes.
	switchUser(t, desk, base, "zzb")
	do(t, desk, "approve",
		Visit(base+commitment), chromedp.WaitVisible(tid("review")),
		ClickNav(tid("approve"), tid("publish")),
		ClickNav(tid("publish"), tid("public-badge")),
	)
	shot(t, desk, "commitments-45-office-published")

	// The secretary reports progress with a photo from the phone.
	switchUser(t, phone, base, "xiaoxuan")
	do(t, phone, "progress",
		Visit(base+commitment), chromedp.WaitVisible(tid("record-progress")),
		ClickNav(tid("record-progress"), tid("entry-form")),
		chromedp.SetValue(chromedp.CSS("#percent"), "100"),
		chromedp.SetValue(chromedp.CSS("#body"), "一组至二组路面浇筑完成,群众代表验收"),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{sitePhoto(t)}),
	)
	shot(t, phone, "commitments-46-secretary-progress-phone")
	do(t, phone, "save progress", ClickNav(tid("save"), tid("entry-photo")))
	shot(t, phone, "commitments-47-secretary-after-progress-phone")
	if got, err := chromedp.Run(phone, chromedp.Text(tid("item-progress"))); err != nil {
		t.Fatal(err)
	} else if got != "33.33%" {
		t.Fatalf("the road after its first sub-item: %q, want 33.33%%", got)
	}

	// A leader comments, for the public page.
	switchUser(t, desk, base, "lingdao")
	do(t, desk, "comment",
		Visit(base+commitment), chromedp.WaitVisible(tid("comment-form")),
		chromedp.SetValue(chromedp.CSS("#body"), "道路工程进展快,要抓好质量和安全,二组至五组路段按期完工。"),
		chromedp.Click(chromedp.CSS(`[data-testid="comment-form"] input[name=public]`)),
		ClickNav(tid("comment-save"), tid("comment")),
	)
	shot(t, desk, "commitments-48-leader-comment")

	// The public page on a phone, and the posters.
	id := strings.TrimPrefix(commitment, "/commitments/")
	do(t, phone, "public page", Visit(base+"/gk/c/"+id), chromedp.WaitVisible(tid("pub-title")), chromedp.WaitVisible(tid("entry-photo")))
	shot(t, phone, "commitments-49-public-phone")
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="pub-comment"]').length`)); err != nil {
		t.Fatal(err)
	} else if n != 1 {
		t.Fatalf("public comments: %d", n)
	}
	do(t, desk, "poster A4", Visit(base+"/gk/c/"+id+"/poster"), chromedp.WaitVisible(tid("poster-qr")))
	shot(t, desk, "commitments-50-poster-a4")
	if pages, err := PrintPDF(desk, "commitments-50-poster-a4"); err != nil || pages != 1 {
		t.Fatalf("A4 poster prints on %d pages (%v)", pages, err)
	}
	if w, h := pdfPageSize(t, "commitments-50-poster-a4"); w < 590 || w > 600 || h < 838 || h > 845 {
		t.Fatalf("A4 poster page %.0f×%.0f pt", w, h)
	}
	do(t, desk, "poster A3", Visit(base+"/gk/c/"+id+"/poster?size=a3"), chromedp.WaitVisible(tid("poster-qr")))
	shot(t, desk, "commitments-51-poster-a3")
	if pages, err := PrintPDF(desk, "commitments-51-poster-a3"); err != nil || pages != 1 {
		t.Fatalf("A3 poster prints on %d pages (%v)", pages, err)
	}
	if w, h := pdfPageSize(t, "commitments-51-poster-a3"); w < 838 || w > 845 || h < 1186 || h > 1195 {
		t.Fatalf("A3 poster page %.0f×%.0f pt, want A3 (842×1191)", w, h)
	}
	do(t, desk, "report", Visit(base+"/gk/c/"+id+"/report?half=2"), chromedp.WaitVisible(tid("report")))
	shot(t, desk, "commitments-52-report")
	if _, err := PrintPDF(desk, "commitments-52-report"); err != nil {
		t.Fatal(err)
	}
}

// TestDemoCommitmentsInBrowser looks at the demo's commitments as `make run` shows them and
// measures the public village page's bytes on the wire on a phone's first view.
func TestDemoCommitmentsInBrowser(t *testing.T) {
	base, st := startAppStore(t)
	if _, err := demo.LoadCommitments(context.Background(), st, time.Now()); err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(context.Background(), demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.Villages(context.Background(), town.ID)
	if err != nil {
		t.Fatal(err)
	}
	var xiaoxuan int64
	for _, v := range vs {
		if v.Name == "小漩村" {
			xiaoxuan = v.ID
		}
	}
	c, err := st.CommitmentOf(context.Background(), town.ID, &xiaoxuan, store.LocalDay(time.Now()).AddDate(0, 0, -45).Year())
	if err != nil {
		t.Fatal(err)
	}

	// First view of the public village page on a phone, nothing cached.
	phone := phoneTab(t)
	if _, err := chromedp.Run(phone, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	sizes := map[string]float64{}
	if err := chromedp.Listen(phone, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			urls[e.RequestID] = e.Request.URL
		case *network.EventLoadingFinished:
			sizes[urls[e.RequestID]] += e.EncodedDataLength
		}
	}); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/gk/c/%d", base, c.ID)
	do(t, phone, "public village page", Visit(page), chromedp.WaitVisible(tid("pub-title")))
	// Wait until the images in view have loaded (the others wait for a scroll).
	deadline := time.Now().Add(20 * time.Second)
	for {
		done, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.readyState === "complete" &&
			[...document.images].filter(i => i.getBoundingClientRect().top < innerHeight).every(i => i.complete)`))
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("images in view never loaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// loadingFinished may trail the load event: poll until the page's own entry is in.
	for time.Now().Before(deadline) {
		mu.Lock()
		_, ok := sizes[page]
		mu.Unlock()
		if ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	var total float64
	var lines []string
	for u, n := range sizes {
		total += n
		lines = append(lines, fmt.Sprintf("%7.0f  %s", n, strings.TrimPrefix(u, base)))
		if n > 100_000 {
			t.Errorf("%s: %.0f bytes on the wire; a public page must never send an original photo", u, n)
		}
	}
	mu.Unlock()
	sort.Strings(lines)
	t.Logf("public village page, first view on a phone: %.0f bytes on the wire in %d requests\n%s", total, len(lines), strings.Join(lines, "\n"))
	if total > 150_000 {
		t.Errorf("first view %.0f bytes: over the 150 kB budget for a slow link", total)
	}
	shot(t, phone, "commitments-60-demo-public-village-phone")
	do(t, phone, "public index", Visit(fmt.Sprintf("%s/gk/t/%d", base, town.ID)), chromedp.WaitVisible(tid("pub-villages")))
	shot(t, phone, "commitments-61-demo-public-index-phone")

	switchUser(t, phone, base, "xiaoxuan")
	do(t, phone, "secretary home", chromedp.WaitVisible(tid("village-commitment")))
	shot(t, phone, "commitments-62-demo-secretary-home-phone")

	desk := desktopTab(t)
	switchUser(t, desk, base, "zzb")
	shot(t, desk, "commitments-63-demo-office-home")
	do(t, desk, "overview", Visit(base+"/commitments?year="+fmt.Sprint(c.Year)), chromedp.WaitVisible(tid("commitment-table")))
	shot(t, desk, "commitments-64-demo-commitments")
	do(t, desk, "xiaoxuan", Visit(fmt.Sprintf("%s/commitments/%d", base, c.ID)), chromedp.WaitVisible(tid("commitment-summary")))
	shot(t, desk, "commitments-65-demo-xiaoxuan-commitment")
	do(t, desk, "poster", Visit(fmt.Sprintf("%s/gk/c/%d/poster", base, c.ID)), chromedp.WaitVisible(tid("poster-qr")))
	shot(t, desk, "commitments-66-demo-poster-a4")
	do(t, desk, "half-year report", Visit(fmt.Sprintf("%s/gk/c/%d/report?half=1", base, c.ID)), chromedp.WaitVisible(tid("report")))
	shot(t, desk, "commitments-67-demo-report-h1")
}
