package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Person is a cadre: a person subject of evaluation (领导班子成员, 乡机关干部, 村主职干部,
// 机关负责人).
type Person struct {
	ID               int64  `db:"id"`
	TownshipID       int64  `db:"township_id"`
	Name             string `db:"name"`
	Position         string `db:"position"`
	OrganisationID   int64  `db:"organisation_id"`
	OrganisationName string `db:"organisation_name"`
	Level            int    `db:"level"`
	VillageCadre     bool   `db:"village_cadre"`
	Phone            string `db:"phone"`
	Active           bool   `db:"active"`
}

const personSelect = `
	SELECT p.id, p.township_id, p.name, p.position, p.organisation_id, o.name AS organisation_name,
	       p.level, p.village_cadre, p.phone, p.active
	FROM people p JOIN organisations o ON o.id = p.organisation_id`

// People lists the township's people by pinyin, matching name, position or organisation.
func (s *Store) People(ctx context.Context, townshipID int64, f Filter) (Page[Person], error) {
	where := ` WHERE p.township_id = $1 AND ($2 = '' OR p.name ILIKE $2 OR p.position ILIKE $2 OR o.name ILIKE $2) AND (p.active OR $3)`
	rows, _ := s.pool.Query(ctx, personSelect+where+`
		ORDER BY p.active DESC, p.name COLLATE zh_pinyin, p.id LIMIT $4 OFFSET $5`,
		townshipID, f.pattern(), f.IncludeInactive, f.limit(), f.offset())
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return Page[Person]{}, fmt.Errorf("store: people: %w", err)
	}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM people p JOIN organisations o ON o.id = p.organisation_id`+where,
		townshipID, f.pattern(), f.IncludeInactive).Scan(&total); err != nil {
		return Page[Person]{}, fmt.Errorf("store: count people: %w", err)
	}
	return newPage(items, total, f), nil
}

// AllPeople lists every person of the township (active first), for pickers and export.
func (s *Store) AllPeople(ctx context.Context, townshipID int64) ([]Person, error) {
	rows, _ := s.pool.Query(ctx, personSelect+` WHERE p.township_id = $1
		ORDER BY p.active DESC, p.name COLLATE zh_pinyin, p.id`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return nil, fmt.Errorf("store: all people: %w", err)
	}
	return items, nil
}

// Person returns one person of the township.
func (s *Store) Person(ctx context.Context, townshipID, id int64) (Person, error) {
	rows, _ := s.pool.Query(ctx, personSelect+` WHERE p.township_id = $1 AND p.id = $2`, townshipID, id)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return p, fmt.Errorf("store: person: %w", notFound(err))
	}
	return p, nil
}

// PersonInput is what a form or an import row may set on a person.
type PersonInput struct {
	Name           string
	Position       string
	OrganisationID int64
	Level          int
	VillageCadre   bool
	Phone          string
	Active         bool
}

// SavePerson creates (id 0) or updates a person. The same name twice in one
// organisation is ErrConflict; an organisation of another township is ErrNotFound.
func (s *Store) SavePerson(ctx context.Context, townshipID, id int64, in PersonInput) (int64, error) {
	return savePerson(ctx, s.pool, townshipID, id, in)
}

func savePerson(ctx context.Context, q querier, townshipID, id int64, in PersonInput) (int64, error) {
	var err error
	if id == 0 {
		err = q.QueryRow(ctx, `
			INSERT INTO people (township_id, name, position, organisation_id, level, village_cadre, phone)
			SELECT $1, $2, $3, o.id, $5, $6, $7 FROM organisations o WHERE o.township_id = $1 AND o.id = $4
			RETURNING id`,
			townshipID, in.Name, in.Position, in.OrganisationID, in.Level, in.VillageCadre, in.Phone).Scan(&id)
	} else {
		err = q.QueryRow(ctx, `
			UPDATE people SET name = $3, position = $4, organisation_id = $5, level = $6, village_cadre = $7,
			       phone = $8, active = $9, updated_at = now()
			WHERE township_id = $1 AND id = $2
			  AND EXISTS (SELECT 1 FROM organisations o WHERE o.township_id = $1 AND o.id = $5)
			RETURNING id`,
			townshipID, id, in.Name, in.Position, in.OrganisationID, in.Level, in.VillageCadre, in.Phone, in.Active).Scan(&id)
	}
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case err != nil:
		return 0, fmt.Errorf("store: save person: %w", notFound(err))
	}
	return id, nil
}

// ImportPeople inserts every row in one transaction: all or nothing. Rows are checked
// by the caller first; a row that still fails (a duplicate, say) rolls back all of them
// and the error names its index.
func (s *Store) ImportPeople(ctx context.Context, townshipID int64, rows []PersonInput) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, in := range rows {
			if _, err := savePerson(ctx, tx, townshipID, 0, in); err != nil {
				return &RowError{Index: i, Err: err}
			}
		}
		return nil
	})
}

// RowError says which row of a batch failed.
type RowError struct {
	Index int
	Err   error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Index, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }
