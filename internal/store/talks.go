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

// TalkInput is a talk recorded by hand: a person ("p") or an organisation ("o") subject.
type TalkInput struct {
	SubjectKind string
	SubjectID   int64
	Year        int
	Kind        string
	HeldOn      time.Time
	HeldBy      string
	Note        string
}

// RecordTalk records a talk held outside any round's task list. An organisation's talk
// is with its responsible person. ErrNotFound if the subject is not in the township.
func (s *Store) RecordTalk(ctx context.Context, townshipID int64, in TalkInput) error {
	var q string
	switch in.SubjectKind {
	case "p":
		q = `INSERT INTO talks (township_id, person_id, subject_name, talk_with_id, talk_with_name, year, kind, source, status, held_on, held_by, note)
			SELECT $1, p.id, p.name, p.id, p.name, $3, $4, 'manual', 'held', $5, $6, $7 FROM people p WHERE p.township_id = $1 AND p.id = $2`
	case "o":
		q = `INSERT INTO talks (township_id, organisation_id, subject_name, talk_with_id, talk_with_name, year, kind, source, status, held_on, held_by, note)
			SELECT $1, o.id, o.name, o.responsible_id, coalesce(rp.name, ''), $3, $4, 'manual', 'held', $5, $6, $7
			FROM organisations o LEFT JOIN people rp ON rp.id = o.responsible_id WHERE o.township_id = $1 AND o.id = $2`
	default:
		return ErrInvalid
	}
	tag, err := s.pool.Exec(ctx, q, townshipID, in.SubjectID, in.Year, in.Kind, in.HeldOn, in.HeldBy, in.Note)
	if err != nil {
		return fmt.Errorf("store: record talk: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
