// Package backup takes a whole pingyi database into one pg_dump archive (custom format)
// with a manifest beside it, and restores such an archive into an empty database.
//
// The manifest (<archive>.manifest.json) names the schema version the archive holds and
// its SHA-256. Restore refuses an archive whose checksum does not match (a damaged or
// altered file), one from a newer schema than this binary knows (an older binary would
// misread it), and a target database that is not empty (nothing is ever restored over
// data). An archive from an older schema is restored and then migrated forward.
//
// pg_dump and pg_restore are PostgreSQL's own; the archive is an ordinary custom-format
// dump that pg_restore -l lists and pg_restore restores without pingyi.
package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/pglocal"
	"pingyi/internal/store"
)

// Format names the manifest's layout.
const Format = "pingyi-backup/1"

// Manifest describes one archive.
type Manifest struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion uint      `json:"schema_version"`
	SchemaDirty   bool      `json:"schema_dirty,omitempty"`
	Database      string    `json:"database"`
	ServerVersion string    `json:"server_version"`
	PgDump        string    `json:"pg_dump"`
	File          string    `json:"file"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	Townships     int       `json:"townships"`
	// Took is how long the dump ran.
	Took time.Duration `json:"took_ns"`
}

// Errors Restore refuses with.
var (
	// ErrChecksum means the archive is not the file the manifest describes.
	ErrChecksum = errors.New("backup: the archive does not match its manifest's checksum")
	// ErrNewerSchema means the archive comes from a newer pingyi than this binary.
	ErrNewerSchema = errors.New("backup: the archive's schema is newer than this binary")
	// ErrNotEmpty means the target database already holds tables or other objects.
	ErrNotEmpty = errors.New("backup: the target database is not empty")
	// ErrNoManifest means the archive has no readable manifest beside it.
	ErrNoManifest = errors.New("backup: no manifest beside the archive")
)

// ManifestPath is where an archive's manifest lives.
func ManifestPath(archive string) string { return archive + ".manifest.json" }

// Backup dumps the database at dsn into archive (written to a temporary name first, then
// renamed, so a failed backup never leaves a file that looks whole) and writes its
// manifest. The database may be in use: pg_dump reads one consistent snapshot.
func Backup(ctx context.Context, dsn, archive string) (Manifest, error) {
	m := Manifest{Format: Format, CreatedAt: time.Now().UTC().Truncate(time.Second), File: filepath.Base(archive)}
	conn, err := pgx.Connect(ctx, withoutPool(dsn))
	if err != nil {
		return m, fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(ctx)
	version := func() (uint, bool, error) {
		var v int64
		var dirty bool
		err := conn.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
		return uint(v), dirty, err
	}
	if m.SchemaVersion, m.SchemaDirty, err = version(); err != nil {
		return m, fmt.Errorf("backup: not a pingyi database (no schema version): %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT current_database(), current_setting('server_version'), (SELECT count(*) FROM townships)`).Scan(&m.Database, &m.ServerVersion, &m.Townships); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	pgDump, err := tool("pg_dump")
	if err != nil {
		return m, err
	}
	m.PgDump = toolVersion(pgDump)
	tmp, err := os.CreateTemp(filepath.Dir(archive), "."+filepath.Base(archive)+".part-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	start := time.Now()
	uri, env := libpq(dsn)
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--no-password", "--dbname="+uri)
	cmd.Env = append(os.Environ(), env...)
	h := sha256.New()
	counter := &countWriter{}
	cmd.Stdout = io.MultiWriter(tmp, h, counter)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tmp.Close()
		return m, fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	m.Took = time.Since(start)
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	// A migration between reading the version and the dump's snapshot would make the
	// manifest lie: check again.
	if v, _, err := version(); err != nil || v != m.SchemaVersion {
		return m, fmt.Errorf("backup: the schema changed during the backup (%d → %d, %v): run it again", m.SchemaVersion, v, err)
	}
	m.Size, m.SHA256 = counter.n, hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(tmp.Name(), archive); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := writeJSON(ManifestPath(archive), m); err != nil {
		return m, err
	}
	return m, nil
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	Manifest Manifest
	// MigratedTo is the schema version after migrating an older archive forward; 0 if
	// the archive was current.
	MigratedTo uint
	Took       time.Duration
}

