package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Appeal kinds and decisions.
const (
	AppealScore = "score" // 对得分申请复核
	AppealRank  = "rank"  // 对排名申请复核
	AppealBand  = "band"  // 对定类申请复核

	DecisionUpheld  = "upheld"  // 维持原结果
	DecisionChanged = "changed" // 予以更正
)

// AppealKindLabel is an appeal kind in Chinese.
func AppealKindLabel(k string) string {
	switch k {
	case AppealScore:
		return "得分"
	case AppealRank:
		return "排名"
	case AppealBand:
		return "定类"
	}
	return k
}

// ErrAppealClosed means the appeal window is not open: results not shown yet, or past it.
var ErrAppealClosed = errors.New("store: appeal window closed")

// Appeal is a request for review (复核 / 申诉) of a score, rank or band.
type Appeal struct {
	ID            int64      `db:"id"`
	Year          int        `db:"year"`
	SubjectID     int64      `db:"subject_id"`
	SubjectName   string     `db:"subject_name"`
	GroupKey      string     `db:"group_key"`
	VillageID     *int64     `db:"village_id"`
	Kind          string     `db:"kind"`
	ClauseID      *int64     `db:"clause_id"`
	ClauseCode    *string    `db:"clause_code"`
	Reason        string     `db:"reason"`
	FiledByName   string     `db:"filed_by_name"`
	OnBehalf      bool       `db:"on_behalf"`
	FiledAt       time.Time  `db:"filed_at"`
	DueOn         time.Time  `db:"due_on"`
	Status        string     `db:"status"`
	Decision      *string    `db:"decision"`
	DecisionNote  string     `db:"decision_note"`
	DecidedByName string     `db:"decided_by_name"`
	DecidedAt     *time.Time `db:"decided_at"`
}

// Overdue reports whether an open appeal is past its decision date at now.
func (a Appeal) Overdue(now time.Time) bool {
	return a.Status == "open" && now.After(a.DueOn.AddDate(0, 0, 1))
}

// Appeals lists a year's appeals: open ones first, by deadline, then decided ones.
func (s *Store) Appeals(ctx context.Context, townshipID int64, year int) ([]Appeal, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT a.id, a.year, a.subject_id, s.name AS subject_name, s.group_key, s.village_id, a.kind, a.clause_id, c.code AS clause_code,
		       a.reason, a.filed_by_name, a.on_behalf, a.filed_at, a.due_on, a.status, a.decision, a.decision_note,
		       a.decided_by_name, a.decided_at
		FROM score_appeals a JOIN score_subjects s ON s.id = a.subject_id LEFT JOIN score_clauses c ON c.id = a.clause_id
		WHERE a.township_id = $1 AND a.year = $2
		ORDER BY a.status = 'decided', a.due_on, a.id`, townshipID, year)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Appeal])
	if err != nil {
		return nil, fmt.Errorf("store: appeals: %w", err)
	}
	return out, nil
}

// AppealInput is an appeal as filed.
type AppealInput struct {
	SubjectID int64
	Kind      string
	ClauseID  *int64 // a score appeal may name the clause
	Reason    string
	By        string
	OnBehalf  bool
}

// FileAppeal records an appeal within the year's appeal window (ErrAppealClosed
// outside it); the office must decide it within the year's review days.
func (s *Store) FileAppeal(ctx context.Context, townshipID int64, year int, in AppealInput, now time.Time) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var published *time.Time
		var appealDays, reviewDays int
		var templateID *int64
		err := tx.QueryRow(ctx, `
			SELECT y.published_at, y.appeal_days, y.review_days, s.template_id
			FROM score_subjects s JOIN score_years y ON y.township_id = s.township_id AND y.year = s.year
			WHERE s.township_id = $1 AND s.year = $2 AND s.id = $3`, townshipID, year, in.SubjectID).Scan(&published, &appealDays, &reviewDays, &templateID)
		if err != nil {
			return notFound(err)
		}
		if published == nil || !now.Before(published.AddDate(0, 0, appealDays)) {
			return ErrAppealClosed
		}
		if in.ClauseID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM score_clauses WHERE template_id = $1 AND id = $2)`, templateID, *in.ClauseID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ErrInvalid
			}
		}
		return tx.QueryRow(ctx, `
			INSERT INTO score_appeals (township_id, year, subject_id, kind, clause_id, reason, filed_by_name, on_behalf, filed_at, due_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			townshipID, year, in.SubjectID, in.Kind, in.ClauseID, in.Reason, in.By, in.OnBehalf, now, now.AddDate(0, 0, reviewDays)).Scan(&id)
	})
	if err != nil {
		if errors.Is(err, ErrAppealClosed) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound) {
			return 0, err
		}
		return 0, fmt.Errorf("store: file appeal: %w", err)
	}
	return id, nil
}

// AppealDecision is the office's decision on an appeal. Change, when set, corrects one
// clause of the subject's sheet in the same transaction (even on a final year), with
// the appeal as its source in the score history.
type AppealDecision struct {
	Decision string
	Note     string
	By       string
	Change   *ScoreInput
}

// DecideAppeal records the decision on an open appeal, all or nothing.
func (s *Store) DecideAppeal(ctx context.Context, townshipID, id int64, d AppealDecision) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var subjectID int64
		var templateID *int64
		var status string
		err := tx.QueryRow(ctx, `
			SELECT a.subject_id, s.template_id, a.status FROM score_appeals a JOIN score_subjects s ON s.id = a.subject_id
			WHERE a.township_id = $1 AND a.id = $2 FOR UPDATE OF a`, townshipID, id).Scan(&subjectID, &templateID, &status)
		if err != nil {
			return notFound(err)
		}
		if status != "open" {
			return ErrConflict
		}
		if d.Change != nil {
			if templateID == nil {
				return ErrInvalid
			}
			note := d.Change.Note
			if note == "" {
				note = fmt.Sprintf("申诉复核 #%d 更正", id)
			}
			c := *d.Change
			c.Note = note
			if err := saveScores(ctx, tx, *templateID, subjectID, d.By, "appeal", []ScoreInput{c}); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `
			UPDATE score_appeals SET status = 'decided', decision = $3, decision_note = $4, decided_by_name = $5, decided_at = now()
			WHERE township_id = $1 AND id = $2`, townshipID, id, d.Decision, d.Note, d.By)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("store: decide appeal: %w", err)
	}
	return nil
}
