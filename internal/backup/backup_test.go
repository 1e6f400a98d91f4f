package backup_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/backup"
	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestBackupRestoreServesTheSamePages backs up the demo township with its closed and
// published rounds, talks, documents and commitments, restores it into a fresh database,
// and has two app instances — one on each database — serve every page a crawl of the
// office's and the public's links reaches: each page, workbook and document must be the
// same.
func TestBackupRestoreServesTheSamePages(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.URL(t)
	src := open(t, srcURL)
	if _, err := demo.Load(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadRounds(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadTalks(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadCommitments(ctx, src, time.Now()); err != nil {
		t.Fatal(err)
	}

	// The audit log is part of the archive: an entry written before the backup must be
	// in the restored copy. (The crawl below skips /audit, which records the crawl's own
	// sign-ins and downloads, different on each instance.)
	if err := src.AddAudit(ctx, store.AuditEntry{TownshipID: ptr(int64(1)), Actor: "备份测试", Action: "person.edit", Route: "POST /people/1", Object: "/people/1", Summary: "恢复前的记录"}); err != nil {
		t.Fatal(err)
	}

	archive := filepath.Join(t.TempDir(), "pingyi.dump")
	m, err := backup.Backup(ctx, srcURL, archive)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := store.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != latest || m.Townships != 1 || m.Size == 0 || len(m.SHA256) != 64 {
		t.Fatalf("manifest %+v", m)
	}
	if got, err := backup.ReadManifest(archive); err != nil || got.SHA256 != m.SHA256 {
		t.Fatalf("manifest on disk: %+v %v", got, err)
	}
	dstURL := pgtest.EmptyURL(t)
	res, err := backup.Restore(ctx, dstURL, archive)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup: %d bytes in %v; restore in %v", m.Size, m.Took.Round(time.Millisecond), res.Took.Round(time.Millisecond))
	dst := open(t, dstURL)
	if err := dst.SchemaCurrent(ctx); err != nil {
		t.Fatalf("restored schema: %v", err)
	}

	if log, n, err := dst.AuditLog(ctx, 1, store.AuditFilter{}, 10, 0); err != nil || n != 1 || log[0].Summary != "恢复前的记录" {
		t.Fatalf("restored audit log: %d entries %+v, %v", n, log, err)
	}

	a, b := serve(t, src), serve(t, dst)
	office := [2]*browser{a.browser(t), b.browser(t)}
	office[0].login(t, "zzb")
	office[1].login(t, "zzb")
	public := [2]*browser{a.browser(t), b.browser(t)}

	// The crawl: the office's pages from the home page, the public's from the published
	// round and the 三公开 index. Each path is fetched from both instances in turn, so
	// pages that draft a document on first view do so in both.
	seeds := []string{"/", "/rounds", "/talks", "/documents", "/commitments", "/people", "/orgs", "/raters"}
	pub := []string{"/gk/t/1"}
	rounds, err := src.Rounds(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rounds {
		if r.PublicSlug != nil {
			pub = append(pub, "/p/"+*r.PublicSlug)
		}
		// Each round's results, print view and workbook come first.
		for _, tail := range []string{"", "/results", "/results/print", "/results.xlsx"} {
			seeds = append(seeds, fmt.Sprintf("/rounds/%d%s", r.ID, tail))
		}
	}
	kinds := map[string]int{}
	compared := 0
	var reached []string
	for _, crawl := range []struct {
		bs    [2]*browser
		start []string
		limit int
	}{{office, seeds, 700}, {public, pub, 150}} {
		bs := crawl.bs
		seen := map[string]bool{}
		queue := append([]string(nil), crawl.start...)
		for n := 0; len(queue) > 0 && n < crawl.limit; {
			path := queue[0]
			queue = queue[1:]
			if seen[path] || skip(path) {
				continue
			}
			seen[path] = true
			pa, pb := bs[0].get(t, path), bs[1].get(t, path)
			compared++
			n++
			reached = append(reached, path)
			if pa.status != pb.status || pa.kind != pb.kind {
				t.Errorf("%s: %d %s from the original, %d %s from the restored copy", path, pa.status, pa.kind, pb.status, pb.kind)
				continue
			}
			if !same(pa, pb) {
				t.Errorf("%s (%s) differs after restore", path, pa.kind)
				continue
			}
			kinds[pa.kind]++
			if pa.kind == "text/html" {
				for _, m := range linkRE.FindAllStringSubmatch(pa.body, -1) {
					queue = append(queue, html.UnescapeString(m[1]))
				}
			}
		}
	}
	t.Logf("compared %d pages and files: %v", compared, kinds)
	for _, k := range []string{"text/html", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image/jpeg"} {
		if kinds[k] == 0 {
			t.Errorf("the crawl reached no %s", k)
		}
	}
	// Every kind of page the issue names was among them.
	for _, want := range []string{`^/rounds/\d+/results$`, `^/rounds/\d+/results\.xlsx$`, `^/talks/\d+$`, `^/documents/\d+$`,
		`^/documents/\d+/docx$`, `^/commitments/\d+$`, `^/people/\d+/dossier$`, `^/p/`, `^/gk/c/\d+$`, `^/gk/c/\d+/report`} {
		re := regexp.MustCompile(want)
		found := false
		for _, p := range reached {
			found = found || re.MatchString(p)
		}
		if !found {
			t.Errorf("the crawl never reached %s", want)
		}
	}
}

// TestRestoreRefuses: a damaged archive, one from a newer schema, a database that is not
// empty, and a missing manifest are each refused, and nothing is written.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.URL(t)
	if _, err := demo.Load(ctx, open(t, srcURL)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "pingyi.dump")
	m, err := backup.Backup(ctx, srcURL, archive)
	if err != nil {
		t.Fatal(err)
	}
	copyWith := func(name string, change func(data []byte, m *backup.Manifest)) string {
		data, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		mm := m
		change(data, &mm)
		p := filepath.Join(dir, name)
		b, err := json.Marshal(mm)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(backup.ManifestPath(p), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	damaged := copyWith("damaged.dump", func(d []byte, _ *backup.Manifest) { d[len(d)/2] ^= 0x20 })
	newer := copyWith("newer.dump", func(_ []byte, m *backup.Manifest) { m.SchemaVersion += 1 })
	orphan := filepath.Join(dir, "orphan.dump")
	if err := os.WriteFile(orphan, []byte("PGDMP"), 0o600); err != nil {
		t.Fatal(err)
	}

	empty := pgtest.EmptyURL(t)
	for _, tc := range []struct {
		name, archive, target string
		want                  error
	}{
		{"damaged", damaged, empty, backup.ErrChecksum},
		{"newer schema", newer, empty, backup.ErrNewerSchema},
		{"no manifest", orphan, empty, backup.ErrNoManifest},
		{"not empty", archive, pgtest.URL(t), backup.ErrNotEmpty},
	} {
		if _, err := backup.Restore(ctx, tc.target, tc.archive); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// The empty database is still empty: every refusal came before pg_restore.
	pool, err := pgxpool.New(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var tables int
	pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables)
	if tables != 0 {
		t.Fatalf("a refused restore left %d tables", tables)
	}
	// And the good archive restores into it.
	if _, err := backup.Restore(ctx, empty, archive); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, dsn string) *store.Store {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return store.New(pool)
}

type instance struct{ url string }

func serve(t *testing.T, st *store.Store) instance {
	t.Helper()
	cfg, _ := config.Load(func(string) string { return "" })
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return instance{ts.URL}
}

type browser struct {
	base string
	c    *http.Client
}

func (i instance) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: i.url, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) login(t *testing.T, user string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/login", strings.NewReader(url.Values{"username": {user}, "password": {demo.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
}

type fetched struct {
	status int
	kind   string
	body   string
}

func (b *browser) get(t *testing.T, path string) fetched {
	t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	kind, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	if loc := resp.Header.Get("Location"); loc != "" {
		body = append(body, "\nLocation: "+loc...)
	}
	return fetched{status: resp.StatusCode, kind: kind, body: string(body)}
}

var linkRE = regexp.MustCompile(`(?:href|src)="(/[^"#]*)"`)

// skip leaves out what is not a page of the data: static files, signing out, and the
// raters' ballot paths.
func skip(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/logout" || strings.HasPrefix(path, "/audit") || strings.HasPrefix(path, "/v/") || path == "/v"
}

// same compares two answers. Office documents are zip files whose members carry the time
// they were written: their members are compared, less the document properties.
func same(a, b fetched) bool {
	if a.body == b.body {
		return true
	}
	za, erra := zip.NewReader(strings.NewReader(a.body), int64(len(a.body)))
	zb, errb := zip.NewReader(strings.NewReader(b.body), int64(len(b.body)))
	if erra != nil || errb != nil || len(za.File) != len(zb.File) {
		return false
	}
	for i, fa := range za.File {
		fb := zb.File[i]
		if fa.Name != fb.Name {
			return false
		}
		if strings.HasPrefix(fa.Name, "docProps/") {
			continue
		}
		if !bytes.Equal(read(fa), read(fb)) {
			return false
		}
	}
	return true
}

func read(f *zip.File) []byte {
	r, err := f.Open()
	if err != nil {
		return nil
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return b
}

func ptr[T any](v T) *T { return &v }
