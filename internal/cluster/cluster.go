// Package cluster runs a county's meeting day on this machine's loopback, on the parts a
// county deployment runs on: a PostgreSQL primary, a streaming standby made with
// pg_basebackup, PgBouncer in transaction pooling mode in front of the primary, and two
// replicas of the real `pingyi serve` binary behind a client-side balancer (each phone
// tries the other replica when its own does not answer).
//
// Twenty townships (`pingyi seed-demo -townships 20`) vote at once: each township's office
// opens its round over HTTP (the key sheets come back in the page), 2,000 raters cast
// through the HTTP ballot path while visitors read the public pages (which the replicas
// send to the standby) and one replica is killed with SIGKILL; then each office ends its
// vote, opens its box with two scrutineers' shares and publishes. The run checks every
// acknowledged ballot is stored and counted exactly once, that public pages came from the
// standby, and that no ballot code reached a log; then it pauses the standby's replay past
// the maximum lag and stops it, and checks the public pages go to the primary meanwhile.
// With Options.Backup it also backs the county up and restores it.
package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/pglocal"
	"pingyi/internal/store"
)

// Options are the run's knobs.
type Options struct {
	// Binary is the pingyi executable: it seeds the county and serves as both replicas.
	Binary string
	// Townships voting at once (default 20, at most demo.MaxTownships) and raters in all
	// (default 2,000, shared evenly).
	Townships, Raters int
	// Clients are phones casting at once (default 64); Visitors read public pages at once
	// meanwhile (default 8).
	Clients, Visitors int
	// Ports are loopback ports the run may use for PgBouncer and the two replicas; the
	// first free ones are taken (default 8185–8199).
	Ports []int
	// Durable keeps fsync on, as in production (the figures); the small test in
	// `make test` turns it off.
	Durable bool
	// NoKill keeps both replicas alive (to compare figures).
	NoKill bool
	// Direct connects the replicas to the primary without PgBouncer (to see what it costs).
	Direct bool
	// Backup, after the day, backs the county's database up and restores it into a new
	// database, and reports the archive's size and the times.
	Backup bool
	// Log receives progress; nil discards it.
	Log io.Writer
}

// Result is what the run found and measured.
type Result struct {
	Townships, Codes              int
	Acknowledged, Stored          int
	Counted                       int // ballots in the count of every subject, summed over rounds
	Lost, Doubled, GaveUp         int
	Miscounted                    int // subjects whose tally is not the round's ballots
	MissingOnPublicPage           int // acknowledged receipts not listed on their 公示 page
	Published                     int
	Failovers                     int
	Killed                        bool
	CodesInLogs                   int
	PublicFromStandby             int
	PublicFromPrimary             int
	PublicErrors                  int
	StandbyReadsMetric            float64
	BallotsPerSecond              float64
	CastP99, PublicP95, PublicP50 time.Duration
	Voting                        time.Duration
	// With Options.Backup: the archive's size, the time to write and to restore it, and
	// whether the restored copy holds the same ballots and results.
	BackupSize              int64
	BackupTook, RestoreTook time.Duration
	RestoredSame, BackedUp  bool
	// LagFallback and DownFallback: with the standby's replay paused past the maximum lag,
	// and with the standby stopped, the public pages came from the primary (and, once it
	// caught up, from the standby again).
	LagFallback, DownFallback bool
}

// Line is the summary `make cluster-test` prints last.
func (r Result) Line() string {
	share := 0.0
	if n := r.PublicFromStandby + r.PublicFromPrimary; n > 0 {
		share = 100 * float64(r.PublicFromStandby) / float64(n)
	}
	return fmt.Sprintf("cluster: townships=%d ballots=%d acknowledged=%d stored=%d counted=%d lost=%d doubled=%d ballots/s=%.0f p99=%dms public_p95=%dms standby_share=%.0f%%",
		r.Townships, r.Codes, r.Acknowledged, r.Stored, r.Counted, r.Lost, r.Doubled, r.BallotsPerSecond,
		r.CastP99.Milliseconds(), r.PublicP95.Milliseconds(), share)
}

