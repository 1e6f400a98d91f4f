package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// TestRowSecurity: with a request's scope in the context, the database itself hides and
// protects every other township's rows, whatever the query says.
func TestRowSecurity(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	other, err := m.st.EnsureTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.st.CreateVillage(ctx, other.ID, "河口村"); err != nil {
		t.Fatal(err)
	}
	mine := store.WithTownships(ctx, m.tid)

	// Store methods called with the wrong township, or with none, find nothing.
	if vs, err := m.st.Villages(mine, other.ID); err != nil || len(vs) != 0 {
		t.Fatalf("another township's villages through a scoped context: %v %v", vs, err)
	}
	if _, err := m.st.Round(store.WithTownships(ctx, other.ID), m.tid, m.round); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("own round from another township's context: %v, want ErrNotFound", err)
	}
	if rs, err := m.st.Rounds(store.WithTownships(ctx), m.tid); err != nil || len(rs) != 0 {
		t.Fatalf("rounds with no township in scope: %d %v", len(rs), err)
	}
	if rs, err := m.st.Rounds(mine, m.tid); err != nil || len(rs) != 1 {
		t.Fatalf("own rounds: %d %v", len(rs), err)
	}

	// A query that forgets its township sees only the scope's rows...
	count := func(ctx context.Context, sql string) int {
		t.Helper()
		rows, err := store.QueryAs(ctx, m.st, sql)
		if err != nil {
			t.Fatal(err)
		}
		n, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if n := count(mine, `SELECT count(*) FROM villages WHERE township_id <> `+strconv.FormatInt(m.tid, 10)); n != 0 {
		t.Fatalf("a forgetful query saw %d villages of another township", n)
	}
	if n := count(store.WithTownships(ctx, other.ID), `SELECT count(*) FROM villages`); n != 1 {
		t.Fatalf("the other township sees %d villages, want its 1", n)
	}
	// ...and with no township in scope, no township-scoped table shows a row.
	tables := scopedTables(t, m.st.Pool())
	if len(tables) < 35 {
		t.Fatalf("only %d township-scoped tables found", len(tables))
	}
	for _, tb := range tables {
		if n := count(store.WithTownships(ctx), `SELECT count(*) FROM `+tb); n != 0 {
			t.Errorf("%s shows %d rows to a context with no township", tb, n)
		}
	}
	for _, tb := range []string{"ballot_codes", "round_results", "round_groups", "score_clauses"} {
		if n := count(store.WithTownships(ctx, other.ID), `SELECT count(*) FROM `+tb); n != 0 {
			t.Errorf("%s shows %d rows of another township", tb, n)
		}
	}

	// Writes: another township's rows cannot be changed or added to.
	tag, err := store.ExecAs(mine, m.st, `UPDATE villages SET name = name || '改' WHERE township_id = $1`, other.ID)
	if err != nil || tag.RowsAffected() != 0 {
		t.Fatalf("update of another township's village: %v rows, %v", tag.RowsAffected(), err)
	}
	_, err = store.ExecAs(mine, m.st, `INSERT INTO villages (township_id, name) VALUES ($1, '越界村')`, other.ID)
	if code := pgCode(err); code != "42501" {
		t.Fatalf("insert into another township: %v (code %s), want a row-security refusal", err, code)
	}
	// A read-only scope writes nothing, even its own.
	_, err = store.ExecAs(store.ReadOnly(mine), m.st, `UPDATE villages SET name = name WHERE township_id = $1`, m.tid)
	if code := pgCode(err); code != "25006" {
		t.Fatalf("write in a read-only scope: %v (code %s), want read_only_sql_transaction", err, code)
	}

	// The scope is transaction-local: the next use of the same connection is itself again.
	one, err := pgxpool.New(ctx, m.st.Pool().Config().ConnString()+sep(m.st.Pool().Config().ConnString())+"pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	single := store.New(one)
	if n := count(store.WithTownships(ctx, other.ID), `SELECT count(*) FROM villages`); n != 1 {
		t.Fatalf("scoped count %d", n)
	}
	for range 3 {
		rows, err := store.QueryAs(store.WithTownships(ctx, other.ID), single, `SELECT 1`)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		var user, setting string
		if err := one.QueryRow(ctx, `SELECT current_user, coalesce(current_setting('pingyi.townships', true), '')`).Scan(&user, &setting); err != nil {
			t.Fatal(err)
		}
		if user == store.AppRole || setting != "" {
			t.Fatalf("the scope outlived its transaction: user %s, townships %q", user, setting)
		}
	}
}

// TestEveryTownshipTableHasAPolicy keeps later migrations honest: a table with a
// township_id column has row-level security and its policy.
func TestEveryTownshipTableHasAPolicy(t *testing.T) {
	st := openMeeting(t, false).st
	for _, tb := range scopedTables(t, st.Pool()) {
		var enabled bool
		var policies int
		err := st.Pool().QueryRow(context.Background(), `
			SELECT c.relrowsecurity, (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname)
			FROM pg_class c WHERE c.oid = ('public.' || $1)::regclass`, tb).Scan(&enabled, &policies)
		if err != nil {
			t.Fatal(err)
		}
		if !enabled || policies == 0 {
			t.Errorf("%s: row-level security %v, %d policies", tb, enabled, policies)
		}
	}
}

// scopedTables lists the tables with a township_id column.
func scopedTables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, _ := pool.Query(context.Background(), `
		SELECT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables tb USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND c.column_name = 'township_id' AND tb.table_type = 'BASE TABLE'
		ORDER BY 1`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	if strings.Contains(url, "://") {
		return "?"
	}
	return " "
}

// TestFailedScopedQueriesReleaseTheirConnections runs many more failing scoped queries than
// the pool has connections, returning on the error without closing the rows, as store
// methods do: each must give its connection back, or the last ones would wait forever.
func TestFailedScopedQueriesReleaseTheirConnections(t *testing.T) {
	st := pgtest.Store(t)
	ctx, cancel := context.WithTimeout(store.WithTownships(context.Background(), 1), 30*time.Second)
	defer cancel()
	max := int(st.Pool().Config().MaxConns)
	for i := 0; i < 4*max; i++ {
		if _, err := store.QueryAs(ctx, st, `SELECT no_such_column FROM townships`); err == nil {
			t.Fatal("a query of a missing column succeeded")
		} else if ctx.Err() != nil {
			t.Fatalf("query %d of %d waited for a connection: %v", i+1, 4*max, err)
		}
	}
	if n := st.Pool().Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still held", n)
	}
}
