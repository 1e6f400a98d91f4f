package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// app is a real server over a fresh database with the demo township loaded.
type app struct {
	t     *testing.T
	url   string
	store *store.Store
	// handler is the site the test server serves (for walking its routes).
	handler http.Handler
}

func newApp(t *testing.T) *app {
	t.Helper()
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return serveApp(t, st, io.Discard)
}

// serveApp serves a store with the test configuration, logging to w.
func serveApp(t *testing.T, st *store.Store, w io.Writer) *app {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.CodeFailureDelay = time.Millisecond
	if w == nil {
		w = io.Discard
	}
	srv := web.New(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})), st, cfg)
	t.Cleanup(srv.Close)
	h := srv.Handler()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &app{t: t, url: ts.URL, store: st, handler: h}
}

// client is one browser: its own cookie jar, no automatic redirects.
type client struct {
	a    *app
	http *http.Client
}

func (a *app) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &client{a: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

func (c *client) do(req *http.Request) page {
	c.a.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.a.t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		c.a.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), doc: doc}
}

func (c *client) get(path string) page {
	req, err := http.NewRequest(http.MethodGet, c.a.url+path, nil)
	if err != nil {
		c.a.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a same-origin form, as a browser would.
func (c *client) post(path string, form url.Values) page {
	req, err := http.NewRequest(http.MethodPost, c.a.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.a.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (c *client) upload(path, field, filename string, data []byte) page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		c.a.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.a.url+path, &buf)
	if err != nil {
		c.a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (c *client) login(user string) {
	c.a.t.Helper()
	p := c.post("/login", url.Values{"username": {user}, "password": {demo.Password}})
	if p.status != http.StatusSeeOther {
		c.a.t.Fatalf("login %s: status %d: %s", user, p.status, textOf(p, "login-error"))
	}
}

// find returns every element with the data-testid.
func (p page) find(testid string) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-testid" && a.Val == testid {
					out = append(out, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if p.doc != nil {
		walk(p.doc)
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// textOf is the text of the first element with the data-testid, or "".
func textOf(p page, testid string) string {
	if ns := p.find(testid); len(ns) > 0 {
		return text(ns[0])
	}
	return ""
}

func texts(p page, testid string) []string {
	var out []string
	for _, n := range p.find(testid) {
		out = append(out, text(n))
	}
	return out
}

// refused reports whether p is the error page for status with that status's message, so
// a check that something is refused cannot pass on some other failure.
func refused(p page, status int) bool {
	title := map[int]string{http.StatusForbidden: "无权访问", http.StatusNotFound: "页面不存在"}[status]
	return title != "" && errorPage(p, status, title)
}

// errorPage reports whether p is an error page with status and title.
func errorPage(p page, status int, title string) bool {
	return p.status == status && strings.Contains(textOf(p, "error-page"), title)
}
