package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RosterCounts are the dashboard's figures.
type RosterCounts struct {
	Organisations int
	Villages      int
	People        int
	Raters        int
}

// Counts returns the township's active roster sizes.
func (s *Store) Counts(ctx context.Context, townshipID int64) (RosterCounts, error) {
	var c RosterCounts
	err := s.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM organisations WHERE township_id = $1 AND active),
		       (SELECT count(*) FROM villages WHERE township_id = $1 AND active),
		       (SELECT count(*) FROM people WHERE township_id = $1 AND active),
		       (SELECT count(*) FROM raters WHERE township_id = $1 AND active)`, townshipID).
		Scan(&c.Organisations, &c.Villages, &c.People, &c.Raters)
	if err != nil {
		return c, fmt.Errorf("store: counts: %w", err)
	}
	return c, nil
}

// VillageRoster returns a village's organisations and active people.
func (s *Store) VillageRoster(ctx context.Context, townshipID, villageID int64) ([]Organisation, []Person, error) {
	rows, _ := s.pool.Query(ctx, orgSelect+` WHERE o.township_id = $1 AND o.village_id = $2 ORDER BY o.kind`, townshipID, villageID)
	orgs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Organisation])
	if err != nil {
		return nil, nil, fmt.Errorf("store: village organisations: %w", err)
	}
	rows, _ = s.pool.Query(ctx, personSelect+` WHERE p.township_id = $1 AND o.village_id = $2 AND p.active
		ORDER BY p.name COLLATE zh_pinyin`, townshipID, villageID)
	people, err := pgx.CollectRows(rows, pgx.RowToStructByName[Person])
	if err != nil {
		return nil, nil, fmt.Errorf("store: village people: %w", err)
	}
	return orgs, people, nil
}
