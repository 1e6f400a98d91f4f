package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/demo"
	"pingyi/internal/pglocal"
	"pingyi/internal/store"
)

// boot starts the primary, the standby copied from it, and PgBouncer in front of the
// primary, and migrates the database.
func boot(ctx context.Context, opt Options, ports []int, logf func(string, ...any)) (*cluster, error) {
	dir, err := os.MkdirTemp("", "pingyi-cluster-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, logf: logf, bin: opt.Binary, bouncerAddr: "127.0.0.1:" + strconv.Itoa(ports[0])}
	fail := func(err error) (*cluster, error) {
		c.stop()
		return nil, err
	}
	// As root PostgreSQL and PgBouncer run as postgres, which must enter the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	sockets := map[string]string{}
	for _, name := range []string{"p", "s"} {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o777); err != nil {
			return fail(err)
		}
		if err := os.Chmod(d, 0o777); err != nil {
			return fail(err)
		}
		sockets[name] = d
	}
	pgLog, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return fail(err)
	}
	defer pgLog.Close()
	c.primary, err = pglocal.Start(ctx, pglocal.Options{DataDir: filepath.Join(dir, "primary"), SocketDir: sockets["p"], FsyncOff: !opt.Durable, Log: pgLog,
		Settings: []string{"wal_level=replica", "max_wal_senders=4"}})
	if err != nil {
		return fail(fmt.Errorf("primary: %w", err))
	}
	if err := createDatabase(ctx, c.primary.URL("postgres"), "pingyi"); err != nil {
		return fail(err)
	}
	// Migrations go straight to the primary: the migrator holds a session-level lock,
	// which transaction pooling cannot keep.
	if err := store.Migrate(c.primary.URL("pingyi")); err != nil {
		return fail(err)
	}
	t := time.Now()
	if err := pglocal.BaseBackup(ctx, c.primary, filepath.Join(dir, "standby")); err != nil {
		return fail(err)
	}
	c.standby, err = pglocal.Start(ctx, pglocal.Options{DataDir: filepath.Join(dir, "standby"), SocketDir: sockets["s"], FsyncOff: !opt.Durable, Log: pgLog,
		Settings: []string{"hot_standby=on"}})
	if err != nil {
		return fail(fmt.Errorf("standby: %w", err))
	}
	c.standbyURL = c.standby.URL("pingyi")
	logf("primary and streaming standby up (base backup and start %.1fs)", time.Since(t).Seconds())
	if c.bouncer, err = startBouncer(ctx, dir, sockets["p"], ports[0]); err != nil {
		return fail(err)
	}
	// The harness itself goes through PgBouncer as the app does.
	for deadline := time.Now().Add(15 * time.Second); ; {
		if c.pool, err = pgxpool.New(ctx, c.bouncerURL()+"&pool_max_conns=8"); err == nil {
			if err = c.pool.Ping(ctx); err == nil {
				break
			}
			c.pool.Close()
			c.pool = nil
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("PgBouncer: %w (%s)", err, lastLines(filepath.Join(dir, "pgbouncer.log"))))
		}
		time.Sleep(50 * time.Millisecond)
	}
	var recovering bool
	if sc, err := pgx.Connect(ctx, c.standbyURL); err == nil {
		err = sc.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovering)
		sc.Close(ctx)
		if err != nil || !recovering {
			return fail(fmt.Errorf("the standby is not in recovery (%v)", err))
		}
	} else {
		return fail(fmt.Errorf("standby: %w", err))
	}
	logf("PgBouncer (transaction pooling) on %s", c.bouncerAddr)
	return c, nil
}

