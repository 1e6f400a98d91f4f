// Package bench measures the voting path end to end: a load generator of N concurrent
// raters against the real server on loopback, and pgbench running a reference
// transaction (spend a code, insert a ballot, insert its 30 choices, commit) on its
// own tables in the same PostgreSQL at the same concurrency and durability.
package bench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pglocal"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
	"pingyi/internal/web"
)

// Options are the bench's knobs.
type Options struct {
	Raters   int           // concurrent raters (default 64)
	Duration time.Duration // how long each load runs (default 10s)
	Subjects int           // subjects on the ballot (default 30)
	// ResultSubjects and ResultBallots size the closed round whose results page is timed
	// (default 100 subjects, 2,000 ballots).
	ResultSubjects, ResultBallots int
}

// Run boots (or uses DATABASE_URL's) PostgreSQL, runs both loads and the results-page
// timing, and prints the figures; its last line is the summary line.
func Run(ctx context.Context, databaseURL string, opt Options, out io.Writer) error {
	opt.Raters = cmp.Or(opt.Raters, 64)
	opt.Duration = cmp.Or(opt.Duration, 10*time.Second)
	opt.Subjects = cmp.Or(opt.Subjects, 30)
	opt.ResultSubjects = cmp.Or(opt.ResultSubjects, 100)
	opt.ResultBallots = cmp.Or(opt.ResultBallots, 2000)
	bin, err := pglocal.BinDir()
	if err != nil {
		return err
	}
	adminURL := databaseURL
	if adminURL == "" {
		dir, err := os.MkdirTemp("", "pingyi-bench-pg-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// Durable settings (fsync on), as in production: both loads pay the same.
		pg, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir})
		if err != nil {
			return err
		}
		defer pg.Stop()
		adminURL = pg.URL("postgres")
	}
	dbURL, err := freshDatabase(ctx, adminURL, fmt.Sprintf("pingyi_bench_%d", os.Getpid()))
	if err != nil {
		return err
	}
	if err := store.Migrate(dbURL); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := demo.Load(ctx, st); err != nil {
		return err
	}

	if path := os.Getenv("PINGYI_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "bench: %d raters, %d subjects, %s per load, PostgreSQL with fsync on\n", opt.Raters, opt.Subjects, opt.Duration)
	app, p50, p95, p99, err := appLoad(ctx, st, opt, out)
	if err != nil {
		return fmt.Errorf("app load: %w", err)
	}
	ref, err := referenceLoad(ctx, bin, dbURL, opt, out)
	if err != nil {
		return fmt.Errorf("reference load: %w", err)
	}
	if err := resultsPage(ctx, st, opt, out); err != nil {
		return fmt.Errorf("results page: %w", err)
	}
	fmt.Fprintf(out, "submit latency: p50=%.1fms p95=%.1fms p99=%.1fms\n", ms(p50), ms(p95), ms(p99))
	fmt.Fprintf(out, "ballots: app=%.0f/s reference=%.0f/s ratio=%.2f p99=%.0fms\n", app, ref, app/ref, ms(p99))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func freshDatabase(ctx context.Context, adminURL, name string) (string, error) {
	st, err := store.Open(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, err := st.Pool().Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := st.Pool().Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	return u.String(), nil
}

// benchRound makes an open round with n subjects and codes codes for the public, and
// returns the scrutineers' shares.
func benchRound(ctx context.Context, st *store.Store, subjects, codes int) (int64, []ballotbox.Share, error) {
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		return 0, nil, err
	}
	orgs, _ := st.AllOrganisations(ctx, town.ID)
	var gov int64
	for _, o := range orgs {
		if o.Kind == store.KindGovernment {
			gov = o.ID
		}
	}
	people, _ := st.AllPeople(ctx, town.ID)
	for i := len(people); i < subjects; i++ {
		if _, err := st.SavePerson(ctx, town.ID, 0, store.PersonInput{Name: fmt.Sprintf("测试干部%03d", i), Position: "干事", OrganisationID: gov, Level: 2, Active: true}); err != nil {
			return 0, nil, err
		}
	}
	cats, _ := st.RaterCategories(ctx, town.ID)
	groups := map[int64]string{}
	var public, peer int64
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		switch c.Name {
		case "群众代表":
			public = c.ID
		case "党委委员":
			peer = c.ID
		}
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: fmt.Sprintf("压测 %d 人", subjects), Year: 2025, Kind: "special",
		Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: demo.Scrutineers, KeyThreshold: 2})
	if err != nil {
		return 0, nil, err
	}
	people, _ = st.AllPeople(ctx, town.ID)
	for _, p := range people[:subjects] {
		if err := st.AddSubject(ctx, town.ID, id, "p", p.ID); err != nil {
			return 0, nil, err
		}
	}
	subs, _ := st.RoundSubjects(ctx, town.ID, id)
	for _, s := range subs {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: s.Name + "述职:" + strings.Repeat("认真履行岗位职责,完成年度目标任务。", 8)}); err != nil {
			return 0, nil, err
		}
	}
	for left := codes; left > 0; left -= 2000 {
		if err := st.GenerateCodes(ctx, town.ID, id, public, min(left, 2000)); err != nil {
			return 0, nil, err
		}
	}
	if err := st.GenerateCodes(ctx, town.ID, id, peer, 10); err != nil {
		return 0, nil, err
	}
	shares, err := voting.OpenRound(ctx, st, town.ID, id, "bench")
	return id, shares, err
}

