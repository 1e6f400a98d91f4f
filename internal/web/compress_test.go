package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// rawGet fetches a path as `curl -H 'Accept-Encoding: …'` would: no transparent
// decompression, the bytes as they go over the wire.
func (a *app) rawGet(path, acceptEncoding string, cookies ...*http.Cookie) (*http.Response, int) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.url+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding)
	for _, c := range cookies {
		req.AddCookie(c)
	}
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
	phone := a.client()
	scan := phone.get("/v/" + codes[0])
	cookies := phone.http.Jar.Cookies(mustURL(t, a.url+"/v/ballot"))
	if scan.status != http.StatusSeeOther || len(cookies) == 0 {
		t.Fatalf("scan: %d, %d cookies", scan.status, len(cookies))
	}
	ballot := "/v/ballot"
	_, plain := a.rawGet(ballot, "identity", cookies...)
	css := regexp.MustCompile(`href="(/static/rater\.[0-9a-f]+\.css)"`).FindStringSubmatch(phone.get(ballot).body)
	if css == nil {
		t.Fatal("no stylesheet on the ballot page")
	}
	_, plainCSS := a.rawGet(css[1], "identity")
	for _, enc := range []string{"gzip", "br"} {
		for _, tc := range []struct {
			path  string
			plain int
		}{{ballot, plain}, {css[1], plainCSS}} {
			resp, n := a.rawGet(tc.path, enc, cookies...)
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

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