func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// startBouncer runs PgBouncer in transaction pooling mode on 127.0.0.1:port, in front of
// the primary's unix socket.
func startBouncer(ctx context.Context, dir, primarySocket string, port int) (*process, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"} {
			if _, err2 := os.Stat(p); err2 == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		return nil, errors.New("未找到 pgbouncer:请安装 Debian 的 pgbouncer 软件包(apt-get install -y pgbouncer)")
	}
	cred, err := pglocal.Credential()
	if err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(`[databases]
pingyi = host=%s port=5432 dbname=pingyi

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
admin_users = postgres
logfile = %s
log_connections = 0
log_disconnections = 0
`, primarySocket, port, filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.log"))
	files := map[string]string{"pgbouncer.ini": ini, "userlist.txt": `"postgres" ""` + "\n", "pgbouncer.log": ""}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return nil, err
		}
		if cred != nil {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgbouncer: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	select {
	case <-p.done:
		return nil, fmt.Errorf("pgbouncer exited at once: %s %s", out.String(), lastLines(filepath.Join(dir, "pgbouncer.log")))
	case <-time.After(100 * time.Millisecond):
	}
	return p, nil
}

// process is a child we stop with SIGINT (PgBouncer's safe shutdown) and wait for.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// seed runs `pingyi seed-demo -townships n` through PgBouncer, as an operator would.
func (c *cluster) seed(ctx context.Context, n int) error {
	cmd := exec.CommandContext(ctx, c.bin, "seed-demo", "-townships", strconv.Itoa(n))
	cmd.Env = []string{"DATABASE_URL=" + c.bouncerURL(), "PATH=/usr/bin:/bin", "PINGYI_LOG_LEVEL=warn"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("seed-demo -townships %d: %v: %s", n, err, out)
	}
	return nil
}

// prepare sets up each township's round of the day through the store (the one place the
// harness uses the store's round API): every subject of the four levels with a report,
// and perTown codes split among the rater categories as the roster is.
func (c *cluster) prepare(ctx context.Context, n, raters int) ([]town, error) {
	st := store.New(c.pool)
	names := []string{demo.Township}
	users := []string{"zzb"}
	for _, ct := range demo.CountyTownships[:n-1] {
		names = append(names, ct.Name)
		users = append(users, ct.Slug+".zzb")
	}
	var towns []town
	for i, name := range names {
		t, err := st.TownshipByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		perTown := raters / n
		if i < raters%n {
			perTown++
		}
		round, codes, err := meetingRound(ctx, st, t.ID, perTown)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		towns = append(towns, town{id: t.ID, name: name, officeUser: users[i], round: round, codes: codes})
	}
	return towns, nil
}

// meetingRound is the county meeting's round for one township.
func meetingRound(ctx context.Context, st *store.Store, tid int64, codes int) (int64, []string, error) {
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		return 0, nil, err
	}
	groups := map[int64]string{}
	roster := 0
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		roster += c.RaterCount
	}
	id, err := st.CreateRound(ctx, tid, store.RoundInput{Title: "2026 年度述职评议(全县同日)", Year: 2026, Kind: "year_end",
		Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1, 2, 3, 4}, People: true, Organisations: true})
	if err != nil {
		return 0, nil, err
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		return 0, nil, err
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, tid, s.ID, store.ReportInput{Text: s.Name + "2026 年度述职报告。"}); err != nil {
			return 0, nil, err
		}
	}
	// Codes follow the roster, with a floor of ten per category: a group below the
	// round's minimum of valid votes is never counted, and every ballot should be.
	per := map[int64]int{}
	left := codes
	for _, c := range cats {
		if c.RaterCount > 0 && left >= 10 {
			per[c.ID] = 10
			left -= 10
		}
	}
	rest := left
	for i, c := range cats {
		k := rest * c.RaterCount / max(roster, 1)
		if i == len(cats)-1 {
			k = left
		}
		k = min(k, left)
		per[c.ID] += k
		left -= k
	}
	for _, c := range cats {
		if per[c.ID] > 0 {
			if err := st.GenerateCodes(ctx, tid, id, c.ID, per[c.ID]); err != nil {
				return 0, nil, err
			}
		}
	}
	slips, err := st.Slips(ctx, tid, id, 0)
	if err != nil {
		return 0, nil, err
	}
	out := make([]string, 0, len(slips))
	for _, s := range slips {
		out = append(out, s.Code)
	}
	return id, out, nil
}

func lastLines(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-3):], " | ")
}
