// Package pgtest gives each test a fresh, migrated PostgreSQL database. One throwaway
// cluster boots per test binary (or DATABASE_URL's server is used), one template
// database is migrated, and each test gets `CREATE DATABASE ... TEMPLATE` of it.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/pglocal"
	"pingyi/internal/store"
)

var (
	mu       sync.Mutex
	server   *pglocal.Server
	dataDir  string
	adminURL string // a URL to the maintenance database
	template string
	setupErr error
	counter  atomic.Int64
)

// Main wraps testing.M: it runs the tests, removes the throwaway cluster and exits.
// Use it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests, removes the throwaway cluster and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	if template != "" && adminURL != "" {
		dropDatabase(adminURL, template)
	}
	if server != nil {
		server.Stop()
		os.RemoveAll(dataDir)
	}
	mu.Unlock()
	return code
}

// withDatabase replaces the database name in a postgres:// URL.
func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}

func dropDatabase(admin, name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func setup() error {
	ctx := context.Background()
	if env := os.Getenv("DATABASE_URL"); env != "" {
		adminURL = env
	} else {
		dir, err := os.MkdirTemp("", "pingyi-test-pg-")
		if err != nil {
			return err
		}
		dataDir = dir
		srv, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, FsyncOff: true})
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		server = srv
		adminURL = srv.URL("postgres")
	}
	template = fmt.Sprintf("pingyi_tmpl_%d", os.Getpid())
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+template); err != nil {
		return fmt.Errorf("pgtest: create template: %w", err)
	}
	if err := store.Migrate(withDatabase(adminURL, template)); err != nil {
		return err
	}
	return nil
}

// Fail reports err through t: in CI (CI=true) a missing tool fails the test; elsewhere
// the test is skipped with the reason, so `go test` without PostgreSQL still runs the rest.
func Fail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" || os.Getenv("PINGYI_NO_SKIP") == "1" {
		t.Fatalf("pgtest: %v", err)
	}
	t.Skipf("pgtest: %v", err)
}

// URL returns the URL of a fresh database copied from the migrated template. The
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// EmptyURL returns the URL of a fresh database with no schema at all.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "template0")
}

func newDatabase(t testing.TB, from string) string {
	t.Helper()
	mu.Lock()
	if server == nil && adminURL == "" && setupErr == nil {
		setupErr = setup()
	}
	err := setupErr
	mu.Unlock()
	if err != nil {
		Fail(t, err)
	}
	name := fmt.Sprintf("pingyi_t%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if from == "" {
		from = template // known only after setup
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+from); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(adminURL, name) })
	return withDatabase(adminURL, name)
}

// Store returns a store over a fresh database, closed when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	dsn := URL(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	st := store.New(pool)
	t.Cleanup(st.Close)
	return st
}
