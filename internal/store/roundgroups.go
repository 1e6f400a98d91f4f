package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RoundGroup is one rater group of a round (党委票决, 公众评议, …) with its weight in
// whole percent.
type RoundGroup struct {
	Key    string `db:"key"`
	Weight int    `db:"weight"`
}

// Label is the group's Chinese name.
func (g RoundGroup) Label() string { return GroupLabel(g.Key) }

// ShortLabel is the group's name without its alias, for narrow column headers.
func (g RoundGroup) ShortLabel() string {
	switch g.Key {
	case GroupPeer:
		return "党委票决"
	case GroupPublic:
		return "公众评议"
	}
	return GroupLabel(g.Key)
}

// RoundGroups lists a round's rater groups in display order (peer first, then public,
// then any other by key). Exports and summaries iterate over these rather than assume
// two groups.
func (s *Store) RoundGroups(ctx context.Context, roundID int64) ([]RoundGroup, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT key, weight FROM round_groups WHERE round_id = $1
		ORDER BY CASE key WHEN 'peer' THEN 0 WHEN 'public' THEN 1 ELSE 2 END, key`, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[RoundGroup])
	if err != nil {
		return nil, fmt.Errorf("store: round groups: %w", err)
	}
	return items, nil
}
