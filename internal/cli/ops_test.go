package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"pingyi/internal/pgtest"
)

// TestOpsCommandsRefuseBadInput: bad flags get one Chinese line and exit 2.
func TestOpsCommandsRefuseBadInput(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"seed-demo", "-townships", "0"}, map[string]string{"DATABASE_URL": "postgres://x/y"}, "-townships 须为 1 到 20"},
		{[]string{"seed-demo", "-townships", "21"}, map[string]string{"DATABASE_URL": "postgres://x/y"}, "-townships 须为 1 到 20"},
		{[]string{"backup"}, nil, "未设置 DATABASE_URL"},
		{[]string{"restore", "-database", "postgres://x/y"}, nil, "须提供 -i 备份文件"},
	} {
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"pingyi"}, tc.args...), env(tc.env), nil, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestBackupAndRestoreCommands: a backup restores into an empty database, and a second
// restore into the same (now full) database is refused with the reason.
func TestBackupAndRestoreCommands(t *testing.T) {
	ctx := context.Background()
	archive := filepath.Join(t.TempDir(), "pingyi.dump")
	var out, errb bytes.Buffer
	src := pgtest.URL(t)
	if code := Run(ctx, []string{"pingyi", "backup", "-o", archive}, env(map[string]string{"DATABASE_URL": src}), nil, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "已备份 0 个乡镇") || !strings.Contains(out.String(), "SHA-256") {
		t.Fatalf("backup: %d %q %q", code, out.String(), errb.String())
	}
	dst := pgtest.EmptyURL(t)
	out.Reset()
	if code := Run(ctx, []string{"pingyi", "restore", "-i", archive, "-database", dst}, env(nil), nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "已恢复") {
		t.Fatalf("restore: %d %q %q", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := Run(ctx, []string{"pingyi", "restore", "-i", archive, "-database", dst}, env(nil), nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "目标数据库不是空的") {
		t.Fatalf("restore over data: %d %q", code, errb.String())
	}
}
