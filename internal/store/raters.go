package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// builtinCategories are 三代表一委员 and the Party-committee members.
var builtinCategories = []struct{ code, name, group string }{
	{"party_deputy", "党代表", GroupPublic},
	{"npc_deputy", "人大代表", GroupPublic},
	{"cppcc_member", "政协委员", GroupPublic},
	{"masses", "群众代表", GroupPublic},
	{"committee", "党委委员", GroupPeer},
}

func ensureBuiltinCategories(ctx context.Context, q querier, townshipID int64) error {
	for i, c := range builtinCategories {
		if _, err := q.Exec(ctx, `
			INSERT INTO rater_categories (township_id, name, code, default_group, position)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (township_id, name) DO NOTHING`,
			townshipID, c.name, c.code, c.group, i+1); err != nil {
			return err
		}
	}
	return nil
}

// RaterCategory is a kind of rater: 党代表, 人大代表, 政协委员, 群众代表, 党委委员, or one
// the office defined.
type RaterCategory struct {
	ID           int64  `db:"id"`
	TownshipID   int64  `db:"township_id"`
	Name         string `db:"name"`
	Code         string `db:"code"`
	DefaultGroup string `db:"default_group"`
	Position     int    `db:"position"`
	RaterCount   int    `db:"rater_count"`
}

// RaterCategories lists the township's categories in their display order.
func (s *Store) RaterCategories(ctx context.Context, townshipID int64) ([]RaterCategory, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id, c.township_id, c.name, c.code, c.default_group, c.position,
		       (SELECT count(*) FROM raters r WHERE r.category_id = c.id AND r.active)::int AS rater_count
		FROM rater_categories c WHERE c.township_id = $1 ORDER BY c.position, c.name COLLATE zh_pinyin`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[RaterCategory])
	if err != nil {
		return nil, fmt.Errorf("store: rater categories: %w", err)
	}
	return items, nil
}

// CreateRaterCategory adds an office-defined category. A duplicate name is ErrConflict.
func (s *Store) CreateRaterCategory(ctx context.Context, townshipID int64, name, group string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `
		INSERT INTO rater_categories (township_id, name, default_group, position)
		VALUES ($1, $2, $3, 100) RETURNING id`, townshipID, name, group).Scan(&id)
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case isForeignKeyViolation(err):
		return 0, fmt.Errorf("%w: group %q", ErrNotFound, group)
	case err != nil:
		return 0, fmt.Errorf("store: create rater category: %w", err)
	}
	return id, nil
}

// SetCategoryGroup changes the group a category votes in by default (rounds already set
// up keep theirs).
func (s *Store) SetCategoryGroup(ctx context.Context, townshipID, categoryID int64, group string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE rater_categories SET default_group = $3 WHERE township_id = $1 AND id = $2`,
		townshipID, categoryID, group)
	switch {
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w: group %q", ErrNotFound, group)
	case err != nil:
		return fmt.Errorf("store: set category group: %w", err)
	case tag.RowsAffected() == 0:
		return ErrNotFound
	}
	return nil
}

// Rater is one of 三代表一委员 or a Party-committee member. Raters have no account.
type Rater struct {
	ID           int64  `db:"id"`
	TownshipID   int64  `db:"township_id"`
	Name         string `db:"name"`
	CategoryID   int64  `db:"category_id"`
	CategoryName string `db:"category_name"`
	Unit         string `db:"unit"`
	Phone        string `db:"phone"`
	Active       bool   `db:"active"`
}

const raterSelect = `
	SELECT r.id, r.township_id, r.name, r.category_id, c.name AS category_name, r.unit, r.phone, r.active
	FROM raters r JOIN rater_categories c ON c.id = r.category_id`

// RaterFilter narrows the rater list to one category.
type RaterFilter struct {
	Filter
	CategoryID int64
}

