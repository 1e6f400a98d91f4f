// Package faults casts ballots against the real server and PostgreSQL while they fail:
// the app is killed with SIGKILL and restarted, PostgreSQL is stopped in immediate mode
// and restarted, and a proxy between them drops the replies of committed transactions.
// Raters retry as a phone would. Afterwards every acknowledged ballot must be in the box
// exactly once, no code may be spent without its ballot, and each retry after a lost
// reply must have got its original receipt.
package faults

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/pglocal"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// Options are the harness's knobs.
type Options struct {
	Casts   int // ballots to cast (default 2,000)
	Clients int // raters casting at once (default 32)
	// Binary is the pingyi executable to run as the app; it is killed and restarted.
	Binary string
	// AppKills and DBRestarts are how many times each fault strikes (default 2 each);
	// DropRate is the share of COMMIT replies the proxy drops (default 3%).
	AppKills   int
	DBRestarts int
	DropRate   float64
	Log        io.Writer // progress; nil discards it
}

// Result is what the run found.
type Result struct {
	Casts, Acknowledged, Stored      int
	Doubled, SpentWithoutBallot      int
	Lost                             int
	RetriedAfterFailure, DroppedAcks int
	AppKills, DBRestarts             int
	Wrong                            int // opened ballots that are not what their rater cast
}

// Line is the one-line summary `make faults` prints.
func (r Result) Line() string {
	return fmt.Sprintf("faults: casts=%d acknowledged=%d stored=%d doubled=%d spent_without_ballot=%d lost=%d",
		r.Casts, r.Acknowledged, r.Stored, r.Doubled, r.SpentWithoutBallot, r.Lost)
}

// OK reports whether nothing was lost, doubled or altered.
func (r Result) OK() bool {
	return r.Acknowledged == r.Casts && r.Stored == r.Acknowledged && r.Doubled == 0 && r.SpentWithoutBallot == 0 && r.Lost == 0 && r.Wrong == 0
}

