package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Township is a 乡镇: the unit every record belongs to.
type Township struct {
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	County string `db:"county"`
	// ObjectionContact is where to raise an objection to published results, as last set.
	ObjectionContact string `db:"objection_contact"`
}

// Village is a 行政村, grouping its Party branch and village committee.
type Village struct {
	ID         int64  `db:"id"`
	TownshipID int64  `db:"township_id"`
	Name       string `db:"name"`
	Active     bool   `db:"active"`
}

// EnsureTownship returns the township with this name, creating it (and its built-in
// rater categories) when it does not exist.
func (s *Store) EnsureTownship(ctx context.Context, name, county string) (Township, error) {
	var t Township
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			INSERT INTO townships (name, county) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
			RETURNING id, name, county, objection_contact`, name, county)
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Township])
		if err != nil {
			return err
		}
		if err := ensureDefaultGroups(ctx, tx, t.ID); err != nil {
			return err
		}
		return ensureBuiltinCategories(ctx, tx, t.ID)
	})
	if err != nil {
		return t, fmt.Errorf("store: ensure township: %w", err)
	}
	return t, nil
}

// Township returns one township.
func (s *Store) Township(ctx context.Context, id int64) (Township, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, name, county, objection_contact FROM townships WHERE id = $1`, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Township])
	if err != nil {
		return t, fmt.Errorf("store: township: %w", notFound(err))
	}
	return t, nil
}

// TownshipByName returns the township with this name.
func (s *Store) TownshipByName(ctx context.Context, name string) (Township, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, name, county, objection_contact FROM townships WHERE name = $1`, name)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Township])
	if err != nil {
		return t, fmt.Errorf("store: township by name: %w", notFound(err))
	}
	return t, nil
}

// Villages lists a township's villages by pinyin.
func (s *Store) Villages(ctx context.Context, townshipID int64) ([]Village, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, township_id, name, active FROM villages
		WHERE township_id = $1 ORDER BY active DESC, name COLLATE zh_pinyin`, townshipID)
	v, err := pgx.CollectRows(rows, pgx.RowToStructByName[Village])
	if err != nil {
		return nil, fmt.Errorf("store: villages: %w", err)
	}
	return v, nil
}

// Village returns one village of the township.
func (s *Store) Village(ctx context.Context, townshipID, id int64) (Village, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, township_id, name, active FROM villages WHERE township_id = $1 AND id = $2`, townshipID, id)
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Village])
	if err != nil {
		return v, fmt.Errorf("store: village: %w", notFound(err))
	}
	return v, nil
}

// CreateVillage adds a village with its Party branch (村党支部) and village committee
// (村委会), all or nothing. A duplicate name is ErrConflict.
func (s *Store) CreateVillage(ctx context.Context, townshipID int64, name string) (Village, error) {
	var v Village
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			INSERT INTO villages (township_id, name) VALUES ($1, $2)
			RETURNING id, township_id, name, active`, townshipID, name)
		var err error
		if v, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Village]); err != nil {
			return err
		}
		branch, committee := VillageOrganisationNames(name)
		_, err = tx.Exec(ctx, `
			INSERT INTO organisations (township_id, name, kind, level, village_id)
			VALUES ($1, $2, 'village_branch', 3, $4), ($1, $3, 'village_committee', 3, $4)`,
			townshipID, branch, committee, v.ID)
		return err
	})
	if isUniqueViolation(err) {
		return v, ErrConflict
	}
	if err != nil {
		return v, fmt.Errorf("store: create village: %w", err)
	}
	return v, nil
}

// VillageOrganisationNames gives a village's Party branch and committee names:
// 河口村 -> 河口村党支部, 河口村委会.
func VillageOrganisationNames(village string) (branch, committee string) {
	base := strings.TrimSuffix(village, "村")
	return base + "村党支部", base + "村委会"
}