// Raters lists the township's raters by pinyin.
func (s *Store) Raters(ctx context.Context, townshipID int64, f RaterFilter) (Page[Rater], error) {
	where := ` WHERE r.township_id = $1 AND ($2 = '' OR r.name ILIKE $2 OR r.unit ILIKE $2 OR r.phone ILIKE $2)
		AND (r.active OR $3) AND ($4 = 0 OR r.category_id = $4)`
	rows, _ := s.pool.Query(ctx, raterSelect+where+`
		ORDER BY r.active DESC, r.name COLLATE zh_pinyin, r.id LIMIT $5 OFFSET $6`,
		townshipID, f.pattern(), f.IncludeInactive, f.CategoryID, f.limit(), f.offset())
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Rater])
	if err != nil {
		return Page[Rater]{}, fmt.Errorf("store: raters: %w", err)
	}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM raters r`+where,
		townshipID, f.pattern(), f.IncludeInactive, f.CategoryID).Scan(&total); err != nil {
		return Page[Rater]{}, fmt.Errorf("store: count raters: %w", err)
	}
	return newPage(items, total, f.Filter), nil
}

// AllRaters lists every rater of the township for export.
func (s *Store) AllRaters(ctx context.Context, townshipID int64) ([]Rater, error) {
	rows, _ := s.pool.Query(ctx, raterSelect+` WHERE r.township_id = $1
		ORDER BY r.active DESC, c.position, r.name COLLATE zh_pinyin, r.id`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Rater])
	if err != nil {
		return nil, fmt.Errorf("store: all raters: %w", err)
	}
	return items, nil
}

// Rater returns one rater of the township.
func (s *Store) Rater(ctx context.Context, townshipID, id int64) (Rater, error) {
	rows, _ := s.pool.Query(ctx, raterSelect+` WHERE r.township_id = $1 AND r.id = $2`, townshipID, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Rater])
	if err != nil {
		return r, fmt.Errorf("store: rater: %w", notFound(err))
	}
	return r, nil
}

// RaterInput is what a form or import row may set on a rater.
type RaterInput struct {
	Name       string
	CategoryID int64
	Unit       string
	Phone      string
	Active     bool
}

// SaveRater creates (id 0) or updates a rater. The same name twice in one category is
// ErrConflict; a category of another township is ErrNotFound.
func (s *Store) SaveRater(ctx context.Context, townshipID, id int64, in RaterInput) (int64, error) {
	return saveRater(ctx, s.pool, townshipID, id, in)
}

func saveRater(ctx context.Context, q querier, townshipID, id int64, in RaterInput) (int64, error) {
	var err error
	if id == 0 {
		err = q.QueryRow(ctx, `
			INSERT INTO raters (township_id, name, category_id, unit, phone)
			SELECT $1, $2, c.id, $4, $5 FROM rater_categories c WHERE c.township_id = $1 AND c.id = $3
			RETURNING id`, townshipID, in.Name, in.CategoryID, in.Unit, in.Phone).Scan(&id)
	} else {
		err = q.QueryRow(ctx, `
			UPDATE raters SET name = $3, category_id = $4, unit = $5, phone = $6, active = $7, updated_at = now()
			WHERE township_id = $1 AND id = $2
			  AND EXISTS (SELECT 1 FROM rater_categories c WHERE c.township_id = $1 AND c.id = $4)
			RETURNING id`, townshipID, id, in.Name, in.CategoryID, in.Unit, in.Phone, in.Active).Scan(&id)
	}
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case err != nil:
		return 0, fmt.Errorf("store: save rater: %w", notFound(err))
	}
	return id, nil
}

// ImportRaters inserts every row in one transaction: all or nothing.
func (s *Store) ImportRaters(ctx context.Context, townshipID int64, rows []RaterInput) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, in := range rows {
			if _, err := saveRater(ctx, tx, townshipID, 0, in); err != nil {
				return &RowError{Index: i, Err: err}
			}
		}
		return nil
	})
}
