// Package cli holds pingyi's subcommands. main calls Run; tests call it too.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"pingyi/internal/bench"
	"pingyi/internal/config"
	"pingyi/internal/faults"
	"pingyi/internal/rulescli"
	"pingyi/internal/store"
)

const usage = `用法: pingyi <命令> [参数]

命令:
  dev          本地一键运行: 无 DATABASE_URL 时启动项目内 PostgreSQL,迁移,首次载入演示乡镇,然后提供服务
  serve        提供 Web 服务(要求数据库结构为最新)
  migrate      执行数据库迁移
  create-user  创建员工账号: create-user -township 乡镇 [-county 县(乡镇尚不存在时)] -username 账号 -name 姓名 -role office|leader|secretary [-village 村名]
               县级账号(只读全县): create-user -role county -county 县 -username 账号 -name 姓名
  create-township 新建乡镇: create-township -county 县 -name 乡镇
  seed-demo    载入演示乡镇(已有则跳过);-townships N 另建同县 N−1 个乡镇(名册、测评人、账号、已公示的 2025 年度评议)和县级账号 xian.zzb
  backup       备份整个数据库: backup [-o 文件] [-database 地址](pg_dump 自定义格式,旁附清单:结构版本、SHA-256)
  restore      恢复到空数据库: restore -i 文件 [-database 地址](校验和不符、结构版本较新、目标非空均拒绝)
  clean-data   删除 make run 的本地数据库
  bench        压测投票链路(本机回环),末行输出 ballots: app=… reference=… ratio=… p99=…
  faults       故障演练:杀进程、停数据库、丢回复下投票,末行输出 faults: casts=… lost=…
  cluster      全县同日评议演练:主库、流复制备库、PgBouncer、两个应用副本(中途杀掉一个),末行输出 cluster: … ballots/s=… p99=… public_p95=…
  rules        试算: 从标准输入读取场景 JSON,向标准输出写出结果 JSON
`

// Run dispatches one subcommand and returns the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[1], args[2:]
	if cmd == "rules" {
		return rulescli.Run(stdin, stdout, stderr)
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "migrate":
		return migrateCmd(cfg, stdout, stderr)
	case "serve":
		return serveCmd(ctx, cfg, log, stdout, stderr)
	case "dev":
		return devCmd(ctx, cfg, log, stdout, stderr)
	case "create-user":
		return createUserCmd(ctx, cfg, rest, stdin, stdout, stderr)
	case "create-township":
		return createTownshipCmd(ctx, cfg, rest, stdout, stderr)
	case "clean-data":
		return cleanDataCmd(cfg, stdout, stderr)
	case "seed-demo":
		return seedDemoCmd(ctx, cfg, rest, stdout, stderr)
	case "faults":
		return faultsCmd(ctx, rest, stdout, stderr)
	case "cluster":
		return clusterCmd(ctx, rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, cfg, rest, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, cfg, rest, stdout, stderr)
	case "bench":
		if err := bench.Run(ctx, cfg.DatabaseURL, bench.Options{}, stdout); err != nil {
			fmt.Fprintln(stderr, "pingyi bench:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "pingyi: 未知命令 %q\n\n%s", cmd, usage)
	return 2
}

// faultsCmd runs the fault harness with this binary as the app it kills and restarts.
func faultsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	casts := fs.Int("casts", 2000, "ballots to cast")
	clients := fs.Int("clients", 32, "raters casting at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	bin, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "pingyi faults:", err)
		return 1
	}
	res, err := faults.Run(ctx, faults.Options{Casts: *casts, Clients: *clients, Binary: bin, Log: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "pingyi faults:", err)
		return 1
	}
	fmt.Fprintln(stdout, res.Line())
	if !res.OK() {
		return 1
	}
	return 0
}

// newLogger logs as text for people or as JSON for a log pipeline (PINGYI_LOG_FORMAT).
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opt := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

func needDatabase(cfg config.Config, stderr io.Writer) bool {
	if cfg.DatabaseURL == "" {
		fmt.Fprintln(stderr, "pingyi: 未设置 DATABASE_URL(例如 postgres://user:pass@host:5432/pingyi);本地试用请运行 `make run`")
		return false
	}
	return true
}

func migrateCmd(cfg config.Config, stdout, stderr io.Writer) int {
	if !needDatabase(cfg, stderr) {
		return 2
	}
	if err := store.Migrate(cfg.DatabaseURL); err != nil {
		fmt.Fprintln(stderr, "pingyi migrate:", err)
		return 1
	}
	v, _ := store.LatestVersion()
	fmt.Fprintf(stdout, "数据库结构已是最新(版本 %d)\n", v)
	return 0
}