// Restore checks archive against its manifest and this binary, checks the database at
// dsn is empty, and restores into it in one transaction: it either holds the whole
// archive afterwards or nothing.
func Restore(ctx context.Context, dsn, archive string) (RestoreResult, error) {
	var res RestoreResult
	m, err := ReadManifest(archive)
	if err != nil {
		return res, err
	}
	res.Manifest = m
	latest, err := store.LatestVersion()
	if err != nil {
		return res, err
	}
	if m.SchemaVersion > latest {
		return res, fmt.Errorf("%w: the archive holds schema version %d, this binary knows up to %d", ErrNewerSchema, m.SchemaVersion, latest)
	}
	if err := verify(archive, m); err != nil {
		return res, err
	}
	conn, err := pgx.Connect(ctx, withoutPool(dsn))
	if err != nil {
		return res, fmt.Errorf("backup: connect: %w", err)
	}
	var objects int
	err = conn.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%')
		     + (SELECT count(*) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
		        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
		     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))`).Scan(&objects)
	conn.Close(ctx)
	if err != nil {
		return res, fmt.Errorf("backup: inspect the target: %w", err)
	}
	if objects > 0 {
		return res, fmt.Errorf("%w: it holds %d tables, collations or functions", ErrNotEmpty, objects)
	}
	pgRestore, err := tool("pg_restore")
	if err != nil {
		return res, err
	}
	start := time.Now()
	// Roles belong to the cluster, not the archive: the role row-level security restricts
	// (migration 000020) must exist, and be the restoring user's to assume, before the
	// archive's grants and policies name it.
	if err := ensureAppRole(ctx, dsn); err != nil {
		return res, err
	}
	// The archive's default privileges name the role that ran the migrations where it was
	// taken, which may not exist here: they are left out and made again for this user.
	list, err := restoreList(ctx, pgRestore, archive)
	if err != nil {
		return res, err
	}
	defer os.Remove(list)
	uri, env := libpq(dsn)
	cmd := exec.CommandContext(ctx, pgRestore, "--no-owner", "--exit-on-error", "--single-transaction", "--no-password",
		"--use-list="+list, "--dbname="+uri, archive)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return res, fmt.Errorf("backup: pg_restore (nothing was restored): %v: %s", err, strings.TrimSpace(out.String()))
	}
	conn, err = pgx.Connect(ctx, withoutPool(dsn))
	if err != nil {
		return res, fmt.Errorf("backup: restored, but: %w", err)
	}
	// As migration 000020 does for the tables of later migrations.
	_, err = conn.Exec(ctx, `
		ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO `+store.AppRole+`;
		ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO `+store.AppRole)
	if err == nil {
		// pg_restore leaves the statistics empty: plans would be poor until autovacuum ran.
		_, err = conn.Exec(ctx, `ANALYZE`)
	}
	conn.Close(ctx)
	if err != nil {
		return res, fmt.Errorf("backup: restored, but: %w", err)
	}
	if m.SchemaVersion < latest {
		if err := store.Migrate(dsn); err != nil {
			return res, fmt.Errorf("backup: restored, but migrating from version %d failed: %w", m.SchemaVersion, err)
		}
		res.MigratedTo = latest
	}
	res.Took = time.Since(start)
	return res, nil
}

// ensureAppRole creates the role row-level security restricts, unless the cluster has it,
// and grants it to the connecting user, as migration 000020 does.
func ensureAppRole(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, withoutPool(dsn))
	if err != nil {
		return fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		DO $$
		BEGIN
			CREATE ROLE `+store.AppRole+` NOLOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL;
		END $$;
		DO $$
		BEGIN
			EXECUTE format('GRANT `+store.AppRole+` TO %I', current_user);
		EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN NULL;
		END $$`)
	if err != nil {
		return fmt.Errorf("backup: the role %s (the restoring user needs CREATEROLE, or an administrator creates it): %w", store.AppRole, err)
	}
	return nil
}

// restoreList writes the archive's table of contents without its default privileges, for
// pg_restore --use-list, and returns the temporary file's path (the caller removes it).
func restoreList(ctx context.Context, pgRestore, archive string) (string, error) {
	out, err := exec.CommandContext(ctx, pgRestore, "--list", archive).Output()
	if err != nil {
		return "", fmt.Errorf("backup: pg_restore --list: %w", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, " DEFAULT ACL ") {
			continue
		}
		keep = append(keep, line)
	}
	f, err := os.CreateTemp("", "pingyi-restore-*.list")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(keep, "\n")); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return f.Name(), nil
}

// ReadManifest reads an archive's manifest.
func ReadManifest(archive string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(ManifestPath(archive))
	if err != nil {
		return m, fmt.Errorf("%w: %v", ErrNoManifest, err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != Format {
		return m, fmt.Errorf("%w: %s is not a %s manifest", ErrNoManifest, ManifestPath(archive), Format)
	}
	return m, nil
}

// verify compares the archive's size and SHA-256 with the manifest's.
func verify(archive string, m Manifest) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("backup: read the archive: %w", err)
	}
	if n != m.Size || hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return fmt.Errorf("%w (%d bytes, manifest says %d)", ErrChecksum, n, m.Size)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".part"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp, path)
}

// tool finds pg_dump or pg_restore: the newest installed PostgreSQL's (a dump needs a
// pg_dump at least as new as the server), else the one on PATH.
func tool(name string) (string, error) {
	if dir, err := pglocal.BinDir(); err == nil {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("backup: %s not found: install the PostgreSQL client (apt-get install -y postgresql-client)", name)
	}
	return p, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func toolVersion(path string) string {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// libpq turns a pgx URL into one libpq accepts: without pgx's own parameters (pool_*,
// default_query_exec_mode, the cache sizes), and with the password moved into the
// environment, so it never shows in the process list.
func libpq(dsn string) (string, []string) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn, nil
	}
	var env []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") || k == "default_query_exec_mode" || k == "statement_cache_capacity" || k == "description_cache_capacity" {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), env
}

// withoutPool drops pgxpool's own parameters (pool_max_conns, …), which a single
// connection would send to the server as settings.
func withoutPool(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.RawQuery == "" {
		return dsn
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
