// Package cli holds pingyi's subcommands. main calls Run; tests call it too.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"pingyi/internal/bench"
	"pingyi/internal/config"
	"pingyi/internal/rulescli"
	"pingyi/internal/store"
)

const usage = `用法: pingyi <命令> [参数]

命令:
  dev          本地一键运行: 无 DATABASE_URL 时启动项目内 PostgreSQL,迁移,首次载入演示乡镇,然后提供服务
  serve        提供 Web 服务(要求数据库结构为最新)
  migrate      执行数据库迁移
  create-user  创建员工账号: create-user -township 乡镇 -username 账号 -name 姓名 -role office|leader|secretary [-village 村名]
  seed-demo    载入演示乡镇(已有则跳过)
  clean-data   删除 make run 的本地数据库
  bench        压测投票链路(本机回环),末行输出 ballots: app=… reference=… ratio=… p99=…
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
	case "clean-data":
		return cleanDataCmd(cfg, stdout, stderr)
	case "seed-demo":
		return seedDemoCmd(ctx, cfg, stdout, stderr)
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

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
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
