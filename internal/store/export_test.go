package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// QueryAs and ExecAs run SQL through the store's scoped pool, as a store method would:
// the row-security test writes queries that "forget" their township.
func QueryAs(ctx context.Context, s *Store, sql string, args ...any) (pgx.Rows, error) {
	return s.pool.Query(ctx, sql, args...)
}

func ExecAs(ctx context.Context, s *Store, sql string, args ...any) (pgconn.CommandTag, error) {
	return s.pool.Exec(ctx, sql, args...)
}
