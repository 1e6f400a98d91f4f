package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Talk kinds and statuses.
const (
	TalkReminder     = "reminder"     // 提醒谈话
	TalkAdmonishment = "admonishment" // 诫勉谈话
	TalkPending      = "pending"      // 待谈话
	TalkHeld         = "held"         // 已谈话
)

// China is the time zone every date of the ledger is read in (no daylight saving).
var China = time.FixedZone("CST", 8*3600)

// Today is the current date in China, at midnight UTC so it compares with PostgreSQL dates.
func Today() time.Time {
	y, m, d := time.Now().In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Talk is a talk (谈话): a task created by a round's outcome, or a talk recorded by hand,
// with its record (谈话记录).
type Talk struct {
	ID             int64      `db:"id"`
	RoundID        *int64     `db:"round_id"`
	RoundTitle     *string    `db:"round_title"`
	RoundSubjectID *int64     `db:"round_subject_id"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	VillageID      *int64     `db:"village_id"`
	SubjectName    string     `db:"subject_name"`
	TalkWithName   string     `db:"talk_with_name"`
	Year           int        `db:"year"`
	Kind           string     `db:"kind"`
	Document       bool       `db:"document"`
	Referral       bool       `db:"referral"`
	Source         string     `db:"source"`
	Status         string     `db:"status"`
	PlannedOn      *time.Time `db:"planned_on"`
	HeldOn         *time.Time `db:"held_on"`
	HeldBy         string     `db:"held_by"` // the talker (谈话人)
	TalkerPost     string     `db:"talker_post"`
	RecorderName   string     `db:"recorder_name"`
	RecorderPost   string     `db:"recorder_post"`
	Place          string     `db:"place"`
	TriggerText    string     `db:"trigger_text"`
	Points         string     `db:"points"`
	Response       string     `db:"response"`
	Note           string     `db:"note"`
	RecordedBy     *int64     `db:"recorded_by"`
	// Deadline is when a pending talk from a published round is due: the 公示 date plus
	// the township's deadline days. Nil for talks recorded by hand or rounds not yet published.
	Deadline        *time.Time `db:"deadline"`
	Satisfaction    *string    `db:"satisfaction"`
	Dissatisfaction *string    `db:"dissatisfaction"`
	Reasons         []string   `db:"reasons"`
	Consecutive     *int       `db:"consecutive"`
	OpenItems       int        `db:"open_items"`
	OverdueItems    int        `db:"overdue_items"`
}

// Held reports whether the talk has been held.
func (t Talk) Held() bool { return t.Status == TalkHeld }

// Overdue reports whether a pending talk has passed the office's deadline.
func (t Talk) Overdue(today time.Time) bool {
	return t.Status == TalkPending && t.Deadline != nil && t.Deadline.Before(today)
}

// IsOrganisation reports whether the talk's subject is an organisation (the talk is then
// with its responsible person).
func (t Talk) IsOrganisation() bool { return t.OrganisationID != nil }

// TalkKindLabel is a talk kind in Chinese.
func TalkKindLabel(k string) string {
	switch k {
	case TalkReminder:
		return "提醒谈话"
	case TalkAdmonishment:
		return "诫勉谈话"
	}
	return k
}

// deadlineExpr is a pending talk's due date: the 公示 date (China) plus the deadline days.
const deadlineExpr = `(CASE WHEN r.published_at IS NOT NULL
	THEN ((r.published_at AT TIME ZONE 'UTC') + interval '8 hours')::date + coalesce(ts.talk_deadline_days, 15) END)`

// talkSelect reads talks of township $1; $2 is today's date (for overdue items).
const talkSelect = `
	SELECT t.id, t.round_id, r.title AS round_title, t.round_subject_id, t.person_id, t.organisation_id,
	       coalesce(so.village_id, po.village_id) AS village_id,
	       t.subject_name, t.talk_with_name, t.year, t.kind, t.document, t.referral, t.source, t.status,
	       t.planned_on, t.held_on, t.held_by, t.talker_post, t.recorder_name, t.recorder_post, t.place,
	       t.trigger_text, t.points, t.response, t.note, t.recorded_by,
	       ` + deadlineExpr + ` AS deadline,
	       rr.satisfaction, rr.dissatisfaction, coalesce(rr.reasons, '{}') AS reasons, rr.consecutive,
	       (SELECT count(*) FROM rectifications x WHERE x.talk_id = t.id AND x.status = 'open')::int AS open_items,
	       (SELECT count(*) FROM rectifications x WHERE x.talk_id = t.id AND x.status = 'open' AND x.due_on < $2::date)::int AS overdue_items
	FROM talks t
	LEFT JOIN rounds r ON r.id = t.round_id
	LEFT JOIN round_results rr ON rr.round_subject_id = t.round_subject_id
	LEFT JOIN organisations so ON so.id = t.organisation_id
	LEFT JOIN people p ON p.id = t.person_id
	LEFT JOIN organisations po ON po.id = p.organisation_id
	LEFT JOIN talk_settings ts ON ts.township_id = t.township_id
	WHERE t.township_id = $1`

// TalkFilter narrows the talk ledger. Zero values mean "any".
type TalkFilter struct {
	Status         string // pending, held, overdue (pending past the deadline)
	Year           int
	Kind           string
	VillageID      *int64 // a village secretary's own village
	PersonID       *int64
	OrganisationID *int64
}

// TalkList lists the township's talks matching the filter: pending first, then by year
// (newest first) and name.
func (s *Store) TalkList(ctx context.Context, townshipID int64, today time.Time, f TalkFilter) ([]Talk, error) {
	rows, _ := s.pool.Query(ctx, talkSelect+`
		AND ($3::text = '' OR t.status = $3 OR ($3 = 'overdue' AND t.status = 'pending' AND `+deadlineExpr+` < $2::date))
		AND ($4::int = 0 OR t.year = $4)
		AND ($5::text = '' OR t.kind = $5)
		AND ($6::bigint IS NULL OR coalesce(so.village_id, po.village_id) = $6)
		AND ($7::bigint IS NULL OR t.person_id = $7)
		AND ($8::bigint IS NULL OR t.organisation_id = $8)
		ORDER BY t.status DESC, t.year DESC, t.kind, t.subject_name COLLATE zh_pinyin, t.id`,
		townshipID, today, f.Status, f.Year, f.Kind, f.VillageID, f.PersonID, f.OrganisationID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Talk])
	if err != nil {
		return nil, fmt.Errorf("store: talk list: %w", err)
	}
	return items, nil
}

// Talks lists the township's talks, pending first (status "" lists all).
func (s *Store) Talks(ctx context.Context, townshipID int64, status string) ([]Talk, error) {
	return s.TalkList(ctx, townshipID, Today(), TalkFilter{Status: status})
}

// Talk returns one talk of the township.
func (s *Store) Talk(ctx context.Context, townshipID, id int64) (Talk, error) {
	rows, _ := s.pool.Query(ctx, talkSelect+` AND t.id = $3`, townshipID, Today(), id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Talk])
	if err != nil {
		return t, fmt.Errorf("store: talk: %w", notFound(err))
	}
	return t, nil
}

// TalkYears lists the years that have talks, newest first (of one village when villageID
// is not nil).
func (s *Store) TalkYears(ctx context.Context, townshipID int64, villageID *int64) ([]int, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT DISTINCT t.year FROM talks t
		LEFT JOIN organisations so ON so.id = t.organisation_id
		LEFT JOIN people p ON p.id = t.person_id
		LEFT JOIN organisations po ON po.id = p.organisation_id
		WHERE t.township_id = $1 AND ($2::bigint IS NULL OR coalesce(so.village_id, po.village_id) = $2)
		ORDER BY t.year DESC`, townshipID, villageID)
	ys, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store: talk years: %w", err)
	}
	return ys, nil
}

