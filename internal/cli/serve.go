package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/lan"
	"pingyi/internal/pglocal"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

func serveCmd(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	if !needDatabase(cfg, stderr) {
		return 2
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi serve:", err)
		return 1
	}
	defer st.Close()
	// One plain query, no migrator lock: DATABASE_URL may lead through PgBouncer.
	if err := st.SchemaCurrent(ctx); err != nil {
		if errors.Is(err, store.ErrStaleSchema) {
			fmt.Fprintf(stderr, "pingyi serve: 数据库结构不是最新(%v)。请先运行 `pingyi migrate`(本地开发可用 `make run`,会自动迁移)。\n", err)
			return 1
		}
		fmt.Fprintln(stderr, "pingyi serve:", err)
		return 1
	}
	return serve(ctx, cfg, log, st, stdout, stderr, nil)
}

// serve runs the HTTP server until ctx is cancelled, then shuts down gracefully: /readyz
// turns 503, the server keeps answering for PINGYI_SHUTDOWN_DELAY, stops accepting, and
// waits up to PINGYI_SHUTDOWN_TIMEOUT for requests in flight (a ballot being cast) to
// finish. ready, if not nil, is called once the listener is open.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, stdout, stderr io.Writer, ready func()) int {
	srv := web.New(log, st, cfg)
	defer srv.Close()
	stopOps, err := startOps(cfg, log, st, srv)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi:", err)
		return 1
	}
	defer stopOps()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "pingyi: 无法监听 %s: %v(端口被占用?可设置 PINGYI_ADDR)\n", cfg.Addr, err)
		return 1
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving", "addr", cfg.Addr)
	if ready != nil {
		ready()
	}
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "pingyi:", err)
		return 1
	case <-ctx.Done():
	}
	srv.Drain()
	log.Info("shutting down", "delay_ms", cfg.ShutdownDelay.Milliseconds(), "timeout_ms", cfg.ShutdownTimeout.Milliseconds())
	if cfg.ShutdownDelay > 0 {
		// The load balancer sees /readyz fail and stops sending; until then we answer.
		time.Sleep(cfg.ShutdownDelay)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		log.Warn("shutdown: requests still in flight were cut off", "err", err)
	} else {
		log.Info("shut down: every request in flight finished")
	}
	fmt.Fprintln(stdout, "已停止 Web 服务。")
	return 0
}

// devCmd is `make run`: with no DATABASE_URL it boots a project-local PostgreSQL,
// migrates, loads the demo township once and serves.
func devCmd(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	fail := func(msg string, err error) int {
		fmt.Fprintf(stderr, "pingyi: %s:%v\n", msg, err)
		return 1
	}
	if cfg.DatabaseURL == "" {
		dir, moved, err := pglocal.DataDir(cfg.DataDir)
		if err != nil {
			return fail("无法确定本地数据库的位置", err)
		}
		if moved {
			fmt.Fprintf(stdout, "项目所在文件夹 postgres 用户无法进入(以 root 运行时 PostgreSQL 以 postgres 用户运行),本地数据库改放在 %s。\n", dir)
		}
		fmt.Fprintf(stdout, "启动项目内 PostgreSQL(数据目录 %s)…\n", dir)
		logPath := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log")
		logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			logFile = nil
		}
		pg, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Log: logFile, BinDir: cfg.PGBin})
		if err != nil {
			if errors.Is(err, pglocal.ErrNoBinaries) {
				fmt.Fprintln(stderr, "pingyi:", err)
				return 1
			}
			return fail("本地 PostgreSQL 未能启动", err)
		}
		defer func() {
			if err := pg.Stop(); err != nil {
				fmt.Fprintln(stderr, "pingyi: 停止 PostgreSQL 时出错:", err)
			} else {
				fmt.Fprintln(stdout, "已停止 PostgreSQL。")
			}
		}()
		if err := ensureDatabase(ctx, pg.URL("postgres"), "pingyi"); err != nil {
			return fail("无法在本地 PostgreSQL 中创建数据库 pingyi", err)
		}
		cfg.DatabaseURL = pg.URL("pingyi")
	}
	if err := store.Migrate(cfg.DatabaseURL); err != nil {
		return fail("数据库迁移失败(请检查 DATABASE_URL 是否可连接、账号是否有建表权限)", err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fail("无法连接数据库(请检查 DATABASE_URL)", err)
	}
	defer st.Close()
	loaded, err := demo.Load(ctx, st)
	if err != nil {
		return fail("载入演示乡镇失败", err)
	}
	if loaded {
		if _, err := demo.LoadRounds(ctx, st); err != nil {
			return fail("载入演示评议失败", err)
		}
		// Talk records, documents and follow-ups after the results (internal/demo/talks.go).
		if _, err := demo.LoadTalks(ctx, st); err != nil {
			fmt.Fprintln(stderr, "pingyi dev: 载入演示谈话:", err)
			return 1
		}
		fmt.Fprintf(stdout, "已载入演示乡镇「%s」(含已公示的 2024 年度评议和待开始的 2025 年度评议)。\n", demo.Township)
		// Year-end assessment history 2022–2024 (考核, 三争创).
		f, _, err := demo.LoadScoring(ctx, st)
		if err != nil {
			fmt.Fprintln(stderr, "pingyi dev: 载入演示考核:", err)
			return 1
		}
		fmt.Fprintf(stdout, "已载入 2022–2024 年度考核:%s 两年两优(次年工资上浮10%%),%s 因 6 月提醒谈话未评一优,%s 三年三优。\n", f.PayRise, f.Reminder, f.ThreeYears)
	}
	// Commitments join the demo township also when it was loaded before they existed.
	if added, err := demo.LoadCommitments(ctx, st, time.Now()); err != nil {
		fmt.Fprintln(stderr, "pingyi dev: 载入演示承诺:", err)
		return 1
	} else if added {
		fmt.Fprintln(stdout, "已载入演示承诺(各村和乡党委的年度承诺、践诺进展和领导点评)。")
	}
	// Last year's village commitments and their mass evaluation (评诺), published.
	if added, err := demo.LoadPledges(ctx, st, time.Now()); err != nil {
		fmt.Fprintln(stderr, "pingyi dev: 载入演示评诺:", err)
		return 1
	} else if added {
		fmt.Fprintln(stdout, "已载入上一年度各村承诺及其群众评议(评诺)结果,已公示。")
	}
	return serve(ctx, cfg, log, st, stdout, stderr, func() {
		fmt.Fprintf(stdout, "\n评议系统已启动: http://%s\n\n演示账号(密码均为 %s):\n", cfg.Addr, demo.Password)
		for _, a := range demo.Accounts {
			fmt.Fprintf(stdout, "  %-10s %s(%s)\n", a.Username, a.Name, a.Note)
		}
		printPhoneAccess(stdout, cfg, lan.Addresses())
		fmt.Fprintln(stdout, "\n按 Ctrl-C 停止。")
	})
}

// cleanDataCmd removes `make run`'s local cluster, wherever DataDir put it.
func cleanDataCmd(cfg config.Config, stdout, stderr io.Writer) int {
	dir, _, err := pglocal.DataDir(cfg.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi: 无法确定本地数据库的位置:", err)
		return 1
	}
	for _, p := range []string{dir, filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log")} {
		if err := os.RemoveAll(p); err != nil {
			fmt.Fprintf(stderr, "pingyi: 无法删除 %s:%v\n", p, err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "已删除本地数据库 %s。\n", dir)
	return 0
}

// ensureDatabase creates the database if it does not exist.
func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}
