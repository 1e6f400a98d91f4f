package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rectification is a rectification item (整改事项) of a talk: what is to be put right, by
// when, and the evidence that it was. Kind "pledge" is the written self-examination or
// rectification pledge (书面检查 / 整改承诺) every held talk carries by default.
type Rectification struct {
	ID          int64      `db:"id"`
	TalkID      int64      `db:"talk_id"`
	Kind        string     `db:"kind"`
	Content     string     `db:"content"`
	DueOn       time.Time  `db:"due_on"`
	Status      string     `db:"status"` // open, done
	DoneOn      *time.Time `db:"done_on"`
	Evidence    string     `db:"evidence"`
	SubjectName string     `db:"subject_name"`
	TalkKind    string     `db:"talk_kind"`
	TalkYear    int        `db:"talk_year"`
	VillageID   *int64     `db:"village_id"`
}

// Overdue reports whether the item is open past its deadline.
func (r Rectification) Overdue(today time.Time) bool {
	return r.Status == "open" && r.DueOn.Before(today)
}

// RectificationFilter narrows a list of items. Zero values mean "any".
type RectificationFilter struct {
	TalkID         int64
	PersonID       *int64
	OrganisationID *int64
	VillageID      *int64
	OverdueOnly    bool // open and past the deadline
}

// Rectifications lists items by deadline. today decides what is overdue.
func (s *Store) Rectifications(ctx context.Context, townshipID int64, today time.Time, f RectificationFilter) ([]Rectification, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT x.id, x.talk_id, x.kind, x.content, x.due_on, x.status, x.done_on, x.evidence,
		       t.subject_name, t.kind AS talk_kind, t.year AS talk_year, coalesce(so.village_id, po.village_id) AS village_id
		FROM rectifications x JOIN talks t ON t.id = x.talk_id
		LEFT JOIN organisations so ON so.id = t.organisation_id
		LEFT JOIN people p ON p.id = t.person_id
		LEFT JOIN organisations po ON po.id = p.organisation_id
		WHERE x.township_id = $1
		  AND ($3::bigint = 0 OR x.talk_id = $3)
		  AND ($4::bigint IS NULL OR t.person_id = $4)
		  AND ($5::bigint IS NULL OR t.organisation_id = $5)
		  AND ($6::bigint IS NULL OR coalesce(so.village_id, po.village_id) = $6)
		  AND (NOT $7 OR (x.status = 'open' AND x.due_on < $2::date))
		ORDER BY x.due_on, x.id`, townshipID, today, f.TalkID, f.PersonID, f.OrganisationID, f.VillageID, f.OverdueOnly)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Rectification])
	if err != nil {
		return nil, fmt.Errorf("store: rectifications: %w", err)
	}
	return items, nil
}

// AddRectification adds an item to a talk of the township.
func (s *Store) AddRectification(ctx context.Context, townshipID, talkID int64, content string, due time.Time) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `
		INSERT INTO rectifications (township_id, talk_id, content, due_on)
		SELECT t.township_id, t.id, $3, $4 FROM talks t WHERE t.township_id = $1 AND t.id = $2
		RETURNING id`, townshipID, talkID, content, due).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add rectification: %w", notFound(err))
	}
	return id, nil
}

// CompleteRectification marks an item of the talk done on a date, with its evidence and
// optionally a file, all or nothing.
func (s *Store) CompleteRectification(ctx context.Context, townshipID, talkID, id int64, on time.Time, evidence string, file *Upload) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE rectifications SET status = 'done', done_on = $4, evidence = $5
			WHERE township_id = $1 AND talk_id = $2 AND id = $3`, townshipID, talkID, id, on, evidence)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if file != nil {
			_, err = addTalkFile(ctx, tx, townshipID, talkID, &id, nil, *file)
		}
		return err
	})
	if err != nil && err != ErrNotFound {
		return fmt.Errorf("store: complete rectification: %w", err)
	}
	return err
}

// ReopenRectification sets a done item of the talk open again (its evidence stays).
func (s *Store) ReopenRectification(ctx context.Context, townshipID, talkID, id int64) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE rectifications SET status = 'open', done_on = NULL
		WHERE township_id = $1 AND talk_id = $2 AND id = $3`, townshipID, talkID, id)
	if err != nil {
		return fmt.Errorf("store: reopen rectification: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
