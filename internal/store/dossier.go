package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// DossierRound is one round a subject took part in, with its result and what the rest of
// its level scored (档案).
type DossierRound struct {
	RoundID                 int64         `db:"round_id"`
	Title                   string        `db:"title"`
	Year                    int           `db:"year"`
	Kind                    string        `db:"kind"`
	Status                  string        `db:"status"`
	ClosedAt                *time.Time    `db:"closed_at"`
	PassPct                 int           `db:"pass_pct"`
	AdmonishBelowPct        int           `db:"admonish_below_pct"`
	ReminderDissatisfiedPct int           `db:"reminder_dissatisfied_pct"`
	AdmonishDissatisfiedPct int           `db:"admonish_dissatisfied_pct"`
	Position                string        `db:"position"`
	Level                   int           `db:"level"`
	Satisfaction            *string       `db:"satisfaction"`
	Dissatisfaction         *string       `db:"dissatisfaction"`
	Outcome                 rules.Outcome `db:"outcome"`
	Reasons                 []string      `db:"reasons"`
	Consecutive             int           `db:"consecutive"`
	Document                bool          `db:"document"`
	Referral                bool          `db:"referral"`
	// LevelAverage is the mean weighted satisfaction of the round's subjects of the same
	// level and kind (people with people, organisations with organisations) that had a
	// result, two decimals; for display only.
	LevelAverage *string `db:"level_average"`
	LevelCount   int     `db:"level_count"`
	// Criteria is the round's 三争创 criteria profile of the subject (SubjectCriteria);
	// nil when the round did not ask for them.
	Criteria *CriteriaProfile `db:"-"`
}

// DossierRounds lists, oldest first, every counted round (closed or published, not a
// rehearsal) of a person (kind "p") or an organisation ("o").
func (s *Store) DossierRounds(ctx context.Context, townshipID int64, kind string, id int64) ([]DossierRound, error) {
	var personID, orgID *int64
	switch kind {
	case "p":
		personID = &id
	case "o":
		orgID = &id
	default:
		return nil, ErrInvalid
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT r.id AS round_id, r.title, r.year, r.kind, r.status, r.closed_at, r.pass_pct, r.admonish_below_pct,
		       r.reminder_dissatisfied_pct, r.admonish_dissatisfied_pct, s.title AS position, s.level,
		       rr.satisfaction, rr.dissatisfaction, rr.outcome, rr.reasons, rr.consecutive, rr.document, rr.referral,
		       avg_s.level_average, coalesce(avg_s.level_count, 0) AS level_count
		FROM round_subjects s
		JOIN rounds r ON r.id = s.round_id
		JOIN round_results rr ON rr.round_subject_id = s.id
		LEFT JOIN LATERAL (
			SELECT round(avg(x.satisfaction::numeric), 2)::text AS level_average, count(*)::int AS level_count
			FROM round_results x JOIN round_subjects xs ON xs.id = x.round_subject_id
			WHERE x.round_id = r.id AND xs.level = s.level AND (xs.person_id IS NULL) = (s.person_id IS NULL)
			  AND x.satisfaction IS NOT NULL
		) avg_s ON true
		WHERE s.township_id = $1 AND ($2::bigint IS NULL OR s.person_id = $2) AND ($3::bigint IS NULL OR s.organisation_id = $3)
		  AND NOT r.rehearsal AND r.status IN ('closed', 'published')
		ORDER BY r.closed_at, r.id`, townshipID, personID, orgID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[DossierRound])
	if err != nil {
		return nil, fmt.Errorf("store: dossier rounds: %w", err)
	}
	return items, nil
}
