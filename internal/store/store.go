// Package store is pingyi's PostgreSQL data layer. Every record belongs to a township
// and every query that reads or writes one names the township it is scoped to.
package store

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Store holds the connection pool.
type Store struct {
	pool db // every statement starts with its context's township scope (scope.go)
}

// Open connects to PostgreSQL and checks the connection.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse database url: %w", err)
	}
	// A small pool suits PostgreSQL best (more backends than cores only contend);
	// pool_max_conns in DATABASE_URL overrides it.
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	return &Store{pool: db{pool}}, nil
}

// New wraps an existing pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: db{pool}} }

// Pool exposes the pool for the session store and tests. Its connections run as the
// connecting role, without a township scope.
func (s *Store) Pool() *pgxpool.Pool { return s.pool.pool }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }
