package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Talk is a talk task (谈话任务) or a talk recorded by hand.
type Talk struct {
	ID           int64      `db:"id"`
	RoundID      *int64     `db:"round_id"`
	RoundTitle   *string    `db:"round_title"`
	SubjectName  string     `db:"subject_name"`
	TalkWithName string     `db:"talk_with_name"`
	Year         int        `db:"year"`
	Kind         string     `db:"kind"`
	Document     bool       `db:"document"`
	Referral     bool       `db:"referral"`
	Source       string     `db:"source"`
	Status       string     `db:"status"`
	HeldOn       *time.Time `db:"held_on"`
	HeldBy       string     `db:"held_by"`
	Note         string     `db:"note"`
}

// TalkKindLabel is a talk kind in Chinese.
func TalkKindLabel(k string) string {
	switch k {
	case "reminder":
		return "提醒谈话"
	case "admonishment":
		return "诫勉谈话"
	}
	return k
}

// Talks lists the township's talks, pending first (status "" lists all).
func (s *Store) Talks(ctx context.Context, townshipID int64, status string) ([]Talk, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT t.id, t.round_id, r.title AS round_title, t.subject_name, t.talk_with_name, t.year, t.kind, t.document,
		       t.referral, t.source, t.status, t.held_on, t.held_by, t.note
		FROM talks t LEFT JOIN rounds r ON r.id = t.round_id
		WHERE t.township_id = $1 AND ($2 = '' OR t.status = $2)
		ORDER BY t.status DESC, t.year DESC, t.kind, t.subject_name COLLATE zh_pinyin`, townshipID, status)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Talk])
	if err != nil {
		return nil, fmt.Errorf("store: talks: %w", err)
	}
	return items, nil
}

// MarkTalkHeld records that a talk was held: when, by whom, and a note.
func (s *Store) MarkTalkHeld(ctx context.Context, townshipID, id int64, on time.Time, by, note string) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE talks SET status = 'held', held_on = $3, held_by = $4, note = $5
		WHERE township_id = $1 AND id = $2`, townshipID, id, on, by, note)
	if err != nil {
		return fmt.Errorf("store: mark talk held: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
