package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SchemaCurrent returns ErrStaleSchema (wrapped with the versions) unless the database is
// exactly at this binary's latest migration and clean. Unlike CheckSchema it reads the
// migrator's table with one plain query on the pool: it takes no lock, so it is safe
// through PgBouncer in transaction pooling and cheap enough for every /readyz.
func (s *Store) SchemaCurrent(ctx context.Context) error {
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	var have int64
	var dirty bool
	err = s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&have, &dirty)
	if errors.Is(err, pgx.ErrNoRows) || isUndefinedTable(err) {
		return fmt.Errorf("%w: database has no schema, want version %d", ErrStaleSchema, want)
	}
	if err != nil {
		return fmt.Errorf("store: schema version: %w", err)
	}
	if dirty {
		return fmt.Errorf("%w: version %d is dirty (a migration failed half-way)", ErrStaleSchema, have)
	}
	if uint(have) != want {
		return fmt.Errorf("%w: database at version %d, this binary wants %d", ErrStaleSchema, have, want)
	}
	return nil
}

// OpenReplica makes a pool for a read-only standby. It does not connect yet: a standby
// that is down when the app starts is simply not used until it answers. Connecting gives
// up after two seconds, so a standby that went away costs a page little before it falls
// back to the primary.
func OpenReplica(dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse standby url: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(4, 2*runtime.NumCPU()))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 2*time.Second {
		cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("store: standby pool: %w", err)
	}
	return &Store{pool: db{pool}}, nil
}

func isUndefinedTable(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && pgErr.SQLState() == "42P01"
}
