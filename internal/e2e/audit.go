package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1, vendored as a test asset (testdata/axe-core/README.md).
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axeExemption is a finding the browser tests tolerate on some pages, with the reason.
type axeExemption struct {
	rule string         // axe rule id
	path *regexp.Regexp // page path
	why  string
}

// axeExemptions: every page the tests visit must pass with no serious or critical
// finding. An entry names one finding someone has taken on, by rule and page, and who
// fixes it.
var axeExemptions = []axeExemption{}

// AxeFinding is one axe-core violation on a page.
type AxeFinding struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

func (f AxeFinding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s", f.ID, f.Impact, f.Help)
	for i, n := range f.Nodes {
		if i == 3 {
			fmt.Fprintf(&b, "\n      … and %d more", len(f.Nodes)-3)
			break
		}
		fmt.Fprintf(&b, "\n      %s: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
	}
	return b.String()
}

const axeRun = `(async () => {
	const r = await axe.run(document, {resultTypes: ["violations"]});
	return JSON.stringify(r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))
	})));
})()`

// TabAudits records, for one tab, the documents it loaded and the ones audited, so a
// test that reaches a page without the accessibility check fails.
type TabAudits struct {
	mu      sync.Mutex
	loaded  []loadedDoc
	audited map[string]bool // by loader id: one per document
}

type loadedDoc struct{ loader, url string }

type auditKey struct{}

// TrackAudits watches a started tab's main-frame navigations. Run the tab's actions
// with the returned context; Unaudited then lists any page loaded but not audited.
func TrackAudits(ctx context.Context) (context.Context, *TabAudits, error) {
	ta := &TabAudits{audited: map[string]bool{}}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventFrameNavigated); ok && e.Frame.ParentID == "" {
			ta.mu.Lock()
			ta.loaded = append(ta.loaded, loadedDoc{string(e.Frame.LoaderID), e.Frame.URL})
			ta.mu.Unlock()
		}
	})
	return context.WithValue(ctx, auditKey{}, ta), ta, err
}

// Unaudited lists the pages the tab loaded without an audit.
func (ta *TabAudits) Unaudited() []string {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	var out []string
	auditedURL := map[string]bool{}
	for _, d := range ta.loaded {
		switch {
		case ta.audited[d.loader]:
			auditedURL[d.url] = true
		case d.url == "about:blank", auditedURL[d.url]:
			// A page reloading itself (the projector's refresh) was audited before.
		default:
			out = append(out, d.url)
		}
	}
	return out
}

func (ta *TabAudits) markAudited(loader string) {
	ta.mu.Lock()
	ta.audited[loader] = true
	ta.mu.Unlock()
}

// Audit runs axe-core on the current page and fails on any serious or critical finding
// not exempted by rule and page.
func Audit() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		loaded, err := chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`)(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if !loaded {
			if _, err := chromedp.Evaluate[bool](axeSource+";\ntrue")(ctx, t); err != nil {
				return chromedp.Void{}, fmt.Errorf("inject axe-core: %w", err)
			}
		}
		raw, err := chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise)(ctx, t)
		if err != nil {
			return chromedp.Void{}, fmt.Errorf("run axe-core: %w", err)
		}
		var findings []AxeFinding
		if err := json.Unmarshal([]byte(raw), &findings); err != nil {
			return chromedp.Void{}, fmt.Errorf("axe-core results: %w", err)
		}
		loc, err := chromedp.Location()(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if ta, ok := ctx.Value(auditKey{}).(*TabAudits); ok {
			tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return chromedp.Void{}, err
			}
			ta.markAudited(string(tree.FrameTree.Frame.LoaderID))
		}
		path := loc
		if u, err := url.Parse(loc); err == nil {
			path = u.Path
		}
		var bad []string
		for _, f := range findings {
			if f.Impact != "serious" && f.Impact != "critical" {
				continue
			}
			if exempt(f.ID, path) {
				continue
			}
			bad = append(bad, "  "+f.String())
		}
		if len(bad) > 0 {
			return chromedp.Void{}, fmt.Errorf("accessibility (axe-core) on %s:\n%s", path, strings.Join(bad, "\n"))
		}
		return chromedp.Void{}, nil
	}
}

func exempt(rule, path string) bool {
	for _, e := range axeExemptions {
		if e.rule == rule && e.path.MatchString(path) {
			return true
		}
	}
	return false
}

// Visit loads a page and audits it. Every page a browser test opens goes through Visit
// or ClickNav, both of which audit.
func Visit(u string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Navigate(u)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return Audit()(ctx, t)
	}
}