// Run sets up a cluster, the app and a round, casts under faults and checks the box.
func Run(ctx context.Context, opt Options) (Result, error) {
	opt.Casts = cmp.Or(opt.Casts, 2000)
	opt.Clients = cmp.Or(opt.Clients, 32)
	opt.AppKills = cmp.Or(opt.AppKills, 2)
	opt.DBRestarts = cmp.Or(opt.DBRestarts, 2)
	opt.DropRate = cmp.Or(opt.DropRate, 0.03)
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(opt.Log, format+"\n", args...) }
	res := Result{Casts: opt.Casts}

	dir, err := os.MkdirTemp("", "pingyi-faults-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	// As root PostgreSQL runs as postgres, which must enter the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return res, err
	}
	socketDir := filepath.Join(dir, "s")
	if err := os.Mkdir(socketDir, 0o777); err != nil {
		return res, err
	}
	if err := os.Chmod(socketDir, 0o777); err != nil {
		return res, err
	}
	pgOpt := pglocal.Options{DataDir: filepath.Join(dir, "data"), SocketDir: socketDir}
	pg, err := pglocal.Start(ctx, pgOpt)
	if err != nil {
		return res, err
	}
	var pgMu sync.Mutex
	defer func() {
		pgMu.Lock()
		pg.Stop()
		pgMu.Unlock()
	}()
	direct := pg.URL("postgres")
	if err := store.Migrate(direct); err != nil {
		return res, err
	}
	pool, err := pgxpool.New(ctx, direct)
	if err != nil {
		return res, err
	}
	st := store.New(pool)
	defer st.Close()
	if _, err := demo.Load(ctx, st); err != nil {
		return res, err
	}
	roundID, shares, codes, err := setUp(ctx, st, opt.Casts)
	if err != nil {
		return res, fmt.Errorf("set up: %w", err)
	}

	px, err := newProxy(func() string { return filepath.Join(socketDir, ".s.PGSQL.5432") }, opt.DropRate)
	if err != nil {
		return res, err
	}
	defer px.close()
	app, err := startApp(ctx, opt.Binary, "postgres://postgres@"+px.addr()+"/postgres?sslmode=disable&pool_max_conns=16", filepath.Join(dir, "app.log"))
	if err != nil {
		return res, err
	}
	defer func() { app.kill() }()
	logf("faults: %d casts by %d raters; app %s, PostgreSQL %s, proxy %s", opt.Casts, opt.Clients, app.addr, socketDir, px.addr())

	// Raters: each code is one phone, retrying until it has a receipt.
	type outcome struct {
		receipt string
		levels  []uint8
		retried bool
		err     error
	}
	outcomes := make([]outcome, len(codes))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: opt.Clients}
	runCtx, stopRaters := context.WithCancel(ctx)
	defer stopRaters()
	px.dropping.Store(true)
	for w := 0; w < opt.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(codes) {
					return
				}
				o := &outcomes[i]
				o.receipt, o.levels, o.retried, o.err = phoneVote(runCtx, transport, app.base(), codes[i], i)
				done.Add(1)
			}
		}()
	}

	// Faults, spread over the run as ballots come in.
	faultErr := make(chan error, 1)
	go func() {
		total := opt.AppKills + opt.DBRestarts
		for k := 0; k < total; k++ {
			target := int64(len(codes) * (k + 1) / (total + 1))
			for done.Load() < target {
				select {
				case <-runCtx.Done():
					faultErr <- nil
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
			if k%2 == 0 && res.AppKills < opt.AppKills || res.DBRestarts >= opt.DBRestarts {
				logf("faults: SIGKILL the app after %d ballots", done.Load())
				app.kill()
				time.Sleep(200 * time.Millisecond)
				if err := app.restart(ctx); err != nil {
					faultErr <- err
					return
				}
				res.AppKills++
			} else {
				logf("faults: stop PostgreSQL (immediate) after %d ballots", done.Load())
				pgMu.Lock()
				err := pg.StopImmediate()
				if err == nil {
					time.Sleep(200 * time.Millisecond)
					pg, err = pglocal.Start(ctx, pgOpt)
				}
				pgMu.Unlock()
				if err != nil {
					faultErr <- fmt.Errorf("restart PostgreSQL: %w", err)
					return
				}
				res.DBRestarts++
			}
		}
		faultErr <- nil
	}()
	wg.Wait()
	px.dropping.Store(false)
	stopRaters()
	if err := <-faultErr; err != nil {
		return res, err
	}
	res.DroppedAcks = int(px.dropped.Load())

	// Count what was acknowledged against what was stored.
	expected := map[string][]uint8{}
	for _, o := range outcomes {
		if o.err != nil {
			logf("faults: a rater gave up: %v", o.err)
			continue
		}
		res.Acknowledged++
		if o.retried {
			res.RetriedAfterFailure++
		}
		if _, dup := expected[o.receipt]; dup {
			res.Doubled++ // two phones were given one receipt
		}
		expected[o.receipt] = o.levels
	}
	// The pool's connections died with PostgreSQL's restarts: use a fresh one.
	pool.Close()
	pgMu.Lock()
	direct = pg.URL("postgres")
	pgMu.Unlock()
	if pool, err = pgxpool.New(ctx, direct); err != nil {
		return res, err
	}
	st = store.New(pool)
	defer st.Close()
	var spent int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM ballots WHERE round_id = $1), (SELECT count(*) FROM ballot_codes WHERE round_id = $1 AND spent)`,
		roundID).Scan(&res.Stored, &spent); err != nil {
		return res, err
	}
	if res.Stored > spent {
		res.Doubled += res.Stored - spent
	}
	if spent > res.Stored {
		res.SpentWithoutBallot = spent - res.Stored
	}
	receipts, err := st.Receipts(ctx, 1, roundID)
	if err != nil {
		return res, err
	}
	stored := map[string]bool{}
	for _, r := range receipts {
		stored[r] = true
	}
	for r := range expected {
		if !stored[r] {
			res.Lost++
		}
	}
	// Open the box: every ballot holds exactly what its rater cast under that receipt,
	// so a retry's receipt is the original ballot's.
	if err := st.EndVoting(ctx, 1, roundID); err != nil {
		return res, err
	}
	round, err := st.Round(ctx, 1, roundID)
	if err != nil {
		return res, err
	}
	opener, err := round.Key().Open(shares[:2])
	if err != nil {
		return res, err
	}
	box, err := st.SealedBallots(ctx, 1, roundID)
	if err != nil {
		return res, err
	}
	for _, sb := range box {
		b, err := opener.Open(roundID, sb.Receipt, sb.Enc, sb.Sealed)
		want, ok := expected[sb.Receipt]
		if err != nil || !ok || len(b.Marks) != len(want) {
			res.Wrong++
			continue
		}
		for i, m := range b.Marks {
			if m.Choice != rules.Choice(want[i]) {
				res.Wrong++
				break
			}
		}
	}
	logf("faults: app killed %d×, PostgreSQL restarted %d×, %d commit replies dropped, %d raters retried after a failure, %d opened ballots not as cast",
		res.AppKills, res.DBRestarts, res.DroppedAcks, res.RetriedAfterFailure, res.Wrong)
	return res, nil
}

// setUp makes an open round of ten subjects with enough codes and returns its shares.
func setUp(ctx context.Context, st *store.Store, n int) (int64, []ballotbox.Share, []string, error) {
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		return 0, nil, nil, err
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		return 0, nil, nil, err
	}
	groups := map[int64]string{}
	var public int64
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		if c.Name == "群众代表" {
			public = c.ID
		}
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "故障演练", Year: 2026, Kind: "special", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		return 0, nil, nil, err
	}
	subs, err := st.RoundSubjects(ctx, town.ID, id)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: s.Name + "述职。"}); err != nil {
			return 0, nil, nil, err
		}
	}
	for left := n; left > 0; left -= 2000 {
		if err := st.GenerateCodes(ctx, town.ID, id, public, min(left, 2000)); err != nil {
			return 0, nil, nil, err
		}
	}
	shares, err := voting.OpenRound(ctx, st, town.ID, id, "faults")
	if err != nil {
		return 0, nil, nil, err
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		return 0, nil, nil, err
	}
	codes := make([]string, 0, len(slips))
	for _, s := range slips {
		codes = append(codes, s.Code)
	}
	return id, shares, codes, nil
}

var radioRE = regexp.MustCompile(`name="s(\d+)" value="1"`)

// phoneVote is one rater's phone: scan the slip, load the ballot, cast it; on any failure
// try again (the same phone, the same cookie) until a receipt comes back.
func phoneVote(ctx context.Context, transport http.RoundTripper, base func() string, code string, seed int) (string, []uint8, bool, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: transport, Jar: jar, Timeout: 15 * time.Second}
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	var form url.Values
	var levels []uint8
	retried := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			retried = true
			select {
			case <-ctx.Done():
				return "", nil, retried, ctx.Err()
			case <-time.After(min(50*time.Millisecond<<min(attempt, 6), 2*time.Second)):
			}
		}
		if attempt > 300 {
			return "", nil, retried, errors.New("no receipt after 300 attempts")
		}
		if form == nil {
			resp, err := client.Get(base() + "/v/" + code)
			if err != nil {
				continue
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				continue
			}
			ids := radioRE.FindAllStringSubmatch(string(page), -1)
			if len(ids) == 0 {
				continue
			}
			form = url.Values{"step": {"cast"}}
			for _, m := range ids {
				l := uint8(1 + rng.IntN(5))
				levels = append(levels, l)
				form.Set("s"+m[1], strconv.Itoa(int(l)))
			}
			levels = sortedBySubject(ids, levels)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base()+"/v/ballot", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if m := receiptRE.FindSubmatch(body); m != nil {
				return string(m[1]), levels, retried, nil
			}
		}
		if resp.StatusCode == http.StatusGone {
			return "", nil, retried, fmt.Errorf("code %s refused as used on retry", code)
		}
	}
}

var receiptRE = regexp.MustCompile(`data-testid="receipt">([0-9A-Z]+)<`)

// sortedBySubject orders the levels as the sealed ballot does: by subject id.
func sortedBySubject(ids [][]string, levels []uint8) []uint8 {
	type pair struct {
		id    int64
		level uint8
	}
	ps := make([]pair, len(ids))
	for i, m := range ids {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ps[i] = pair{id, levels[i]}
	}
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].id < ps[j-1].id; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	out := make([]uint8, len(ps))
	for i, p := range ps {
		out[i] = p.level
	}
	return out
}

// app is the pingyi server as a child process.
type app struct {
	binary, dsn, logPath, addr string
	mu                         sync.Mutex
	cmd                        *exec.Cmd
}

func startApp(ctx context.Context, binary, dsn, logPath string) (*app, error) {
	if binary == "" {
		return nil, errors.New("faults: no pingyi binary to run")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	a := &app{binary: binary, dsn: dsn, logPath: logPath, addr: addr}
	return a, a.restart(ctx)
}

func (a *app) base() func() string { return func() string { return "http://" + a.addr } }

func (a *app) restart(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	logFile, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(a.binary, "serve")
	cmd.Env = []string{"DATABASE_URL=" + a.dsn, "PINGYI_ADDR=" + a.addr, "PINGYI_LOG_LEVEL=warn", "PATH=/usr/bin:/bin"}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	a.cmd = cmd
	go cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + a.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(a.logPath)
	return fmt.Errorf("faults: the app did not come up: %s", lastLines(string(b)))
}

func (a *app) kill() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd != nil && a.cmd.Process != nil {
		a.cmd.Process.Signal(syscall.SIGKILL)
	}
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-3):], " | ")
}
