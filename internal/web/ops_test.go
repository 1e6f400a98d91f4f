package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/standby"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

// opsServer serves st with cfg changed by tune, logging JSON into the returned buffer.
func opsServer(t *testing.T, st *store.Store, tune func(*config.Config)) (*app, *web.Server, *syncBuffer) {
	t.Helper()
	cfg, _ := config.Load(func(string) string { return "" })
	cfg.CodeFailureDelay = time.Millisecond
	cfg.LogFormat = "json"
	if tune != nil {
		tune(&cfg)
	}
	logs := &syncBuffer{}
	srv := web.New(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), st, cfg)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &app{t: t, url: ts.URL, store: st}, srv, logs
}

func TestProbes(t *testing.T) {
	st := pgtest.Store(t)
	a, srv, _ := opsServer(t, st, nil)
	c := a.client()
	if p := c.get("/healthz"); p.status != 200 || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("healthz: %d", p.status)
	}
	readyz := func() (int, map[string]string) {
		p := c.get("/readyz")
		var body map[string]string
		if err := json.Unmarshal([]byte(p.body), &body); err != nil {
			t.Fatalf("readyz body %q: %v", p.body, err)
		}
		return p.status, body
	}
	if status, body := readyz(); status != 200 || body["status"] != "ok" || body["standby"] != "" {
		t.Fatalf("readyz: %d %v", status, body)
	}
	// A schema behind the binary: not ready, and the answer says what to run.
	if _, err := st.Pool().Exec(context.Background(), `UPDATE schema_migrations SET version = version - 1`); err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(); status != 503 || body["database"] != "schema not current" || !strings.Contains(body["reason"], "pingyi migrate") {
		t.Fatalf("stale schema: %d %v", status, body)
	}
	if _, err := st.Pool().Exec(context.Background(), `UPDATE schema_migrations SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	// Draining: not ready, still alive.
	srv.Drain()
	if status, body := readyz(); status != 503 || body["status"] != "draining" {
		t.Fatalf("draining: %d %v", status, body)
	}
	if p := c.get("/healthz"); p.status != 200 {
		t.Fatalf("healthz while draining: %d", p.status)
	}
	// The database gone: liveness does not care, readiness does.
	st.Close()
	if p := c.get("/healthz"); p.status != 200 {
		t.Fatalf("healthz without a database: %d", p.status)
	}
	if status, body := readyz(); status != 503 || body["database"] != "unavailable" {
		t.Fatalf("no database: %d %v", status, body)
	}
}

func TestMetrics(t *testing.T) {
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	a, _, _ := opsServer(t, st, nil)
	f := a.round(t, []int{1}, true)
	a.client().vote(f, f.codes[0], 1)
	unknown := "ABCDEFGHJK"
	a.client().get("/v/" + unknown)
	a.client().get("/V/" + f.codes[1])

	p := a.client().get("/metrics")
	if p.status != 200 {
		t.Fatalf("metrics from loopback: %d", p.status)
	}
	for _, want := range []string{
		`pingyi_http_request_duration_seconds_bucket{code="303",method="GET",route="/v/{code}"`,
		`pingyi_http_request_duration_seconds_count{code="200",method="POST",route="/v/ballot"} 1`,
		`pingyi_ballots_cast_total{channel="phone"} 1`,
		`pingyi_db_pool_max_connections{pool="primary"}`,
		`pingyi_db_pool_acquires_total{pool="primary"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// No code, typed or real, ever reaches a label.
	for _, code := range append([]string{unknown}, f.codes...) {
		if strings.Contains(p.body, code) {
			t.Errorf("metrics hold the code %s", code)
		}
	}

	// Only from the configured networks, and a forwarded request only through a trusted
	// proxy that names an allowed client.
	cases := []struct {
		name     string
		networks string
		proxies  string
		xff      string
		want     int
	}{
		{"not an allowed network", "10.0.0.0/8", "", "", 404},
		{"forwarded by an unknown proxy", "", "", "127.0.0.1", 404},
		{"forwarded by a trusted proxy for an outside client", "", "127.0.0.1", "203.0.113.9", 404},
		{"forwarded by a trusted proxy for an allowed client", "10.0.0.0/8,127.0.0.1", "127.0.0.1", "10.1.2.3", 200},
	}
	for _, tc := range cases {
		b, _, _ := opsServer(t, st, func(c *config.Config) {
			if tc.networks != "" {
				c.MetricsNetworks = prefixes(t, tc.networks)
			}
			c.TrustedProxies = prefixes(t, tc.proxies)
		})
		req, _ := http.NewRequest(http.MethodGet, b.url+"/metrics", nil)
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if p := b.client().do(req); p.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, p.status, tc.want)
		}
	}
	// With a metrics listener of its own, the main one has no /metrics.
	b, srv, _ := opsServer(t, st, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if p := b.client().get("/metrics"); p.status != 404 {
		t.Errorf("/metrics beside PINGYI_METRICS_ADDR: %d", p.status)
	}
	ms := httptest.NewServer(srv.MetricsHandler())
	defer ms.Close()
	resp, err := http.Get(ms.URL + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics listener: %v %v", resp, err)
	}
	resp.Body.Close()
}

func prefixes(t *testing.T, s string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			f += "/32"
		}
		out = append(out, netip.MustParsePrefix(f))
	}
	return out
}