// parsedBallot is a ballot page and the names of its subjects' fields.
type parsedBallot struct {
	page   []byte
	fields []string
}

var radioRE = regexp.MustCompile(`name="(s\d+)" value="1"`)

func appLoad(ctx context.Context, st *store.Store, opt Options, out io.Writer) (float64, time.Duration, time.Duration, time.Duration, error) {
	// Enough codes for the run: a generous upper bound on ballots per second.
	codes := opt.Raters * 300
	id, _, err := benchRound(ctx, st, opt.Subjects, codes)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	town, _ := st.TownshipByName(ctx, demo.Township)
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	cfg, _ := config.Load(func(string) string { return "" })
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, 0, 0, err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	var next atomic.Int64
	var done atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	deadline := time.Now().Add(opt.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	// The harness reads each ballot page as a phone would, but finds its fields only when
	// the page differs from the one it last parsed: every rater here gets the same blank
	// ballot, and a regular expression over 40 KB a ballot would be this process's CPU
	// taken from the app it measures.
	var parsed atomic.Pointer[parsedBallot]
	transport := &http.Transport{MaxIdleConnsPerHost: opt.Raters, MaxConnsPerHost: opt.Raters}
	for w := 0; w < opt.Raters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Transport: transport, Jar: jar, Timeout: 30 * time.Second}
			var mine []time.Duration
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(slips) || slips[i].Category != "群众代表" {
					if i >= len(slips) {
						break
					}
					continue
				}
				code := slips[i].Code
				resp, err := client.Get(base + "/v/" + code)
				if err != nil {
					setErr(&mu, &firstErr, err)
					return
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				pb := parsed.Load()
				if pb == nil || !bytes.Equal(pb.page, page) {
					pb = &parsedBallot{page: page}
					for _, m := range radioRE.FindAllStringSubmatch(string(page), -1) {
						pb.fields = append(pb.fields, m[1])
					}
					parsed.Store(pb)
				}
				if len(pb.fields) != opt.Subjects {
					setErr(&mu, &firstErr, fmt.Errorf("ballot page with %d subjects, want %d", len(pb.fields), opt.Subjects))
					return
				}
				form := url.Values{"step": {"cast"}}
				for k, f := range pb.fields {
					form.Set(f, strconv.Itoa(1+(k+i)%4))
				}
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodPost, base+"/v/ballot", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err = client.Do(req)
				if err != nil {
					setErr(&mu, &firstErr, err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="receipt"`) {
					setErr(&mu, &firstErr, fmt.Errorf("submit %d", resp.StatusCode))
					return
				}
				mine = append(mine, time.Since(t0))
				done.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, 0, 0, 0, firstErr
	}
	if len(lat) == 0 {
		return 0, 0, 0, 0, fmt.Errorf("no ballot was cast")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	rate := float64(done.Load()) / elapsed.Seconds()
	fmt.Fprintf(out, "app: %d ballots in %.1fs = %.0f ballots/s (GET ballot + POST cast per rater)\n", done.Load(), elapsed.Seconds(), rate)
	return rate, q(0.50), q(0.95), q(0.99), nil
}

func setErr(mu *sync.Mutex, dst *error, err error) {
	mu.Lock()
	defer mu.Unlock()
	if *dst == nil {
		*dst = err
	}
}

const referenceSchema = `
DROP TABLE IF EXISTS ref_choices, ref_ballots, ref_codes;
CREATE TABLE ref_codes (id bigint PRIMARY KEY, used boolean NOT NULL DEFAULT false);
INSERT INTO ref_codes (id) SELECT generate_series(1, 1000000);
CREATE TABLE ref_ballots (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, receipt text NOT NULL);
CREATE TABLE ref_choices (ballot_id bigint NOT NULL REFERENCES ref_ballots, subject_id bigint NOT NULL, choice smallint NOT NULL,
                          PRIMARY KEY (ballot_id, subject_id));
`

const referenceScript = `\set cid random(1, 1000000)
BEGIN;
UPDATE ref_codes SET used = true WHERE id = :cid;
INSERT INTO ref_ballots (receipt) VALUES (md5(random()::text)) RETURNING id AS bid \gset
INSERT INTO ref_choices (ballot_id, subject_id, choice) SELECT :bid, g, 1 + g %% 4 FROM generate_series(1, %d) g;
COMMIT;
`

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func referenceLoad(ctx context.Context, bin, dbURL string, opt Options, out io.Writer) (float64, error) {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	_, err = st.Pool().Exec(ctx, referenceSchema)
	if err == nil {
		_, err = st.Pool().Exec(ctx, "VACUUM ANALYZE ref_codes")
	}
	st.Close()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "pingyi-pgbench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "ballot.sql")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(referenceScript, opt.Subjects)), 0o644); err != nil {
		return 0, err
	}
	u, _ := url.Parse(dbURL)
	args := []string{"-n", "-c", strconv.Itoa(opt.Raters), "-j", "2", "-T", strconv.Itoa(int(opt.Duration.Seconds())), "-f", script,
		"-h", u.Query().Get("host"), "-p", u.Query().Get("port"), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/")}
	if u.Host != "" {
		args[len(args)-6] = u.Hostname()
		if u.Port() != "" {
			args[len(args)-4] = u.Port()
		} else {
			args[len(args)-4] = "5432"
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pgbench"), args...)
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw)
	}
	res, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, res)
	}
	m := tpsRE.FindSubmatch(res)
	if m == nil {
		return 0, fmt.Errorf("pgbench output without tps: %s", res)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	fmt.Fprintf(out, "reference (pgbench -c %d -j 2, spend code + ballot + %d choices per transaction): %.0f tps\n", opt.Raters, opt.Subjects, tps)
	return tps, nil
}

// resultsPage times opening the box of a round of 100 subjects and 2,000 ballots, and then
// its results page.
func resultsPage(ctx context.Context, st *store.Store, opt Options, out io.Writer) error {
	id, shares, err := benchRound(ctx, st, opt.ResultSubjects, opt.ResultBallots)
	if err != nil {
		return err
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		return err
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		return err
	}
	subs, err := st.RoundSubjects(ctx, town.ID, id)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	var castErr error
	var mu sync.Mutex
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(slips) {
					return
				}
				if slips[i].Category != "群众代表" {
					continue
				}
				marks := make([]ballotbox.Mark, len(subs))
				for k, s := range subs {
					marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(1 + (i+k)%5)}
				}
				ci, err := st.Code(ctx, slips[i].Code)
				if err == nil {
					_, err = voting.Cast(ctx, st, slips[i].Code, ci, voting.NewToken(), marks)
				}
				if err != nil {
					setErr(&mu, &castErr, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if castErr != nil {
		return castErr
	}
	if err := st.EndVoting(ctx, town.ID, id); err != nil {
		return err
	}
	round, err := st.Round(ctx, town.ID, id)
	if err != nil {
		return err
	}
	t0 := time.Now()
	count, err := voting.Open(ctx, st, round, shares[1:])
	opened := time.Since(t0)
	if err != nil {
		return err
	}
	if err := st.CountRound(ctx, town.ID, id, count, "bench"); err != nil {
		return err
	}
	fmt.Fprintf(out, "box: opened and tallied %d ballots × %d subjects in %.0fms; with the results written %.0fms\n",
		count.Ballots, len(subs), ms(opened), ms(time.Since(t0)))
	cfg, _ := config.Load(func(string) string { return "" })
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"username": {"zzb"}, "password": {demo.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	var lat []time.Duration
	size := 0
	for i := 0; i < 200; i++ {
		t0 := time.Now()
		resp, err := client.Get(fmt.Sprintf("%s/rounds/%d/results", base, id))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("results page status %d", resp.StatusCode)
		}
		size = len(b)
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(out, "results page (%d subjects, %d ballots, %d bytes): p50=%.1fms p95=%.1fms over 200 requests\n",
		len(subs), count.Ballots, size, ms(lat[100]), ms(lat[190]))
	return nil
}
