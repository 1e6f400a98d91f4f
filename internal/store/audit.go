package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one line of the audit log (操作记录): a staff action that changed data or
// revealed it. It never holds anything about a ballot or which code was used.
type AuditEntry struct {
	ID         int64     `db:"id"`
	TownshipID *int64    `db:"township_id"`
	At         time.Time `db:"at"`
	ActorID    *int64    `db:"actor_id"`
	Actor      string    `db:"actor"`
	Role       string    `db:"role"`
	Addr       string    `db:"addr"`
	RequestID  string    `db:"request_id"`
	Action     string    `db:"action"`
	Route      string    `db:"route"`
	Object     string    `db:"object"`
	RoundID    *int64    `db:"round_id"`
	Summary    string    `db:"summary"`
	// Changes maps a changed field to its value before (nil when not known) and after.
	Changes map[string][2]*string `db:"changes"`
}

// AddAudit appends an entry. Under a request's scope it runs as the app's role, which may
// only insert into the log and read it.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return fmt.Errorf("store: audit changes: %w", err)
	}
	if e.Changes == nil {
		changes = []byte("{}")
	}
	// The entry is written whatever the request itself may do: a county account's reads are
	// read-only, and are recorded all the same. Still as the application's role, which may
	// only add to the log, and only for the entry's own township.
	if sc, ok := scopeOf(ctx); ok && sc.readOnly {
		sc.readOnly = false
		if e.TownshipID != nil {
			sc.townships = strconv.FormatInt(*e.TownshipID, 10)
		}
		ctx = context.WithValue(ctx, scopeKey{}, sc)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO audit_log (township_id, actor_id, actor, role, addr, request_id, action, route, object, round_id, summary, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.TownshipID, e.ActorID, e.Actor, e.Role, e.Addr, e.RequestID, e.Action, e.Route, e.Object, e.RoundID, e.Summary, changes)
	if err != nil {
		return fmt.Errorf("store: add audit: %w", err)
	}
	return nil
}

// AuditFilter narrows the audit log. Zero values mean "any".
type AuditFilter struct {
	From, To time.Time // days, inclusive
	Action   string
	Actor    string // part of the actor's name or sign-in name
	RoundID  int64
	Text     string // part of the summary, object or changes
}

const auditWhere = `
	WHERE township_id = $1
	  AND ($2::date IS NULL OR at >= $2::date) AND ($3::date IS NULL OR at < $3::date + 1)
	  AND ($4 = '' OR action = $4) AND ($5 = '' OR actor ILIKE '%' || $5 || '%')
	  AND ($6::bigint = 0 OR round_id = $6)
	  AND ($7 = '' OR summary ILIKE '%' || $7 || '%' OR object ILIKE '%' || $7 || '%' OR changes::text ILIKE '%' || $7 || '%')`

func (f AuditFilter) args(townshipID int64) []any {
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	return []any{townshipID, from, to, f.Action, f.Actor, f.RoundID, f.Text}
}

// AuditLog lists the township's entries matching the filter, newest first: limit entries
// from offset, and how many match in all.
func (s *Store) AuditLog(ctx context.Context, townshipID int64, f AuditFilter, limit, offset int) ([]AuditEntry, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`+auditWhere, f.args(townshipID)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: audit count: %w", err)
	}
	args := append(f.args(townshipID), limit, offset)
	rows, _ := s.pool.Query(ctx, `SELECT * FROM audit_log`+auditWhere+` ORDER BY at DESC, id DESC LIMIT $8 OFFSET $9`, args...)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	if err != nil {
		return nil, 0, fmt.Errorf("store: audit log: %w", err)
	}
	return items, total, nil
}

// EachAudit calls fn for every matching entry, oldest first, streaming (the JSONL export).
func (s *Store) EachAudit(ctx context.Context, townshipID int64, f AuditFilter, fn func(AuditEntry) error) error {
	rows, err := s.pool.Query(ctx, `SELECT * FROM audit_log`+auditWhere+` ORDER BY at, id`, f.args(townshipID)...)
	if err != nil {
		return fmt.Errorf("store: audit export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := pgx.RowToStructByName[AuditEntry](rows)
		if err != nil {
			return fmt.Errorf("store: audit export: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: audit export: %w", err)
	}
	return nil
}

// AuditActions lists the actions the township's log holds, for the filter.
func (s *Store) AuditActions(ctx context.Context, townshipID int64) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT action FROM audit_log WHERE township_id = $1 ORDER BY 1`, townshipID)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: audit actions: %w", err)
	}
	return out, nil
}

// PruneAudit deletes entries older than the retention period and reports how many went.
// It runs as the role that owns the tables (the app's role cannot delete from the log).
func (s *Store) PruneAudit(ctx context.Context, keep time.Duration) (int64, error) {
	tag, err := s.pool.Exec(unscoped(ctx), `DELETE FROM audit_log WHERE at < now() - make_interval(secs => $1)`, keep.Seconds())
	if err != nil {
		return 0, fmt.Errorf("store: prune audit: %w", err)
	}
	return tag.RowsAffected(), nil
}
