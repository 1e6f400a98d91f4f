package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/officedoc"
	"pingyi/internal/store"
)

// download fetches a signed-in path outside the browser (as a browser's download would).
func download(t *testing.T, base, user, path string) ([]byte, http.Header) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"username": {user}, "password": {demo.Password}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return b, resp.Header
}

// TestTalksInBrowser walks the demo's consequences: the home page's alerts, the ledger, a
// talk recorded in the browser, the twice-admonished subject's document (and its PDF
// rendered to PNG), the dossier, and the same pages on a phone.
func TestTalksInBrowser(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	if _, err := demo.LoadRounds(bg, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadTalks(bg, st); err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := st.Documents(bg, town.ID, store.ConsequenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("demo documents %d", len(docs))
	}
	doc := docs[0]
	signIn(t, ctx, base, "zzb")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(tid("home-alerts"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="alert-rectification"]').length`)); err != nil {
		t.Fatal(err)
	} else if n != 1 {
		t.Fatalf("home: %d overdue items, want the demo's 1", n)
	}
	if err := Screenshot(ctx, "40-talks-home"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, Visit(base+"/talks"), chromedp.WaitVisible(tid("talk-table"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "41-talk-ledger"); err != nil {
		t.Fatal(err)
	}

	// Record a pending talk in the browser: the pledge item appears.
	pending, err := st.TalkList(bg, town.ID, store.Today(), store.TalkFilter{Status: store.TalkPending})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) == 0 {
		t.Fatal("the demo has no pending talk")
	}
	err = chromedp.Do(ctx,
		Visit(base+fmt.Sprintf("/talks/%d", pending[0].ID)),
		chromedp.WaitVisible(tid("talk-record-form")),
		chromedp.SetValue(chromedp.CSS("#held_on"), store.Today().AddDate(0, 0, -1).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#place"), "乡党委书记办公室"),
		chromedp.SetValue(chromedp.CSS("#talker"), "陈建国"),
		chromedp.SetValue(chromedp.CSS("#talker_post"), "党委书记"),
		chromedp.SetValue(chromedp.CSS("#recorder"), "周敏"),
		chromedp.SetValue(chromedp.CSS("#points"), "通报评议结果:群众对移民安置政策宣传不到位意见较多。要求一个月内逐户走访,限期整改。"),
		chromedp.SetValue(chromedp.CSS("#response"), "接受提醒,一周内提交整改承诺。"),
		ClickNav(tid("talk-record-save"), tid("rectification-table")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "42-talk-record"); err != nil {
		t.Fatal(err)
	}

	// The document, its print layout and its exports.
	err = chromedp.Do(ctx, Visit(base+fmt.Sprintf("/documents/%d", doc.ID)), chromedp.WaitVisible(tid("formal-document")))
	if err != nil {
		t.Fatal(err)
	}
	if num, err := chromedp.Run(ctx, chromedp.Text(tid("doc-number"))); err != nil {
		t.Fatal(err)
	} else if !strings.HasPrefix(num, "小漩组〔") || !strings.HasSuffix(num, "〕1号") {
		t.Fatalf("document number %q", num)
	}
	if err := Screenshot(ctx, "43-document"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, Visit(base+fmt.Sprintf("/documents/%d/print", doc.ID)), chromedp.WaitVisible(tid("formal-document"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "44-document-print"); err != nil {
		t.Fatal(err)
	}
	pdf, hdr := download(t, base, "zzb", fmt.Sprintf("/documents/%d/pdf", doc.ID))
	if hdr.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf content type %q", hdr.Get("Content-Type"))
	}
	pdfPath := filepath.Join(OutputDir(), "45-document.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		failMissing(t, "pdftoppm (apt-get install -y poppler-utils)")
	} else if out, err := exec.Command(pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", pdfPath, filepath.Join(OutputDir(), "45-document-pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err != nil {
		failMissing(t, "pdftotext (apt-get install -y poppler-utils)")
	} else {
		out, err := exec.Command(pdftotext, pdfPath, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(strings.Fields(string(out)), ""); !strings.Contains(text, doc.Number()) || !strings.Contains(text, "实行诫勉的决定") {
			t.Fatalf("PDF text lacks the number or title:\n%s", out)
		}
	}
	docx, _ := download(t, base, "zzb", fmt.Sprintf("/documents/%d/docx", doc.ID))
	if text, err := officedoc.DOCXText(docx); err != nil || !strings.Contains(text, doc.Number()) {
		t.Fatalf("docx: %v\n%s", err, text)
	}
	if err := os.WriteFile(filepath.Join(OutputDir(), "45-document.docx"), docx, 0o644); err != nil {
		t.Fatal(err)
	}

	// The twice-admonished subject's dossier: both rounds, the chart, the document.
	dossier := "/people/" + fmt.Sprint(deref(doc.PersonID)) + "/dossier"
	if doc.PersonID == nil {
		dossier = "/orgs/" + fmt.Sprint(deref(doc.OrganisationID)) + "/dossier"
	}
	if err := chromedp.Do(ctx, Visit(base+dossier), chromedp.WaitVisible(tid("dossier-chart"))); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="dossier-round"]').length`)); err != nil {
		t.Fatal(err)
	} else if n != 2 {
		t.Fatalf("dossier rounds %d, want 2", n)
	}
	if err := Screenshot(ctx, "46-dossier"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, Visit(base+dossier+"?print=1"), chromedp.WaitVisible(tid("dossier-chart"))); err != nil {
		t.Fatal(err)
	}
	if _, err := PrintPDF(ctx, "47-dossier-print"); err != nil {
		t.Fatal(err)
	}

	// On a phone.
	phone := newTab(t)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	// Tabs share the browser's cookies: the phone is signed in as the office.
	for _, p := range []struct{ path, want, name string }{
		{"/", "home-alerts", "48-phone-home"},
		{fmt.Sprintf("/talks/%d", doc.TalkID), "talk-trigger", "49-phone-talk"},
		{fmt.Sprintf("/documents/%d", doc.ID), "formal-document", "50-phone-document"},
		{dossier, "dossier-chart", "51-phone-dossier"},
	} {
		if err := chromedp.Do(phone, Visit(base+p.path), chromedp.WaitVisible(tid(p.want))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if err := Screenshot(phone, p.name); err != nil {
			t.Fatal(err)
		}
	}

	// A village secretary: its own village's talks only.
	sec := newTab(t)
	if err := chromedp.Do(sec, Visit(base+"/"), ClickNav(tid("logout"), tid("login-form"))); err != nil {
		t.Fatal(err)
	}
	signIn(t, sec, base, "xiaoxuan")
	if err := chromedp.Do(sec, Visit(base+"/talks"), chromedp.WaitVisible(tid("talk-filter"))); err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(sec, "52-secretary-talks"); err != nil {
		t.Fatal(err)
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// failMissing fails in CI (where nothing may skip) and skips elsewhere.
func failMissing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" || os.Getenv("PINGYI_NO_SKIP") == "1" {
		t.Fatalf("missing %s", what)
	}
	t.Skipf("missing %s", what)
}
