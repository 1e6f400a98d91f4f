package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Row-level security (defence in depth). Every township-scoped table has a policy that
// shows a row only when its township is in the setting pingyi.townships, and the policies
// bind the role pingyi_app. A request's context carries its scope (WithTownships); the
// store then starts every statement and transaction of that context with
//
//	SELECT set_config('role', 'pingyi_app', true), set_config('pingyi.townships', '3', true)
//
// in the same transaction (a one-statement read goes as a two-statement pipeline, which
// PostgreSQL runs as one implicit transaction). Both settings are transaction-local: nothing
// outlives the transaction on a pooled connection, through PgBouncer's transaction pooling
// too. A query that forgets its township therefore sees nothing of another township, and a
// context scoped to no township sees nothing at all. A context without a scope (the
// command line, the demo loader, migrations, the store's own tests, and the few lookups by
// a key that is unique across townships, which say so) runs as the connecting role, which
// the policies do not restrict.

// AppRole is the database role that row-level security restricts. The migrations create
// it and grant it to the role that runs them; the audit log grants it INSERT and SELECT only.
const AppRole = "pingyi_app"

type scopeKey struct{}

type scope struct {
	townships string // comma-separated ids; empty sees nothing
	readOnly  bool
}

// WithTownships returns ctx restricted to the townships: every query the store runs for it
// sees and writes only their rows. With no ids it sees nothing.
func WithTownships(ctx context.Context, ids ...int64) context.Context {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	sc := scope{townships: strings.Join(parts, ",")}
	if old, ok := ctx.Value(scopeKey{}).(scope); ok {
		sc.readOnly = old.readOnly
	}
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ReadOnly returns ctx whose transactions cannot write (PostgreSQL refuses them): the
// county's accounts read every township of the county and write none. It keeps ctx's
// townships.
func ReadOnly(ctx context.Context) context.Context {
	sc, _ := ctx.Value(scopeKey{}).(scope)
	sc.readOnly = true
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ScopedTownships reports the townships ctx is restricted to, and whether it is restricted.
func ScopedTownships(ctx context.Context) ([]int64, bool) {
	sc, ok := ctx.Value(scopeKey{}).(scope)
	if !ok {
		return nil, false
	}
	var ids []int64
	for _, p := range strings.Split(sc.townships, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, true
}

// Unscoped returns ctx without its restriction, for the lookups by a key unique across
// townships that find which township a request is about (a sign-in name, a ballot code, a
// public page's address). Each use says why.
func unscoped(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, nil)
}

const scopeSQL = `SELECT set_config('role', '` + AppRole + `', true), set_config('pingyi.townships', $1, true), set_config('transaction_read_only', $2, true)`

func (sc scope) args() []any {
	ro := "off"
	if sc.readOnly {
		ro = "on"
	}
	return []any{sc.townships, ro}
}

func scopeOf(ctx context.Context) (scope, bool) {
	sc, ok := ctx.Value(scopeKey{}).(scope)
	return sc, ok
}

// db is the pool as the store uses it: the same methods, each starting with the
// context's scope.
type db struct {
	pool *pgxpool.Pool
}

// Exec runs one statement.
func (d db) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	sc, ok := scopeOf(ctx)
	if !ok {
		return d.pool.Exec(ctx, sql, args...)
	}
	br, err := d.scoped(ctx, sc, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// scoped sends the scope and one statement as a two-statement pipeline and reads the
// scope's result; the statement's is the caller's to read, and the pipeline to close.
func (d db) scoped(ctx context.Context, sc scope, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(scopeSQL, sc.args()...)
	b.Queue(sql, args...)
	br := d.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

// Query runs one query; closing the rows ends its pipeline.
func (d db) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	sc, ok := scopeOf(ctx)
	if !ok {
		return d.pool.Query(ctx, sql, args...)
	}
	br, err := d.scoped(ctx, sc, sql, args)
	if err != nil {
		return errRows{err: err}, err
	}
	rows, err := br.Query()
	if err != nil {
		// Callers return on this error without closing the rows. pgxpool gives the
		// connection back on such an error already; closing here does not depend on it.
		if rows != nil {
			rows.Close()
		}
		br.Close()
		return errRows{err: err}, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow runs a query for one row.
func (d db) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if _, ok := scopeOf(ctx); !ok {
		return d.pool.QueryRow(ctx, sql, args...)
	}
	rows, err := d.Query(ctx, sql, args...)
	return row{rows: rows, err: err}
}

// SendBatch sends a batch; a batch that begins its own transaction gets the scope right
// after its BEGIN.
func (d db) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	sc, ok := scopeOf(ctx)
	if !ok {
		return d.pool.SendBatch(ctx, b)
	}
	at := 0
	if len(b.QueuedQueries) > 0 && strings.EqualFold(strings.TrimSpace(b.QueuedQueries[0].SQL), "BEGIN") {
		at = 1
	}
	q := &pgx.QueuedQuery{SQL: scopeSQL, Arguments: sc.args()}
	b.QueuedQueries = slices.Insert(b.QueuedQueries, at, q)
	br := d.pool.SendBatch(ctx, b)
	return &skipBatch{BatchResults: br, skipAt: at}
}

// Begin starts a transaction with the context's scope.
func (d db) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := scopeOf(ctx); ok {
		if _, err := tx.Exec(ctx, scopeSQL, sc.args()...); err != nil {
			tx.Rollback(ctx)
			return nil, err
		}
	}
	return tx, nil
}

// Close closes the pool.
func (d db) Close() { d.pool.Close() }

// batchRows are a query's rows whose pipeline closes with them.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// row is QueryRow's result over Query.
type row struct {
	rows pgx.Rows
	err  error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		if r.rows != nil {
			r.rows.Close()
		}
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		r.rows.Close()
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errRows are the rows of a query that could not start.
type errRows struct {
	pgx.Rows
	err error
}

func (e errRows) Close()                                       {}
func (e errRows) Err() error                                   { return e.err }
func (e errRows) Next() bool                                   { return false }
func (e errRows) Scan(...any) error                            { return e.err }
func (e errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (e errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (e errRows) Values() ([]any, error)                       { return nil, e.err }
func (e errRows) RawValues() [][]byte                          { return nil }
func (e errRows) Conn() *pgx.Conn                              { return nil }

// skipBatch hides the scope statement's result from the batch's reader.
type skipBatch struct {
	pgx.BatchResults
	skipAt  int
	read    int
	skipped bool
}

func (s *skipBatch) skip() error {
	if !s.skipped && s.read == s.skipAt {
		s.skipped = true
		if _, err := s.BatchResults.Exec(); err != nil {
			return err
		}
	}
	s.read++
	return nil
}

func (s *skipBatch) Exec() (pgconn.CommandTag, error) {
	if err := s.skip(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return s.BatchResults.Exec()
}

func (s *skipBatch) Query() (pgx.Rows, error) {
	if err := s.skip(); err != nil {
		return errRows{err: err}, err
	}
	return s.BatchResults.Query()
}

func (s *skipBatch) QueryRow() pgx.Row {
	if err := s.skip(); err != nil {
		return row{err: err}
	}
	return s.BatchResults.QueryRow()
}
