package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Staff roles (method.md §9).
const (
	RoleOffice    = "office"    // 组织办
	RoleLeader    = "leader"    // 党委领导
	RoleSecretary = "secretary" // 村党支部书记, scoped to one village
	RoleCounty    = "county"    // 县委组织部: reads every township of its county, writes none
)

// RoleLabel is the Chinese name of a role.
func RoleLabel(role string) string {
	switch role {
	case RoleOffice:
		return "组织办"
	case RoleLeader:
		return "党委领导"
	case RoleSecretary:
		return "村书记"
	case RoleCounty:
		return "县委组织部"
	}
	return role
}

// User is a staff account.
type User struct {
	ID           int64   `db:"id"`
	TownshipID   int64   `db:"township_id"`
	Username     string  `db:"username"`
	DisplayName  string  `db:"display_name"`
	Role         string  `db:"role"`
	VillageID    *int64  `db:"village_id"`
	VillageName  *string `db:"village_name"`
	PasswordHash string  `db:"password_hash"`
	Active       bool    `db:"active"`
	TownshipName string  `db:"township_name"`
	// County is a county account's county (RoleCounty); such an account has no township
	// of its own (TownshipID 0) and reads its county's townships.
	County string `db:"county"`
	// SessionEpoch goes up with every password change; a session signed in under an
	// older epoch is no longer valid.
	SessionEpoch int `db:"session_epoch"`
}

const userSelect = `
	SELECT u.id, coalesce(u.township_id, 0) AS township_id, u.username, u.display_name, u.role, u.village_id,
	       v.name AS village_name, u.password_hash, u.active, coalesce(t.name, '') AS township_name,
	       u.session_epoch, coalesce(u.county, '') AS county
	FROM users u LEFT JOIN townships t ON t.id = u.township_id LEFT JOIN villages v ON v.id = u.village_id`

// UserByUsername finds an account by its sign-in name (unique across the county).
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	// Sign-in names are unique across townships: this lookup finds the township.
	rows, _ := s.pool.Query(unscoped(ctx), userSelect+` WHERE u.username = $1`, username)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return u, fmt.Errorf("store: user by username: %w", notFound(err))
	}
	return u, nil
}

// SessionUser finds the account a sign-in session names. It is the one lookup without a
// township: the session is how the township becomes known.
func (s *Store) SessionUser(ctx context.Context, id int64) (User, error) {
	// The session knows the account, not yet its township: this lookup finds it.
	rows, _ := s.pool.Query(unscoped(ctx), userSelect+` WHERE u.id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return u, fmt.Errorf("store: session user: %w", notFound(err))
	}
	return u, nil
}

// UserByID finds an account of the township.
func (s *Store) UserByID(ctx context.Context, townshipID, id int64) (User, error) {
	rows, _ := s.pool.Query(ctx, userSelect+` WHERE u.township_id = $1 AND u.id = $2`, townshipID, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return u, fmt.Errorf("store: user: %w", notFound(err))
	}
	return u, nil
}

// Users lists the township's accounts.
func (s *Store) Users(ctx context.Context, townshipID int64) ([]User, error) {
	rows, _ := s.pool.Query(ctx, userSelect+` WHERE u.township_id = $1
		ORDER BY u.active DESC, u.role, u.display_name COLLATE zh_pinyin`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return items, nil
}

// UserInput is what may be set on an account; PasswordHash "" keeps the old one.
type UserInput struct {
	Username     string
	DisplayName  string
	Role         string
	VillageID    *int64
	PasswordHash string
	Active       bool
}

// SaveUser creates (id 0) or updates an account. A taken username is ErrConflict.
// A new password ends the account's sessions (see User.SessionEpoch).
func (s *Store) SaveUser(ctx context.Context, townshipID, id int64, in UserInput) (int64, error) {
	if in.Role != RoleSecretary {
		in.VillageID = nil
	}
	var err error
	if id == 0 {
		err = s.pool.QueryRow(ctx, `
			INSERT INTO users (township_id, username, display_name, role, village_id, password_hash)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			townshipID, in.Username, in.DisplayName, in.Role, in.VillageID, in.PasswordHash).Scan(&id)
	} else {
		err = s.pool.QueryRow(ctx, `
			UPDATE users SET display_name = $3, role = $4, village_id = $5, active = $6,
			       password_hash = CASE WHEN $7 = '' THEN password_hash ELSE $7 END,
			       session_epoch = session_epoch + CASE WHEN $7 = '' THEN 0 ELSE 1 END
			WHERE township_id = $1 AND id = $2 RETURNING id`,
			townshipID, id, in.DisplayName, in.Role, in.VillageID, in.Active, in.PasswordHash).Scan(&id)
	}
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case err != nil:
		return 0, fmt.Errorf("store: save user: %w", notFound(err))
	}
	return id, nil
}

// RecordAuthFailure notes a failed sign-in against each key (account, client address).
//
// The throttling table belongs to no township: it is written whatever the request may do
// (a county account's requests are read-only), as the lookups by sign-in name are.
func (s *Store) RecordAuthFailure(ctx context.Context, keys ...string) error {
	ctx = unscoped(ctx)
	for _, k := range keys {
		if _, err := s.pool.Exec(ctx, `INSERT INTO auth_failures (key) VALUES ($1)`, k); err != nil {
			return fmt.Errorf("store: record auth failure: %w", err)
		}
	}
	// Old rows are of no use to anyone; keep the table small.
	_, err := s.pool.Exec(ctx, `DELETE FROM auth_failures WHERE at < now() - interval '1 day'`)
	return err
}

// AuthFailures counts a key's failures within the window and says when the oldest of
// them expires (so the caller can say how long to wait).
func (s *Store) AuthFailures(ctx context.Context, key string, window time.Duration) (int, time.Time, error) {
	ctx = unscoped(ctx) // no township's data (RecordAuthFailure)
	var n int
	var oldest *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT count(*), min(at) FROM auth_failures WHERE key = $1 AND at > now() - make_interval(secs => $2)`,
		key, window.Seconds()).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: auth failures: %w", err)
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, oldest.Add(window), nil
}

// ClearAuthFailures forgets a key's failures (after a successful sign-in).
func (s *Store) ClearAuthFailures(ctx context.Context, key string) error {
	// No township's data (RecordAuthFailure).
	_, err := s.pool.Exec(unscoped(ctx), `DELETE FROM auth_failures WHERE key = $1`, key)
	return err
}