func TestRequestIDs(t *testing.T) {
	st := pgtest.Store(t)
	a, _, logs := opsServer(t, st, func(c *config.Config) { c.TrustedProxies = prefixes(t, "127.0.0.1") })
	p := a.client().get("/login")
	id := p.header.Get("X-Request-Id")
	if len(id) != 16 {
		t.Fatalf("request id %q", id)
	}
	// The JSON access log line carries it.
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["msg"] == "request" && rec["route"] == "/login" && rec["request_id"] == id && rec["level"] == "INFO" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no access log line with request id %s:\n%s", id, logs.String())
	}
	// A trusted proxy's id is kept; an odd one is replaced.
	for header, keep := range map[string]bool{"nginx-7f3a9c": true, "bad id; with spaces": false, strings.Repeat("x", 65): false} {
		req, _ := http.NewRequest(http.MethodGet, a.url+"/healthz", nil)
		req.Header.Set("X-Request-Id", header)
		got := a.client().do(req).header.Get("X-Request-Id")
		if (got == header) != keep || got == "" {
			t.Errorf("proxy id %q: got %q", header, got)
		}
	}
	// From an address that is not a trusted proxy, a client's own id is not believed.
	b, _, _ := opsServer(t, st, nil)
	req, _ := http.NewRequest(http.MethodGet, b.url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "forged-by-client")
	if got := b.client().do(req).header.Get("X-Request-Id"); got == "forged-by-client" {
		t.Error("a client's own request id was believed")
	}
	// Ballot codes stay out of the logs, in either case of the slips' address.
	a.client().get("/V/ABCDEFGHJK")
	a.client().get("/v/ABCDEFGHJM")
	if strings.Contains(logs.String(), "ABCDEFGHJ") {
		t.Errorf("a ballot code reached the log:\n%s", logs.String())
	}
}

// TestPublicPagesFromStandby: with a standby that keeps up, the public pages come from
// it; a page it does not have yet, and a standby that is down, send them to the primary.
func TestPublicPagesFromStandby(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadRounds(ctx, st); err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	for _, r := range rounds {
		if r.PublicSlug != nil {
			slug = *r.PublicSlug
		}
	}
	path := "/p/" + slug
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	serveWith := func(standbyPool *pgxpool.Pool) (*app, *web.Server) {
		a, srv, _ := opsServer(t, st, nil)
		mon := standby.New(st.Pool(), standbyPool, 5*time.Second, quiet)
		srv.UseStandby(store.New(standbyPool), mon)
		mon.Check(ctx)
		return a, srv
	}
	pool := func(url string) *pgxpool.Pool {
		p, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	primaryPage := serveApp(t, st, nil).client().get(path)
	if primaryPage.status != 200 {
		t.Fatalf("public page: %d", primaryPage.status)
	}

	// A standby with the same data (here: the same database through its own pool).
	a, _ := serveWith(pool(st.Pool().Config().ConnString()))
	p := a.client().get(path)
	if p.status != 200 || p.header.Get("X-Pingyi-Database") != "standby" || p.body != primaryPage.body {
		t.Fatalf("from the standby: %d %q", p.status, p.header.Get("X-Pingyi-Database"))
	}
	if p := a.client().get("/gk/t/1"); p.status != 200 || p.header.Get("X-Pingyi-Database") != "standby" {
		t.Fatalf("三公开 from the standby: %d %q", p.status, p.header.Get("X-Pingyi-Database"))
	}
	// Staff pages never go to the standby.
	if p := a.client().get("/login"); p.header.Get("X-Pingyi-Database") != "" {
		t.Fatal("a staff page went through the standby dispatch")
	}

	// A standby that has not replayed the publication yet: the primary answers.
	empty := pgtest.Store(t)
	a, _ = serveWith(empty.Pool())
	p = a.client().get(path)
	if p.status != 200 || p.header.Get("X-Pingyi-Database") != "primary" || p.header.Get("X-Pingyi-Standby") != "not_found" || p.body != primaryPage.body {
		t.Fatalf("standby without the page: %d %q %q", p.status, p.header.Get("X-Pingyi-Database"), p.header.Get("X-Pingyi-Standby"))
	}
	if p := a.client().get("/p/NOSUCHPAGE"); p.status != 404 {
		t.Fatalf("a page neither has: %d", p.status)
	}

	// A standby that is down: the primary answers and the metrics say why.
	a, _ = serveWith(pool("postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"))
	p = a.client().get(path)
	if p.status != 200 || p.header.Get("X-Pingyi-Database") != "primary" || p.header.Get("X-Pingyi-Standby") != "down" {
		t.Fatalf("standby down: %d %q %q", p.status, p.header.Get("X-Pingyi-Database"), p.header.Get("X-Pingyi-Standby"))
	}
	m := a.client().get("/metrics").body
	for _, want := range []string{`pingyi_standby_fallbacks_total{reason="down"} 1`, `pingyi_public_reads_total{database="primary"} 1`,
		`pingyi_standby_usable 0`, `pingyi_standby_lag_seconds -1`, `pingyi_db_pool_max_connections{pool="standby"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
