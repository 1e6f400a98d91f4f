package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// BaseBackup copies a running server into dataDir with pg_basebackup (streaming the WAL
// it needs) and writes the settings that make the copy a streaming standby of it
// (standby.signal and primary_conninfo). Start the copy with Start.
func BaseBackup(ctx context.Context, primary *Server, dataDir string) error {
	bin, err := BinDir()
	if err != nil {
		return err
	}
	cred, err := runAs()
	if err != nil {
		return err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := chownTree(dataDir, cred); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pg_basebackup"), "-h", primary.socketDir, "-p", "5432", "-U", "postgres",
		"-D", dataDir, "-X", "stream", "-c", "fast", "-R")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = []string{"LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_basebackup: %v: %s", err, lastLine(out.String()))
	}
	return nil
}

// Pid is the server process's id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Credential is the user a server-side program (postgres, pgbouncer) must run as: the
// postgres system user when this process is root, nil (this user) otherwise.
func Credential() (*syscall.Credential, error) { return runAs() }