// Problems lists what went wrong; empty means the run proved what it set out to.
func (r Result) Problems() []string {
	var p []string
	add := func(ok bool, format string, args ...any) {
		if !ok {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(r.Acknowledged == r.Codes, "%d of %d raters got no receipt (%d gave up)", r.Codes-r.Acknowledged, r.Codes, r.GaveUp)
	add(r.Stored == r.Acknowledged, "%d ballots stored for %d receipts", r.Stored, r.Acknowledged)
	add(r.Lost == 0, "%d acknowledged ballots lost", r.Lost)
	add(r.Doubled == 0, "%d ballots doubled", r.Doubled)
	add(r.Miscounted == 0, "%d subjects counted a different number of ballots than their round holds", r.Miscounted)
	add(r.MissingOnPublicPage == 0, "%d receipts missing from their 公示 page", r.MissingOnPublicPage)
	add(r.Published == r.Townships, "%d of %d townships published", r.Published, r.Townships)
	add(r.CodesInLogs == 0, "%d ballot codes found in the replicas' logs", r.CodesInLogs)
	add(r.PublicFromStandby > 0 && r.PublicFromStandby >= r.PublicFromPrimary, "public pages: %d from the standby, %d from the primary", r.PublicFromStandby, r.PublicFromPrimary)
	add(r.StandbyReadsMetric > 0, "the surviving replica's metrics count no public page read from the standby")
	add(r.PublicErrors == 0, "%d public page requests failed", r.PublicErrors)
	add(!r.BackedUp || r.RestoredSame, "the restored copy of the county differs from the original")
	add(r.LagFallback, "with the standby too far behind, a public page did not come from the primary (or not from the standby once it caught up)")
	add(r.DownFallback, "with the standby stopped, a public page did not come from the primary")
	return p
}

func (o *Options) defaults() {
	o.Townships = cmp.Or(o.Townships, 20)
	o.Raters = cmp.Or(o.Raters, 2000)
	o.Clients = cmp.Or(o.Clients, 64)
	o.Visitors = cmp.Or(o.Visitors, 8)
	if len(o.Ports) == 0 {
		for p := 8185; p <= 8199; p++ {
			o.Ports = append(o.Ports, p)
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Run boots the cluster, runs the meeting day and tears everything down.
func Run(ctx context.Context, opt Options) (Result, error) {
	opt.defaults()
	res := Result{Townships: opt.Townships}
	logf := func(format string, args ...any) { fmt.Fprintf(opt.Log, "cluster: "+format+"\n", args...) }
	if opt.Binary == "" {
		return res, errors.New("cluster: no pingyi binary")
	}
	ports, err := freePorts(opt.Ports, 3)
	if err != nil {
		return res, err
	}
	c, err := boot(ctx, opt, ports, logf)
	if err != nil {
		return res, err
	}
	defer c.stop()
	c.direct = opt.Direct

	start := time.Now()
	if err := c.seed(ctx, opt.Townships); err != nil {
		return res, err
	}
	logf("seeded %d townships in %.1fs", opt.Townships, time.Since(start).Seconds())
	towns, err := c.prepare(ctx, opt.Townships, opt.Raters)
	if err != nil {
		return res, fmt.Errorf("prepare rounds: %w", err)
	}
	for _, t := range towns {
		res.Codes += len(t.codes)
	}
	for i, name := range []string{"a", "b"} {
		a, err := startApp(ctx, opt.Binary, name, ports[1+i], c.appEnv(), filepath.Join(c.dir, "app-"+name+".log"))
		if err != nil {
			return res, err
		}
		c.apps = append(c.apps, a)
	}
	logf("replicas %s and %s over PgBouncer %s; standby %s", c.apps[0].base, c.apps[1].base, c.bouncerAddr, c.standby.SocketDir())
	bases := []string{c.apps[0].base, c.apps[1].base}

	// Each township's office opens its round: the key sheets come back once, in the page.
	for i := range towns {
		t := &towns[i]
		t.office = newClient(bases, i%2)
		if err := t.office.login(ctx, t.officeUser); err != nil {
			return res, fmt.Errorf("%s: %w", t.name, err)
		}
		if t.shares, err = t.office.openRound(ctx, t.round); err != nil {
			return res, fmt.Errorf("%s: open: %w", t.name, err)
		}
	}
	logf("%d rounds open; %d raters vote with %d phones at once, %d visitors read public pages", len(towns), res.Codes, opt.Clients, opt.Visitors)

	// Visitors read the public pages that exist (小漩乡's published round and 三公开) while
	// the county votes.
	public, err := c.publicPages(ctx, bases)
	if err != nil {
		return res, err
	}
	visitCtx, stopVisitors := context.WithCancel(ctx)
	vs := &visits{}
	var vwg sync.WaitGroup
	for v := 0; v < opt.Visitors; v++ {
		vwg.Add(1)
		go func() {
			defer vwg.Done()
			vs.run(visitCtx, newClient(bases, v%2), public, v)
		}()
	}

	// Phones: every code is one rater; all townships at once, in a shuffled order.
	type job struct {
		town int
		code string
	}
	var jobs []job
	for i, t := range towns {
		for _, code := range t.codes {
			jobs = append(jobs, job{i, code})
		}
	}
	rand.New(rand.NewPCG(13, 13)).Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	outcomes := make([]castOutcome, len(jobs))
	var next, acked atomic.Int64
	var pwg sync.WaitGroup
	voteStart := time.Now()
	killAt := int64(len(jobs) * 2 / 5)
	var killOnce sync.Once
	for w := 0; w < opt.Clients; w++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				outcomes[i] = phoneVote(ctx, newClient(bases, i%2), jobs[i].code, i)
				if outcomes[i].err == nil && acked.Add(1) >= killAt && !opt.NoKill {
					killOnce.Do(func() {
						logf("SIGKILL replica a after %d acknowledged ballots", acked.Load())
						c.apps[0].kill()
						res.Killed = true
					})
				}
			}
		}()
	}
	pwg.Wait()
	res.Voting = time.Since(voteStart)
	stopVisitors()
	vwg.Wait()

	var castTimes []time.Duration
	receipts := make([]map[string]bool, len(towns))
	for i := range receipts {
		receipts[i] = map[string]bool{}
	}
	for i, o := range outcomes {
		res.Failovers += o.failovers
		if o.err != nil {
			res.GaveUp++
			logf("a rater gave up: %v", o.err)
			continue
		}
		res.Acknowledged++
		castTimes = append(castTimes, o.took)
		t := jobs[i].town
		if receipts[t][o.receipt] {
			res.Doubled++ // two raters were given one receipt
		}
		receipts[t][o.receipt] = true
	}
	res.BallotsPerSecond = float64(res.Acknowledged) / res.Voting.Seconds()
	res.CastP99 = percentile(castTimes, 0.99)
	res.PublicP95, res.PublicP50 = percentile(vs.took, 0.95), percentile(vs.took, 0.50)
	res.PublicFromStandby, res.PublicFromPrimary, res.PublicErrors = vs.standby, vs.primary, vs.errors
	logf("voting took %.1fs: %d acknowledged, %.0f ballots/s, p99 %dms; public pages p50 %dms p95 %dms (%d from the standby, %d from the primary %v); %d requests failed over",
		res.Voting.Seconds(), res.Acknowledged, res.BallotsPerSecond, res.CastP99.Milliseconds(), res.PublicP50.Milliseconds(), res.PublicP95.Milliseconds(),
		vs.standby, vs.primary, vs.skipped, res.Failovers)

	// Each office ends its vote, opens the box with two shares and publishes.
	for i := range towns {
		t := &towns[i]
		if err := t.office.closeAndPublish(ctx, t.round, t.shares); err != nil {
			return res, fmt.Errorf("%s: %w", t.name, err)
		}
		res.Published++
	}
	logf("%d rounds counted and published", res.Published)

	if err := c.check(ctx, towns, receipts, &res); err != nil {
		return res, err
	}
	alive := c.apps[1]
	if opt.NoKill {
		alive = c.apps[0]
	}
	if res.StandbyReadsMetric, err = standbyReads(ctx, alive.base); err != nil {
		return res, err
	}
	if err := c.standbyFallbacks(ctx, alive.base, public[0], &res); err != nil {
		return res, fmt.Errorf("standby fallbacks: %w", err)
	}
	logf("standby paused past the maximum lag, then stopped: public pages from the primary (%v, %v)", res.LagFallback, res.DownFallback)
	for _, a := range c.apps {
		a.stop()
	}
	res.CodesInLogs = codesInLogs(towns, c.apps)
	if opt.Backup {
		if err := c.backupAndRestore(ctx, &res); err != nil {
			return res, err
		}
		logf("backup of the county: %.1f MB in %.1fs; restored into an empty database in %.1fs; same ballots and results: %v",
			float64(res.BackupSize)/(1<<20), res.BackupTook.Seconds(), res.RestoreTook.Seconds(), res.RestoredSame)
	}
	return res, nil
}

// town is one township's round on the day.
type town struct {
	id         int64
	name       string
	officeUser string
	round      int64
	codes      []string
	shares     []string
	office     *client
}

// check compares what the raters were told with what the database holds and what the
// public pages show.
func (c *cluster) check(ctx context.Context, towns []town, receipts []map[string]bool, res *Result) error {
	st := store.New(c.pool)
	for i, t := range towns {
		var stored, spent int
		if err := c.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM ballots WHERE round_id = $1), (SELECT count(*) FROM ballot_codes WHERE round_id = $1 AND spent)`,
			t.round).Scan(&stored, &spent); err != nil {
			return err
		}
		res.Stored += stored
		if stored > spent {
			res.Doubled += stored - spent
		}
		got, err := st.Receipts(ctx, t.id, t.round)
		if err != nil {
			return err
		}
		in := map[string]bool{}
		for _, r := range got {
			in[r] = true
		}
		for r := range receipts[i] {
			if !in[r] {
				res.Lost++
			}
		}
		results, err := st.Results(ctx, t.id, t.round)
		if err != nil {
			return err
		}
		// Every subject's tally (every group, abstentions included) holds every ballot.
		for j, sr := range results {
			var n int64
			for _, tally := range sr.Tallies {
				for _, v := range tally {
					n += v
				}
			}
			if n != int64(stored) {
				res.Miscounted++
			}
			if j == 0 {
				res.Counted += int(n)
			}
		}
		round, err := st.Round(ctx, t.id, t.round)
		if err != nil {
			return err
		}
		if round.PublicSlug == nil {
			return fmt.Errorf("%s: published without a public address", t.name)
		}
		body, _, err := t.office.get(ctx, "/p/"+*round.PublicSlug)
		if err != nil {
			return fmt.Errorf("%s: public page: %w", t.name, err)
		}
		for r := range receipts[i] {
			if !strings.Contains(body, r) {
				res.MissingOnPublicPage++
			}
		}
	}
	return nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// freePorts takes the first n ports of the list nobody listens on.
func freePorts(candidates []int, n int) ([]int, error) {
	var out []int
	for _, p := range candidates {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		out = append(out, p)
		if len(out) == n {
			return out, nil
		}
	}
	return nil, fmt.Errorf("cluster: fewer than %d free ports among %v", n, candidates)
}

// cluster is the running parts.
type cluster struct {
	dir, bin         string
	primary, standby *pglocal.Server
	bouncer          *process
	bouncerAddr      string
	pool             *pgxpool.Pool // through PgBouncer
	apps             []*app
	logf             func(string, ...any)
	standbyURL       string
	direct           bool
}

func (c *cluster) bouncerURL() string {
	return "postgres://postgres@" + c.bouncerAddr + "/pingyi?sslmode=disable&default_query_exec_mode=cache_describe"
}

func (c *cluster) appEnv() []string {
	db := c.bouncerURL() + "&pool_max_conns=16"
	if c.direct {
		db = c.primary.URL("pingyi") + "&pool_max_conns=16"
	}
	return []string{
		"DATABASE_URL=" + db,
		"PINGYI_REPLICA_URL=" + c.standbyURL,
		// Short enough that the run can show the fallback when the standby falls behind.
		"PINGYI_REPLICA_MAX_LAG=2s",
		"PINGYI_LOG_FORMAT=json", "PINGYI_LOG_LEVEL=info",
	}
}

func (c *cluster) stop() {
	for _, a := range c.apps {
		a.kill()
	}
	if c.pool != nil {
		c.pool.Close()
	}
	if c.bouncer != nil {
		c.bouncer.stop()
	}
	if c.standby != nil {
		c.standby.Stop()
	}
	if c.primary != nil {
		c.primary.Stop()
	}
	if os.Getenv("PINGYI_CLUSTER_KEEP") == "" {
		os.RemoveAll(c.dir)
	} else {
		c.logf("kept %s", c.dir)
	}
}