// MarkTalkHeld records that a pending talk was held: when, by whom, and a note. The
// default rectification item and, for 诫勉谈话, the 诫勉 period start with it.
func (s *Store) MarkTalkHeld(ctx context.Context, townshipID, id, userID int64, on time.Time, by, note string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE talks SET status = 'held', held_on = $3, held_by = $4, note = $5,
			       recorded_by = coalesce(recorded_by, NULLIF($6::bigint, 0)), updated_at = now()
			WHERE township_id = $1 AND id = $2`, townshipID, id, on, by, note, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return afterHeld(ctx, tx, townshipID, id)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: mark talk held: %w", err)
	}
	return err
}

// TalkRecord is what the talk record form sets (谈话记录).
type TalkRecord struct {
	PlannedOn    *time.Time
	HeldOn       *time.Time // nil: not held yet
	Place        string
	Talker       string
	TalkerPost   string
	Recorder     string
	RecorderPost string
	TriggerText  string
	Points       string
	Response     string
	Note         string
}

// ErrHeldDateRequired means a held talk's date cannot be cleared.
var ErrHeldDateRequired = errors.New("store: a held talk keeps its date")

// SaveTalkRecord writes a talk's record. Giving a held date marks it held and starts its
// consequences (the default rectification item; for 诫勉谈话 the 诫勉 period); changing a
// held date moves those that have not moved on yet. All in one transaction.
func (s *Store) SaveTalkRecord(ctx context.Context, townshipID, id, userID int64, in TalkRecord) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM talks WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, id).Scan(&status); err != nil {
			return notFound(err)
		}
		if status == TalkHeld && in.HeldOn == nil {
			return ErrHeldDateRequired
		}
		newStatus := TalkPending
		if in.HeldOn != nil {
			newStatus = TalkHeld
		}
		if _, err := tx.Exec(ctx, `
			UPDATE talks SET planned_on = $3, held_on = $4, status = $5, place = $6, held_by = $7, talker_post = $8,
			       recorder_name = $9, recorder_post = $10, trigger_text = $11, points = $12, response = $13, note = $14,
			       recorded_by = CASE WHEN $5 = 'held' THEN coalesce(recorded_by, NULLIF($15::bigint, 0)) END, updated_at = now()
			WHERE township_id = $1 AND id = $2`,
			townshipID, id, in.PlannedOn, in.HeldOn, newStatus, in.Place, in.Talker, in.TalkerPost, in.Recorder, in.RecorderPost,
			in.TriggerText, in.Points, in.Response, in.Note, userID); err != nil {
			return err
		}
		if in.HeldOn == nil {
			return nil
		}
		// A corrected date moves what has not moved on: an open pledge, a period without follow-up.
		if _, err := tx.Exec(ctx, `
			UPDATE rectifications x SET due_on = $3::date + coalesce(ts.pledge_days, 7)
			FROM talks t LEFT JOIN talk_settings ts ON ts.township_id = t.township_id
			WHERE x.township_id = $1 AND x.talk_id = $2 AND t.id = x.talk_id AND x.kind = 'pledge' AND x.status = 'open'`,
			townshipID, id, *in.HeldOn); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE admonishment_periods ap SET starts_on = $3, ends_on = ($3::date + make_interval(months => coalesce(ts.admonish_months, 6)))::date
			FROM talks t LEFT JOIN talk_settings ts ON ts.township_id = t.township_id
			WHERE ap.township_id = $1 AND ap.talk_id = $2 AND t.id = ap.talk_id AND ap.status = 'active'
			  AND NOT EXISTS (SELECT 1 FROM period_followups f WHERE f.period_id = ap.id)`,
			townshipID, id, *in.HeldOn); err != nil {
			return err
		}
		return afterHeld(ctx, tx, townshipID, id)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrHeldDateRequired) {
		return fmt.Errorf("store: save talk record: %w", err)
	}
	return err
}

