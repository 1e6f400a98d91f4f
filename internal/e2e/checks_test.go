package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pingyi/internal/pgtest"
)

// TestHTMLCheckerFindsErrors makes sure the validity check is live: a page with known
// errors is reported, on every page (nothing is exempted today).
func TestHTMLCheckerFindsErrors(t *testing.T) {
	bad := `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head><body><main>` +
		`<table><tr><td>a</td></tr><input type="hidden" name="s1" value="1"></table>` +
		`<input type="text" inputmode="latin" aria-label="x"></main></body></html>`
	rec := NewHTMLRecorder(t.TempDir())
	h := rec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(strings.Replace(bad, "<title>t", "<title>"+r.URL.Path, 1)))
	}))
	for _, path := range []string{"/people", "/v/ABCDEFGHJK"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	problems, err := rec.Check()
	if err != nil {
		pgtest.Fail(t, err)
		return
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"GET /people: line 1: Start tag “input” seen in “table”", "GET /people: line 1: Bad value “latin” for attribute “inputmode”",
		"GET /v/ABCDEFGHJK: line 1: Bad value “latin”", "GET /v/ABCDEFGHJK: line 1: Start tag “input” seen in “table”"} {
		if !strings.Contains(joined, want) {
			t.Errorf("checker output lacks %q:\n%s", want, joined)
		}
	}
}

// TestExemptionsSayWhy: an accessibility or validity finding may only be tolerated with
// the reason and who fixes it written beside it.
func TestExemptionsSayWhy(t *testing.T) {
	for _, e := range axeExemptions {
		if strings.TrimSpace(e.why) == "" || e.path == nil {
			t.Errorf("axe exemption for %q has no page or no reason", e.rule)
		}
	}
	for _, e := range htmlExemptions {
		if strings.TrimSpace(e.why) == "" || e.path == nil {
			t.Errorf("HTML exemption for %q has no page or no reason", e.message)
		}
	}
}
