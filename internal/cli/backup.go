package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"pingyi/internal/backup"
	"pingyi/internal/config"
)

// backupCmd dumps the database into one archive with its manifest. It needs a direct
// connection (not PgBouncer in transaction pooling): -database, or DATABASE_URL.
func backupCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "pingyi-"+time.Now().Format("20060102-150405")+".dump", "备份文件(清单写在旁边的 <文件>.manifest.json)")
	dsn := fs.String("database", cfg.DatabaseURL, "数据库地址(直连 PostgreSQL,不经 PgBouncer);默认 DATABASE_URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dsn == "" {
		fmt.Fprintln(stderr, "pingyi backup: 未设置 DATABASE_URL(或 -database)")
		return 2
	}
	m, err := backup.Backup(ctx, *dsn, *out)
	if err != nil {
		fmt.Fprintln(stderr, "pingyi backup:", err)
		return 1
	}
	if m.SchemaDirty {
		fmt.Fprintf(stderr, "pingyi backup: 注意:数据库结构版本 %d 标记为未完成(上次迁移中途失败)\n", m.SchemaVersion)
	}
	fmt.Fprintf(stdout, "已备份 %d 个乡镇到 %s(%s,结构版本 %d,用时 %.1f 秒)\nSHA-256 %s\n清单 %s\n",
		m.Townships, *out, sizeText(m.Size), m.SchemaVersion, m.Took.Seconds(), m.SHA256, backup.ManifestPath(*out))
	return 0
}

// restoreCmd restores an archive into an empty database.
func restoreCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "备份文件(旁边须有 <文件>.manifest.json)")
	dsn := fs.String("database", cfg.DatabaseURL, "恢复到的空数据库(直连 PostgreSQL);默认 DATABASE_URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *in == "" || *dsn == "" {
		fmt.Fprintln(stderr, "pingyi restore: 须提供 -i 备份文件,以及 -database(或 DATABASE_URL)指向一个新建的空数据库,例如:\n  createdb pingyi_restored && pingyi restore -i pingyi-20261228.dump -database postgres://…/pingyi_restored")
		return 2
	}
	res, err := backup.Restore(ctx, *dsn, *in)
	switch {
	case errors.Is(err, backup.ErrNotEmpty):
		fmt.Fprintf(stderr, "pingyi restore: 目标数据库不是空的,未做任何改动(%v)。请新建一个空数据库再恢复,不会覆盖现有数据。\n", err)
		return 1
	case errors.Is(err, backup.ErrNewerSchema):
		fmt.Fprintf(stderr, "pingyi restore: 备份来自较新版本的 pingyi,未做任何改动(%v)。请用不低于备份时的版本恢复。\n", err)
		return 1
	case errors.Is(err, backup.ErrChecksum):
		fmt.Fprintf(stderr, "pingyi restore: 备份文件与清单的校验和不符(文件损坏或被改动),未做任何改动(%v)。\n", err)
		return 1
	case errors.Is(err, backup.ErrNoManifest):
		fmt.Fprintf(stderr, "pingyi restore: 找不到备份清单 %s(%v)。\n", backup.ManifestPath(*in), err)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "pingyi restore:", err)
		return 1
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "已恢复 %s(%s,%d 个乡镇,备份于 %s,用时 %.1f 秒)\n", *in, sizeText(m.Size), m.Townships,
		m.CreatedAt.Local().Format("2006-01-02 15:04"), res.Took.Seconds())
	if res.MigratedTo > 0 {
		fmt.Fprintf(stdout, "数据库结构已从版本 %d 升级到 %d。\n", m.SchemaVersion, res.MigratedTo)
	}
	return 0
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}
