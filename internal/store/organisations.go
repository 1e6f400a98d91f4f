package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Organisation kinds (method.md §1).
const (
	KindPartyCommittee   = "party_committee"   // 乡党委
	KindGovernment       = "government"        // 乡政府
	KindVillageBranch    = "village_branch"    // 村党支部
	KindVillageCommittee = "village_committee" // 村委会
	KindAgency           = "agency"            // 乡直机关 / 站所
)

// OrganisationKinds lists the kinds with their Chinese names and levels, in display order.
var OrganisationKinds = []struct {
	Kind, Label string
	Level       int
}{
	{KindPartyCommittee, "乡党委", 1},
	{KindGovernment, "乡政府", 1},
	{KindVillageBranch, "村党支部", 3},
	{KindVillageCommittee, "村委会", 3},
	{KindAgency, "乡直机关/站所", 4},
}

// KindLabel is the Chinese name of an organisation kind.
func KindLabel(kind string) string {
	for _, k := range OrganisationKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return kind
}

// KindLevel is the level (1–4) an organisation kind sits at.
func KindLevel(kind string) int {
	for _, k := range OrganisationKinds {
		if k.Kind == kind {
			return k.Level
		}
	}
	return 0
}

// Organisation is a body that is evaluated and employs people.
type Organisation struct {
	ID              int64   `db:"id"`
	TownshipID      int64   `db:"township_id"`
	Name            string  `db:"name"`
	Kind            string  `db:"kind"`
	Level           int     `db:"level"`
	VillageID       *int64  `db:"village_id"`
	VillageName     *string `db:"village_name"`
	ResponsibleID   *int64  `db:"responsible_id"`
	ResponsibleName *string `db:"responsible_name"`
	Active          bool    `db:"active"`
	PeopleCount     int     `db:"people_count"`
}

const orgSelect = `
	SELECT o.id, o.township_id, o.name, o.kind, o.level, o.village_id, v.name AS village_name,
	       o.responsible_id, p.name AS responsible_name, o.active,
	       (SELECT count(*) FROM people x WHERE x.organisation_id = o.id AND x.active)::int AS people_count
	FROM organisations o
	LEFT JOIN villages v ON v.id = o.village_id
	LEFT JOIN people p ON p.id = o.responsible_id`

// Organisations lists the township's organisations by level, then pinyin.
func (s *Store) Organisations(ctx context.Context, townshipID int64, f Filter) (Page[Organisation], error) {
	rows, _ := s.pool.Query(ctx, orgSelect+`
		WHERE o.township_id = $1 AND ($2 = '' OR o.name ILIKE $2) AND (o.active OR $3)
		ORDER BY o.active DESC, o.level, o.name COLLATE zh_pinyin
		LIMIT $4 OFFSET $5`, townshipID, f.pattern(), f.IncludeInactive, f.limit(), f.offset())
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Organisation])
	if err != nil {
		return Page[Organisation]{}, fmt.Errorf("store: organisations: %w", err)
	}
	var total int
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM organisations o
		WHERE o.township_id = $1 AND ($2 = '' OR o.name ILIKE $2) AND (o.active OR $3)`,
		townshipID, f.pattern(), f.IncludeInactive).Scan(&total)
	if err != nil {
		return Page[Organisation]{}, fmt.Errorf("store: count organisations: %w", err)
	}
	return newPage(items, total, f), nil
}

// AllOrganisations lists every active organisation of the township, for pickers.
func (s *Store) AllOrganisations(ctx context.Context, townshipID int64) ([]Organisation, error) {
	rows, _ := s.pool.Query(ctx, orgSelect+`
		WHERE o.township_id = $1 AND o.active ORDER BY o.level, o.name COLLATE zh_pinyin`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Organisation])
	if err != nil {
		return nil, fmt.Errorf("store: all organisations: %w", err)
	}
	return items, nil
}

// Organisation returns one organisation of the township.
func (s *Store) Organisation(ctx context.Context, townshipID, id int64) (Organisation, error) {
	rows, _ := s.pool.Query(ctx, orgSelect+` WHERE o.township_id = $1 AND o.id = $2`, townshipID, id)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Organisation])
	if err != nil {
		return o, fmt.Errorf("store: organisation: %w", notFound(err))
	}
	return o, nil
}

// OrganisationInput is what a form may set on an organisation.
type OrganisationInput struct {
	Name          string
	Kind          string
	VillageID     *int64
	ResponsibleID *int64
	Active        bool
}

// SaveOrganisation creates (id 0) or updates an organisation. A duplicate name in the
// township is ErrConflict; a responsible person must work in the same township.
func (s *Store) SaveOrganisation(ctx context.Context, townshipID, id int64, in OrganisationInput) (int64, error) {
	level := KindLevel(in.Kind)
	var err error
	if id == 0 {
		err = s.pool.QueryRow(ctx, `
			INSERT INTO organisations (township_id, name, kind, level, village_id, responsible_id)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			townshipID, in.Name, in.Kind, level, in.VillageID, in.ResponsibleID).Scan(&id)
	} else {
		var tag int64
		err = s.pool.QueryRow(ctx, `
			UPDATE organisations SET name = $3, kind = $4, level = $5, village_id = $6, responsible_id = $7,
			       active = $8, updated_at = now()
			WHERE township_id = $1 AND id = $2 RETURNING id`,
			townshipID, id, in.Name, in.Kind, level, in.VillageID, in.ResponsibleID, in.Active).Scan(&tag)
	}
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case err != nil:
		return 0, fmt.Errorf("store: save organisation: %w", notFound(err))
	}
	return id, nil
}
