// Package e2e drives Debian's Chromium (through chromedp) against the real server on
// loopback. Screenshots go to test-output/ at the repository root (git-ignored).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned when no Chromium is installed.
var ErrNoChromium = errors.New("未找到 Chromium:请运行 `apt-get install -y chromium fonts-wqy-microhei`(root 下 `make test` 会自动安装)")

// chromiumPath finds the browser.
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Browser starts one headless Chromium for a whole test binary.
func Browser() (context.Context, context.CancelFunc, error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "pingyi-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.Flag("no-sandbox", true))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return bctx, func() { bcancel(); acancel(); os.RemoveAll(dir) }, nil
}

// OutputDir is test-output/ at the repository root.
func OutputDir() string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "test-output")
	os.MkdirAll(dir, 0o755)
	return dir
}

// Screenshot saves a full-page PNG of the current tab as test-output/name.png.
func Screenshot(ctx context.Context, name string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(OutputDir(), name+".png"), png, 0o644)
}

// ClickNav clicks an element that loads a new page (a link or a form's button), waits
// until a new document containing want has loaded, and audits it (see Audit). Waiting for want alone can
// match the old page (a flash message from the previous step, say) and then act on
// nodes that are being torn down.
func ClickNav(sel, want chromedp.CSS) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Evaluate[bool](`document.documentElement.dataset.stale = "1", true`)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := chromedp.Click(sel)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		check := chromedp.Evaluate[bool](fmt.Sprintf(`document.readyState === "complete" && document.documentElement.dataset.stale !== "1" && document.querySelector(%q) !== null`, string(want)))
		deadline := time.Now().Add(30 * time.Second)
		for {
			// Errors while the old document goes away are expected; keep polling.
			if ok, err := check(ctx, t); err == nil && ok {
				return Audit()(ctx, t)
			}
			if time.Now().After(deadline) {
				return chromedp.Void{}, fmt.Errorf("after clicking %s: no new page with %s", sel, want)
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// PrintPDF prints the current page as the browser would on A4, honouring the page's
// print CSS, saves it as test-output/name.pdf and returns its page count.
func PrintPDF(ctx context.Context, name string) (int, error) {
	res, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (page.PrintToPDFResult, error) {
		css := true
		return cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &css, PaperWidth: 8.27, PaperHeight: 11.69})
	})
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(OutputDir(), name+".pdf"), res.Data, 0o644); err != nil {
		return 0, err
	}
	return len(pdfPageRE.FindAll(res.Data, -1)), nil
}

var pdfPageRE = regexp.MustCompile(`/Type\s*/Page[^s]`)