// afterHeld starts a held talk's consequences, once: the written pledge (书面检查 / 整改承诺)
// due after the township's pledge days, and for 诫勉谈话 the 诫勉 period.
func afterHeld(ctx context.Context, tx pgx.Tx, townshipID, talkID int64) error {
	if _, err := tx.Exec(ctx, `
		INSERT INTO rectifications (township_id, talk_id, kind, content, due_on)
		SELECT t.township_id, t.id, 'pledge',
		       CASE t.kind WHEN 'admonishment' THEN '提交书面检查和整改承诺,对照评议意见逐项整改' ELSE '提交书面整改承诺' END,
		       t.held_on + coalesce(ts.pledge_days, 7)
		FROM talks t LEFT JOIN talk_settings ts ON ts.township_id = t.township_id
		WHERE t.township_id = $1 AND t.id = $2 AND t.held_on IS NOT NULL
		ON CONFLICT (talk_id) WHERE kind = 'pledge' DO NOTHING`, townshipID, talkID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO admonishment_periods (township_id, talk_id, starts_on, ends_on)
		SELECT t.township_id, t.id, t.held_on, (t.held_on + make_interval(months => coalesce(ts.admonish_months, 6)))::date
		FROM talks t LEFT JOIN talk_settings ts ON ts.township_id = t.township_id
		WHERE t.township_id = $1 AND t.id = $2 AND t.held_on IS NOT NULL AND t.kind = 'admonishment'
		ON CONFLICT (talk_id) DO NOTHING`, townshipID, talkID)
	return err
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
	TalkerPost  string
	Place       string
	TriggerText string
	Points      string
	Response    string
	RecordedBy  int64 // the signed-in account; 0 for none
}

// RecordTalk records a talk held outside any round's task list, with its consequences
// (see afterHeld), all or nothing. An organisation's talk is with its responsible person.
// ErrNotFound if the subject is not in the township.
func (s *Store) RecordTalk(ctx context.Context, townshipID int64, in TalkInput) (int64, error) {
	var q string
	switch in.SubjectKind {
	case "p":
		q = `INSERT INTO talks (township_id, person_id, subject_name, talk_with_id, talk_with_name, year, kind, source, status,
		                        held_on, held_by, note, talker_post, place, trigger_text, points, response, recorded_by)
			SELECT $1, p.id, p.name, p.id, p.name, $3, $4, 'manual', 'held', $5, $6, $7, $8, $9, $10, $11, $12, $13
			FROM people p WHERE p.township_id = $1 AND p.id = $2 RETURNING id`
	case "o":
		q = `INSERT INTO talks (township_id, organisation_id, subject_name, talk_with_id, talk_with_name, year, kind, source, status,
		                        held_on, held_by, note, talker_post, place, trigger_text, points, response, recorded_by)
			SELECT $1, o.id, o.name, o.responsible_id, coalesce(rp.name, ''), $3, $4, 'manual', 'held', $5, $6, $7, $8, $9, $10, $11, $12, $13
			FROM organisations o LEFT JOIN people rp ON rp.id = o.responsible_id WHERE o.township_id = $1 AND o.id = $2 RETURNING id`
	default:
		return 0, ErrInvalid
	}
	var by *int64
	if in.RecordedBy != 0 {
		by = &in.RecordedBy
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q, townshipID, in.SubjectID, in.Year, in.Kind, in.HeldOn, in.HeldBy, in.Note,
			in.TalkerPost, in.Place, in.TriggerText, in.Points, in.Response, by).Scan(&id); err != nil {
			return notFound(err)
		}
		return afterHeld(ctx, tx, townshipID, id)
	})
	if errors.Is(err, ErrNotFound) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("store: record talk: %w", err)
	}
	return id, nil
}

// TalkSettings are a township's settings for consequences.
type TalkSettings struct {
	TalkDeadlineDays int // talks held within N days of 公示
	PledgeDays       int // the written pledge is due N days after the talk
	AdmonishMonths   int // the 诫勉 period
	DocPrefix        string
	DocIssuer        string
	// Derived* are what an empty prefix or issuer stands for.
	DerivedPrefix string
	DerivedIssuer string
}

// Prefix is the 文号 prefix in force.
func (t TalkSettings) Prefix() string {
	if strings.TrimSpace(t.DocPrefix) != "" {
		return t.DocPrefix
	}
	return t.DerivedPrefix
}

// Issuer is the issuing authority (发文机关) in force.
func (t TalkSettings) Issuer() string {
	if strings.TrimSpace(t.DocIssuer) != "" {
		return t.DocIssuer
	}
	return t.DerivedIssuer
}

// DocPrefixFor derives a 文号 prefix from a township's name: 小漩乡 -> 小漩组.
func DocPrefixFor(township string) string {
	base := township
	for _, suf := range []string{"乡", "镇", "街道"} {
		if b, ok := strings.CutSuffix(base, suf); ok && b != "" {
			base = b
			break
		}
	}
	return base + "组"
}

// LoadTalkSettings reads a township's settings (defaults when none were saved).
func (s *Store) LoadTalkSettings(ctx context.Context, townshipID int64) (TalkSettings, error) {
	return talkSettings(ctx, s.pool, townshipID)
}

func talkSettings(ctx context.Context, q querier, townshipID int64) (TalkSettings, error) {
	var t TalkSettings
	var name string
	err := q.QueryRow(ctx, `
		SELECT tw.name, coalesce(ts.talk_deadline_days, 15), coalesce(ts.pledge_days, 7), coalesce(ts.admonish_months, 6),
		       coalesce(ts.doc_prefix, ''), coalesce(ts.doc_issuer, '')
		FROM townships tw LEFT JOIN talk_settings ts ON ts.township_id = tw.id WHERE tw.id = $1`, townshipID).
		Scan(&name, &t.TalkDeadlineDays, &t.PledgeDays, &t.AdmonishMonths, &t.DocPrefix, &t.DocIssuer)
	if err != nil {
		return t, fmt.Errorf("store: talk settings: %w", notFound(err))
	}
	t.DerivedPrefix = DocPrefixFor(name)
	t.DerivedIssuer = "中共" + name + "委员会"
	return t, nil
}

// SaveTalkSettings stores a township's settings. They apply to talks held and periods
// started from now on; what has started keeps its dates.
func (s *Store) SaveTalkSettings(ctx context.Context, townshipID int64, in TalkSettings) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO talk_settings (township_id, talk_deadline_days, pledge_days, admonish_months, doc_prefix, doc_issuer)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (township_id) DO UPDATE SET talk_deadline_days = $2, pledge_days = $3, admonish_months = $4,
		       doc_prefix = $5, doc_issuer = $6`,
		townshipID, in.TalkDeadlineDays, in.PledgeDays, in.AdmonishMonths, in.DocPrefix, in.DocIssuer)
	if err != nil {
		return fmt.Errorf("store: save talk settings: %w", err)
	}
	return nil
}

