package store

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"pingyi/migrations"
)

// ErrStaleSchema means the database is behind (or ahead of) the migrations this binary has.
var ErrStaleSchema = errors.New("store: schema is not current")

func newMigrate(databaseURL string) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, migrateURL(databaseURL))
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	return m, nil
}

// migrateURL turns a postgres:// URL into golang-migrate's pgx5:// URL, without the
// pgxpool-only pool_* parameters (the server would take them for settings).
func migrateURL(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://"):
		return "pgx5://" + strings.TrimPrefix(dsn, "postgres://")
	case strings.HasPrefix(dsn, "postgresql://"):
		return "pgx5://" + strings.TrimPrefix(dsn, "postgresql://")
	}
	return dsn
}

// Migrate applies every pending migration.
func Migrate(databaseURL string) error {
	m, err := newMigrate(databaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	return nil
}

// LatestVersion is the newest migration this binary carries.
func LatestVersion() (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, err
	}
	defer src.Close()
	v, err := src.First()
	if err != nil {
		return 0, err
	}
	for {
		next, err := src.Next(v)
		if err != nil {
			return v, nil
		}
		v = next
	}
}

// CheckSchema returns ErrStaleSchema (wrapped with the versions) unless the database
// is exactly at this binary's latest migration and clean.
func CheckSchema(databaseURL string) error {
	m, err := newMigrate(databaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	have, dirty, err := m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return fmt.Errorf("%w: database has no schema, want version %d", ErrStaleSchema, want)
	}
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	if dirty {
		return fmt.Errorf("%w: version %d is dirty (a migration failed half-way)", ErrStaleSchema, have)
	}
	if have != want {
		return fmt.Errorf("%w: database at version %d, this binary wants %d", ErrStaleSchema, have, want)
	}
	return nil
}
