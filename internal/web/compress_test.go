package web_test

import (
	"net/http"
	"regexp"
	"testing"
)

// rawGet fetches a path as `curl -H 'Accept-Encoding: …'` would: no transparent
// decompression, the bytes as they go over the wire.
func (a *app) rawGet(path, acceptEncoding string) (*http.Response, int) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.url+path, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	n := 0
	buf := make([]byte, 32<<10)
	for {
		k, err := resp.Body.Read(buf)
		n += k
		if err != nil {
			break
		}
	}
	return resp, n
}

// TestPagesAndAssetsCompressed: the ballot page and the stylesheet come compressed to a
// client that asks (brotli or gzip), and plain to one that does not.
func TestPagesAndAssetsCompressed(t *testing.T) {
	a := newApp(t)
	_, subs, codes := testRound(t, a, roundSpec{subjects: 30})
	if len(subs) != 30 {
		t.Fatalf("%d subjects", len(subs))
	}
	ballot := "/v/" + codes[0]
	_, plain := a.rawGet(ballot, "identity")
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(a.client().get(ballot).body)
	if css == nil {
		t.Fatal("no stylesheet on the ballot page")
	}
	_, plainCSS := a.rawGet(css[1], "identity")
	for _, enc := range []string{"gzip", "br"} {
		for _, tc := range []struct {
			path  string
			plain int
		}{{ballot, plain}, {css[1], plainCSS}} {
			resp, n := a.rawGet(tc.path, enc)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != enc || resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Fatalf("%s with %s: %d %q vary %q", tc.path, enc, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
			}
			if n*3 > tc.plain {
				t.Fatalf("%s with %s: %d bytes of %d", tc.path, enc, n, tc.plain)
			}
			t.Logf("%s: %d bytes plain, %d with %s", tc.path, tc.plain, n, enc)
		}
	}
	if resp, _ := a.rawGet(ballot, "identity"); resp.Header.Get("Content-Encoding") != "" {
		t.Fatal("a client that does not ask gets no encoding")
	}
}