// TalkFile is an attachment's description: a talk's signed record, a rectification
// item's evidence or a referral's document.
type TalkFile struct {
	ID              int64     `db:"id"`
	TalkID          int64     `db:"talk_id"`
	RectificationID *int64    `db:"rectification_id"`
	ReferralID      *int64    `db:"referral_id"`
	FileName        string    `db:"file_name"`
	ContentType     string    `db:"content_type"`
	Size            int       `db:"size"`
	CreatedAt       time.Time `db:"created_at"`
}

// Upload is a file as uploaded (a duty report's attachment, a 台账, a talk's scan), checked
// by its content before it reaches the store.
type Upload struct {
	Name        string
	ContentType string
	Data        []byte
}

// TalkFiles lists a talk's attachments (its own, its items' and its referrals').
func (s *Store) TalkFiles(ctx context.Context, townshipID, talkID int64) ([]TalkFile, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, talk_id, rectification_id, referral_id, file_name, content_type, size, created_at
		FROM talk_files WHERE township_id = $1 AND talk_id = $2 ORDER BY id`, townshipID, talkID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[TalkFile])
	if err != nil {
		return nil, fmt.Errorf("store: talk files: %w", err)
	}
	return items, nil
}

// AddTalkFile attaches a file to a talk, or to one of its rectification items or referrals
// (which must belong to the same talk).
func (s *Store) AddTalkFile(ctx context.Context, townshipID, talkID int64, rectificationID, referralID *int64, f Upload) (int64, error) {
	return addTalkFile(ctx, s.pool, townshipID, talkID, rectificationID, referralID, f)
}

func addTalkFile(ctx context.Context, q querier, townshipID, talkID int64, rectificationID, referralID *int64, f Upload) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO talk_files (township_id, talk_id, rectification_id, referral_id, file_name, content_type, size, data)
		SELECT t.township_id, t.id, $3, $4, $5, $6, $7, $8 FROM talks t
		WHERE t.township_id = $1 AND t.id = $2
		  AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM rectifications x WHERE x.id = $3 AND x.talk_id = t.id))
		  AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM referrals x WHERE x.id = $4 AND x.talk_id = t.id))
		RETURNING id`, townshipID, talkID, rectificationID, referralID, f.Name, f.ContentType, len(f.Data), f.Data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add talk file: %w", notFound(err))
	}
	return id, nil
}

// TalkFileData returns one attachment of a talk with its content.
func (s *Store) TalkFileData(ctx context.Context, townshipID, talkID, fileID int64) (TalkFile, []byte, error) {
	var f TalkFile
	var data []byte
	err := s.pool.QueryRow(ctx, `
		SELECT id, talk_id, rectification_id, referral_id, file_name, content_type, size, created_at, data
		FROM talk_files WHERE township_id = $1 AND talk_id = $2 AND id = $3`, townshipID, talkID, fileID).
		Scan(&f.ID, &f.TalkID, &f.RectificationID, &f.ReferralID, &f.FileName, &f.ContentType, &f.Size, &f.CreatedAt, &data)
	if err != nil {
		return f, nil, fmt.Errorf("store: talk file: %w", notFound(err))
	}
	return f, data, nil
}

// DeleteTalkFile removes an attachment of a talk.
func (s *Store) DeleteTalkFile(ctx context.Context, townshipID, talkID, fileID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM talk_files WHERE township_id = $1 AND talk_id = $2 AND id = $3`, townshipID, talkID, fileID)
	if err != nil {
		return fmt.Errorf("store: delete talk file: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
