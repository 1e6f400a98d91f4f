package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// VillageResult is a village subject's result in a published round, as its secretary
// sees it.
type VillageResult struct {
	RoundID         int64         `db:"round_id"`
	RoundTitle      string        `db:"round_title"`
	Year            int           `db:"year"`
	PublicSlug      string        `db:"public_slug"`
	PublishedAt     *time.Time    `db:"published_at"`
	Name            string        `db:"name"`
	Title           string        `db:"title"`
	Satisfaction    *string       `db:"satisfaction"`
	Dissatisfaction *string       `db:"dissatisfaction"`
	Outcome         rules.Outcome `db:"outcome"`
	Document        bool          `db:"document"`
	Referral        bool          `db:"referral"`
	Reasons         []string      `db:"reasons"`
}

// VillageResults lists the results of a village's own subjects in the township's
// published rounds (公示), newest first. Results of rounds not yet published stay with
// the office.
func (s *Store) VillageResults(ctx context.Context, townshipID, villageID int64) ([]VillageResult, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT r.id AS round_id, r.title AS round_title, r.year, r.public_slug, r.published_at,
		       s.name, s.title, rr.satisfaction, rr.dissatisfaction, rr.outcome, rr.document, rr.referral, rr.reasons
		FROM round_subjects s
		JOIN rounds r ON r.id = s.round_id
		JOIN round_results rr ON rr.round_subject_id = s.id
		WHERE s.township_id = $1 AND s.village_id = $2 AND r.township_id = $1
		  AND r.status = 'published' AND NOT r.rehearsal
		  AND r.kind <> 'commitment' -- 评诺 results are on the commitment's pages
		ORDER BY r.year DESC, r.id DESC, s.sort, s.name COLLATE zh_pinyin`, townshipID, villageID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[VillageResult])
	if err != nil {
		return nil, fmt.Errorf("store: village results: %w", err)
	}
	return items, nil
}

// VillageTalks lists the talks (谈话) with a village's own people and organisations, as
// the talk ledger shows them to the village's secretary: pending first.
func (s *Store) VillageTalks(ctx context.Context, townshipID, villageID int64) ([]Talk, error) {
	return s.TalkList(ctx, townshipID, time.Now(), TalkFilter{VillageID: &villageID})
}
