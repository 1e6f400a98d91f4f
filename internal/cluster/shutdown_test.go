package cluster_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/demo"
	"pingyi/internal/pglocal"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// TestShutdownFinishesCast: SIGTERM arrives while a ballot is being cast (held inside
// the database by a lock the test owns). The server turns unready, stops accepting, and
// still finishes the cast: the phone gets its receipt, the ballot is stored, and the
// process exits cleanly.
func TestShutdownFinishesCast(t *testing.T) {
	if _, err := pglocal.BinDir(); err != nil {
		pgtest.Fail(t, err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pingyi-shutdown-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // postgres (as root: another user) enters it
		t.Fatal(err)
	}
	pg, err := pglocal.Start(ctx, pglocal.Options{DataDir: filepath.Join(dir, "data"), FsyncOff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	dsn := pg.URL("postgres")
	if err := store.Migrate(dsn); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	roundID, code := openRound(t, st)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(dir, "app.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	app := exec.Command(binary, "serve")
	app.Env = []string{"DATABASE_URL=" + dsn, "PINGYI_ADDR=" + addr, "PINGYI_LOG_FORMAT=json", "PINGYI_SHUTDOWN_DELAY=300ms", "PATH=/usr/bin:/bin"}
	app.Stdout, app.Stderr = logFile, logFile
	app.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer app.Process.Kill()
	base := "http://" + addr
	waitFor(t, "the server to be ready", func() bool { return status(base+"/readyz") == http.StatusOK })

	// The phone scans its code and loads the ballot.
	jar, _ := cookiejar.New(nil)
	phone := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := phone.Get(base + "/v/" + code)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"step": {"cast"}}
	for _, m := range regexp.MustCompile(`name="s(\d+)" value="1"`).FindAllStringSubmatch(string(page), -1) {
		form.Set("s"+m[1], "1")
	}
	if len(form) < 2 {
		t.Fatalf("no ballot: %d %s", resp.StatusCode, page)
	}

	// Hold the round's ballot lock, so the cast waits inside the database.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, store.BallotLockClass, int32(roundID)); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	cast := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/v/ballot", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := phone.Do(req)
		if err != nil {
			cast <- answer{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cast <- answer{status: resp.StatusCode, body: string(b), err: err}
	}()
	waitFor(t, "the cast to wait for the ballot lock", func() bool {
		var n int
		pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n)
		return n > 0
	})

	if err := app.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: not ready, still alive; then no longer accepting.
	waitFor(t, "/readyz to answer 503", func() bool { return status(base+"/readyz") == http.StatusServiceUnavailable })
	if status(base+"/healthz") != http.StatusOK {
		t.Error("/healthz should stay 200 while draining")
	}
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	select {
	case err := <-exited:
		t.Fatalf("the server exited with a cast in flight: %v", err)
	default:
	}

	// Let the cast go on: it finishes, the phone gets its receipt, the server exits.
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	a := <-cast
	m := regexp.MustCompile(`data-testid="receipt">([0-9A-Z]+)<`).FindStringSubmatch(a.body)
	if a.err != nil || a.status != http.StatusOK || m == nil {
		t.Fatalf("cast in flight during SIGTERM: %d %v", a.status, a.err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit after its last request")
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ballots WHERE round_id = $1 AND receipt = $2`, roundID, m[1]).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("the ballot of receipt %s: %d stored (%v)", m[1], stored, err)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "every request in flight finished") {
		t.Errorf("log does not say the shutdown was clean:\n%s", log)
	}
}

// openRound is the test's one use of the round API: a round of level-1 subjects, open,
// with one code.
func openRound(t *testing.T, st *store.Store) (int64, string) {
	t.Helper()
	ctx := context.Background()
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "停机测试", Year: 2026, Kind: "special", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.RoundSubjects(ctx, town.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: s.Name + "述职。"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.GenerateCodes(ctx, town.ID, id, cats[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.OpenRound(ctx, st, town.ID, id, "测试"); err != nil {
		t.Fatal(err)
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil || len(slips) != 1 {
		t.Fatalf("slips: %v %v", slips, err)
	}
	return id, slips[0].Code
}

func status(u string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls a condition every 10 ms for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
