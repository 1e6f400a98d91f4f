package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Consequences beyond the talk (method.md §5): the 诫勉 period with its follow-up (回访),
// admonishment documents (诫勉文件) and referrals for organisational handling (组织处理).
//
// A round's close writes talk rows flagged document / referral (close.go, untouched here).
// EnsureConsequences turns those flags into a drafted document and a referral the first
// time anyone opens the ledger, the home page or a dossier after the close: one cheap
// query when there is nothing to do, idempotent under concurrent page loads (unique keys
// plus ON CONFLICT DO NOTHING), and no change to the voting path.

// Period is the 诫勉 period an admonishment talk starts.
type Period struct {
	ID             int64      `db:"id"`
	TalkID         int64      `db:"talk_id"`
	StartsOn       time.Time  `db:"starts_on"`
	EndsOn         time.Time  `db:"ends_on"`
	Status         string     `db:"status"` // active, lifted, escalated
	ClosedOn       *time.Time `db:"closed_on"`
	SubjectName    string     `db:"subject_name"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	VillageID      *int64     `db:"village_id"`
	TalkYear       int        `db:"talk_year"`
	Followups      []Followup `db:"-"`
}

// FollowupDue reports whether the period has ended and waits for its follow-up (回访).
func (p Period) FollowupDue(today time.Time) bool {
	return p.Status == "active" && !p.EndsOn.After(today)
}

// PeriodStatusLabel names a period's status in Chinese.
func PeriodStatusLabel(s string) string {
	switch s {
	case "active":
		return "诫勉期内"
	case "lifted":
		return "已解除"
	case "escalated":
		return "已提请组织处理"
	}
	return s
}

// Followup is a follow-up (回访) at the end of a 诫勉 period.
type Followup struct {
	ID           int64     `db:"id"`
	PeriodID     int64     `db:"period_id"`
	HeldOn       time.Time `db:"held_on"`
	Findings     string    `db:"findings"`
	Decision     string    `db:"decision"` // lift, extend, escalate
	ExtendMonths *int      `db:"extend_months"`
	HeldBy       string    `db:"held_by"`
}

// FollowUpDecisionLabel names a follow-up's decision (回访决定) in Chinese.
func FollowUpDecisionLabel(d string) string {
	switch d {
	case "lift":
		return "解除诫勉"
	case "extend":
		return "延长诫勉期"
	case "escalate":
		return "提请组织处理"
	}
	return d
}

// ConsequenceFilter narrows periods, documents and referrals. Zero values mean "any".
type ConsequenceFilter struct {
	TalkID         int64
	PersonID       *int64
	OrganisationID *int64
	VillageID      *int64
	DueOnly        bool // periods: ended and waiting for the follow-up
}

// Periods lists 诫勉 periods with their follow-ups, by start date.
func (s *Store) Periods(ctx context.Context, townshipID int64, today time.Time, f ConsequenceFilter) ([]Period, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT ap.id, ap.talk_id, ap.starts_on, ap.ends_on, ap.status, ap.closed_on, t.subject_name, t.person_id, t.organisation_id,
		       coalesce(so.village_id, po.village_id) AS village_id, t.year AS talk_year
		FROM admonishment_periods ap JOIN talks t ON t.id = ap.talk_id
		LEFT JOIN organisations so ON so.id = t.organisation_id
		LEFT JOIN people p ON p.id = t.person_id
		LEFT JOIN organisations po ON po.id = p.organisation_id
		WHERE ap.township_id = $1
		  AND ($3::bigint = 0 OR ap.talk_id = $3)
		  AND ($4::bigint IS NULL OR t.person_id = $4)
		  AND ($5::bigint IS NULL OR t.organisation_id = $5)
		  AND ($6::bigint IS NULL OR coalesce(so.village_id, po.village_id) = $6)
		  AND (NOT $7 OR (ap.status = 'active' AND ap.ends_on <= $2::date))
		ORDER BY ap.starts_on, ap.id`, townshipID, today, f.TalkID, f.PersonID, f.OrganisationID, f.VillageID, f.DueOnly)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Period])
	if err != nil {
		return nil, fmt.Errorf("store: periods: %w", err)
	}
	if len(items) == 0 {
		return items, nil
	}
	ids := make([]int64, len(items))
	at := map[int64]int{}
	for i, p := range items {
		ids[i] = p.ID
		at[p.ID] = i
	}
	rows, _ = s.pool.Query(ctx, `
		SELECT id, period_id, held_on, findings, decision, extend_months, held_by FROM period_followups
		WHERE township_id = $1 AND period_id = ANY($2) ORDER BY held_on, id`, townshipID, ids)
	fs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Followup])
	if err != nil {
		return nil, fmt.Errorf("store: followups: %w", err)
	}
	for _, fu := range fs {
		items[at[fu.PeriodID]].Followups = append(items[at[fu.PeriodID]].Followups, fu)
	}
	return items, nil
}

// FollowupInput is a follow-up as recorded.
type FollowupInput struct {
	HeldOn       time.Time
	Findings     string
	Decision     string // lift, extend, escalate
	ExtendMonths int    // for extend
	HeldBy       string
}

// ErrPeriodClosed means the period was already lifted or escalated.
var ErrPeriodClosed = errors.New("store: period closed")

// RecordFollowup records the follow-up (回访) of an active 诫勉 period of the talk and acts
// on its decision, all or nothing: lift closes the period, extend moves its end, escalate
// closes it and opens a referral for organisational handling (组织处理).
func (s *Store) RecordFollowup(ctx context.Context, townshipID, talkID, periodID int64, in FollowupInput) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM admonishment_periods WHERE township_id = $1 AND talk_id = $2 AND id = $3 FOR UPDATE`,
			townshipID, talkID, periodID).Scan(&status); err != nil {
			return notFound(err)
		}
		if status != "active" {
			return ErrPeriodClosed
		}
		var months *int
		if in.Decision == "extend" {
			months = &in.ExtendMonths
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO period_followups (township_id, period_id, held_on, findings, decision, extend_months, held_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, townshipID, periodID, in.HeldOn, in.Findings, in.Decision, months, in.HeldBy); err != nil {
			return err
		}
		var err error
		switch in.Decision {
		case "lift":
			_, err = tx.Exec(ctx, `UPDATE admonishment_periods SET status = 'lifted', closed_on = $2 WHERE id = $1`, periodID, in.HeldOn)
		case "extend":
			_, err = tx.Exec(ctx, `UPDATE admonishment_periods SET ends_on = (greatest(ends_on, $2::date) + make_interval(months => $3))::date WHERE id = $1`,
				periodID, in.HeldOn, in.ExtendMonths)
		case "escalate":
			if _, err = tx.Exec(ctx, `UPDATE admonishment_periods SET status = 'escalated', closed_on = $2 WHERE id = $1`, periodID, in.HeldOn); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `
				INSERT INTO referrals (township_id, talk_id, source, bodies, reason)
				VALUES ($1, $2, 'followup', ARRAY['party_committee'], $3)
				ON CONFLICT (talk_id, source) DO NOTHING`,
				townshipID, talkID, "诫勉期满回访("+fmtCNDate(in.HeldOn)+"):"+in.Findings+"。经研究,提请组织处理。")
		default:
			return ErrInvalid
		}
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrPeriodClosed) && !errors.Is(err, ErrInvalid) {
		return fmt.Errorf("store: record followup: %w", err)
	}
	return err
}

// Document is an admonishment document (诫勉文件).
type Document struct {
	ID             int64      `db:"id"`
	TalkID         int64      `db:"talk_id"`
	Title          string     `db:"title"`
	Addressee      string     `db:"addressee"`
	Body           string     `db:"body"`
	Status         string     `db:"status"` // draft, issued
	Prefix         string     `db:"prefix"`
	DocYear        *int       `db:"doc_year"`
	DocNumber      *int       `db:"doc_number"`
	IssuedOn       *time.Time `db:"issued_on"`
	IssuedBy       string     `db:"issued_by"`
	UpdatedAt      time.Time  `db:"updated_at"`
	SubjectName    string     `db:"subject_name"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	RoundTitle     *string    `db:"round_title"`
	TalkYear       int        `db:"talk_year"`
}

// Issued reports whether the document has been issued (and so has its number).
func (d Document) Issued() bool { return d.Status == "issued" }

// Number is the document's 文号, e.g. 小漩组〔2025〕3号; "" while it is a draft.
func (d Document) Number() string {
	if d.DocYear == nil || d.DocNumber == nil {
		return ""
	}
	return fmt.Sprintf("%s〔%d〕%d号", d.Prefix, *d.DocYear, *d.DocNumber)
}

// Paragraphs splits the body into paragraphs (blank lines and single line breaks alike).
func (d Document) Paragraphs() []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(d.Body, "\r\n", "\n"), "\n") {
		if l := strings.TrimSpace(line); l != "" {
			out = append(out, l)
		}
	}
	return out
}

const documentSelect = `
	SELECT d.id, d.talk_id, d.title, d.addressee, d.body, d.status, d.prefix, d.doc_year, d.doc_number, d.issued_on,
	       d.issued_by, d.updated_at, t.subject_name, t.person_id, t.organisation_id, r.title AS round_title, t.year AS talk_year
	FROM admonishment_documents d JOIN talks t ON t.id = d.talk_id LEFT JOIN rounds r ON r.id = t.round_id`

// Documents lists the township's admonishment documents, drafts first, then by number.
func (s *Store) Documents(ctx context.Context, townshipID int64, f ConsequenceFilter) ([]Document, error) {
	rows, _ := s.pool.Query(ctx, documentSelect+`
		WHERE d.township_id = $1 AND ($2::bigint = 0 OR d.talk_id = $2)
		  AND ($3::bigint IS NULL OR t.person_id = $3) AND ($4::bigint IS NULL OR t.organisation_id = $4)
		ORDER BY d.status, d.doc_year DESC NULLS FIRST, d.doc_number DESC, d.id DESC`, townshipID, f.TalkID, f.PersonID, f.OrganisationID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Document])
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	return items, nil
}

// Document returns one admonishment document of the township.
func (s *Store) Document(ctx context.Context, townshipID, id int64) (Document, error) {
	rows, _ := s.pool.Query(ctx, documentSelect+` WHERE d.township_id = $1 AND d.id = $2`, townshipID, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Document])
	if err != nil {
		return d, fmt.Errorf("store: document: %w", notFound(err))
	}
	return d, nil
}

// ErrIssued means the document has been issued and can no longer change.
var ErrIssued = errors.New("store: document already issued")

// SaveDocument changes a draft's title, addressee and body.
func (s *Store) SaveDocument(ctx context.Context, townshipID, id int64, title, addressee, body string) error {
	return s.updateDraft(ctx, townshipID, id, title, addressee, body)
}

func (s *Store) updateDraft(ctx context.Context, townshipID, id int64, title, addressee, body string) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE admonishment_documents SET title = $3, addressee = $4, body = $5, updated_at = now()
		WHERE township_id = $1 AND id = $2 AND status = 'draft'`, townshipID, id, title, addressee, body)
	if err != nil {
		return fmt.Errorf("store: save document: %w", err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.Document(ctx, townshipID, id); err != nil {
			return err
		}
		return ErrIssued
	}
	return nil
}

// RedraftDocument writes a draft afresh from the round's figures and the talk record as
// they are now (after the talk has been recorded, say).
func (s *Store) RedraftDocument(ctx context.Context, townshipID, id int64) error {
	d, err := s.Document(ctx, townshipID, id)
	if err != nil {
		return err
	}
	facts, err := loadDocFacts(ctx, s.pool, townshipID, d.TalkID)
	if err != nil {
		return fmt.Errorf("store: redraft document: %w", err)
	}
	title, addressee, body := draftDocument(facts)
	return s.updateDraft(ctx, townshipID, id, title, addressee, body)
}

// IssueDocument issues a draft: it takes the next 文号 of the township for the year of
// issue (numbers are never reused or skipped), with the date and who issued it.
func (s *Store) IssueDocument(ctx context.Context, townshipID, id int64, on time.Time, by string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM admonishment_documents WHERE township_id = $1 AND id = $2 FOR UPDATE`,
			townshipID, id).Scan(&status); err != nil {
			return notFound(err)
		}
		if status != "draft" {
			return ErrIssued
		}
		set, err := talkSettings(ctx, tx, townshipID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `
			INSERT INTO document_counters (township_id, year, last) VALUES ($1, $2, 1)
			ON CONFLICT (township_id, year) DO UPDATE SET last = document_counters.last + 1 RETURNING last`,
			townshipID, on.Year()).Scan(&n); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE admonishment_documents SET status = 'issued', prefix = $3, doc_year = $4, doc_number = $5, issued_on = $6,
			       issued_by = $7, updated_at = now()
			WHERE id = $1 AND township_id = $2`, id, townshipID, set.Prefix(), on.Year(), n, on, by)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrIssued) {
		return fmt.Errorf("store: issue document: %w", err)
	}
	return err
}

// Referral bodies (组织处理 goes to these, per cadre-management authority).
var ReferralBodies = []struct{ Key, Label string }{
	{"party_committee", "乡党委"},
	{"county_org", "县委组织部"},
	{"discipline", "县纪委监委(纪检监察机关)"},
}

// ReferralBodyLabel names a body in Chinese.
func ReferralBodyLabel(k string) string {
	for _, b := range ReferralBodies {
		if b.Key == k {
			return b.Label
		}
	}
	return k
}

// Referral is a referral for organisational handling (组织处理).
type Referral struct {
	ID             int64      `db:"id"`
	TalkID         int64      `db:"talk_id"`
	Source         string     `db:"source"` // round, followup
	Bodies         []string   `db:"bodies"`
	Reason         string     `db:"reason"`
	SentOn         *time.Time `db:"sent_on"`
	Result         string     `db:"result"`
	ResultOn       *time.Time `db:"result_on"`
	SubjectName    string     `db:"subject_name"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	RoundTitle     *string    `db:"round_title"`
	TalkYear       int        `db:"talk_year"`
}

// State is draft (待移送), sent (已移送) or concluded (已办结).
func (r Referral) State() string {
	switch {
	case r.ResultOn != nil:
		return "concluded"
	case r.SentOn != nil:
		return "sent"
	}
	return "draft"
}

const referralSelect = `
	SELECT f.id, f.talk_id, f.source, f.bodies, f.reason, f.sent_on, f.result, f.result_on, t.subject_name, t.person_id,
	       t.organisation_id, r.title AS round_title, t.year AS talk_year
	FROM referrals f JOIN talks t ON t.id = f.talk_id LEFT JOIN rounds r ON r.id = t.round_id`

// Referrals lists the township's referrals, newest first.
func (s *Store) Referrals(ctx context.Context, townshipID int64, f ConsequenceFilter) ([]Referral, error) {
	rows, _ := s.pool.Query(ctx, referralSelect+`
		WHERE f.township_id = $1 AND ($2::bigint = 0 OR f.talk_id = $2)
		  AND ($3::bigint IS NULL OR t.person_id = $3) AND ($4::bigint IS NULL OR t.organisation_id = $4)
		ORDER BY f.id DESC`, townshipID, f.TalkID, f.PersonID, f.OrganisationID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Referral])
	if err != nil {
		return nil, fmt.Errorf("store: referrals: %w", err)
	}
	return items, nil
}

// Referral returns one referral of the township.
func (s *Store) Referral(ctx context.Context, townshipID, id int64) (Referral, error) {
	rows, _ := s.pool.Query(ctx, referralSelect+` WHERE f.township_id = $1 AND f.id = $2`, townshipID, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Referral])
	if err != nil {
		return r, fmt.Errorf("store: referral: %w", notFound(err))
	}
	return r, nil
}

// ReferralInput is what the office records on a referral.
type ReferralInput struct {
	Bodies   []string
	Reason   string
	SentOn   *time.Time
	Result   string
	ResultOn *time.Time
}

// SaveReferral records where a referral went, when, and what came of it.
func (s *Store) SaveReferral(ctx context.Context, townshipID, id int64, in ReferralInput) error {
	if in.Bodies == nil {
		in.Bodies = []string{}
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE referrals SET bodies = $3, reason = $4, sent_on = $5, result = $6, result_on = $7, updated_at = now()
		WHERE township_id = $1 AND id = $2`, townshipID, id, in.Bodies, in.Reason, in.SentOn, in.Result, in.ResultOn)
	if err != nil {
		return fmt.Errorf("store: save referral: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// EnsureConsequences drafts the documents and opens the referrals that the township's
// round outcomes call for and that do not exist yet (see the note at the top of this file).
// A read-only request (a county account's) drafts nothing: it sees what the office has.
func (s *Store) EnsureConsequences(ctx context.Context, townshipID int64) error {
	if sc, ok := scopeOf(ctx); ok && sc.readOnly {
		return nil
	}
	var docs, refs bool
	if err := s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM talks t WHERE t.township_id = $1 AND t.document
		                 AND NOT EXISTS (SELECT 1 FROM admonishment_documents d WHERE d.talk_id = t.id)),
		       EXISTS (SELECT 1 FROM talks t WHERE t.township_id = $1 AND t.referral
		                 AND NOT EXISTS (SELECT 1 FROM referrals f WHERE f.talk_id = t.id AND f.source = 'round'))`,
		townshipID).Scan(&docs, &refs); err != nil {
		return fmt.Errorf("store: ensure consequences: %w", err)
	}
	if !docs && !refs {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT t.id FROM talks t WHERE t.township_id = $1 AND t.document
			  AND NOT EXISTS (SELECT 1 FROM admonishment_documents d WHERE d.talk_id = t.id) ORDER BY t.id`, townshipID)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			facts, err := loadDocFacts(ctx, tx, townshipID, id)
			if err != nil {
				return err
			}
			title, addressee, body := draftDocument(facts)
			if _, err := tx.Exec(ctx, `
				INSERT INTO admonishment_documents (township_id, talk_id, title, addressee, body)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (talk_id) DO NOTHING`, townshipID, id, title, addressee, body); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO referrals (township_id, talk_id, source, bodies, reason)
			SELECT t.township_id, t.id, 'round', ARRAY['party_committee','county_org','discipline'],
			       format('%s在「%s」中满意率 %s%%、不满意率 %s%%,连续第 %s 次被评定为诫勉谈话(连续两次实行诫勉)。按干部管理权限,提请乡党委和上级组织人事、纪检部门给予组织处理。',
			              CASE WHEN t.organisation_id IS NOT NULL THEN t.subject_name || '(负责人' || t.talk_with_name || ')' ELSE t.subject_name END,
			              coalesce(r.title, ''), coalesce(rr.satisfaction, '—'), coalesce(rr.dissatisfaction, '—'), coalesce(rr.consecutive, 0))
			FROM talks t LEFT JOIN rounds r ON r.id = t.round_id LEFT JOIN round_results rr ON rr.round_subject_id = t.round_subject_id
			WHERE t.township_id = $1 AND t.referral
			ON CONFLICT (talk_id, source) DO NOTHING`, townshipID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: ensure consequences: %w", err)
	}
	return nil
}

// docFacts is what a document is drafted from: the round's figures and the talk record.
type docFacts struct {
	Talk     Talk
	Settings TalkSettings
	Period   *Period
}

func loadDocFacts(ctx context.Context, q querier, townshipID, talkID int64) (docFacts, error) {
	var f docFacts
	rows, _ := q.Query(ctx, talkSelect+` AND t.id = $3`, townshipID, Today(), talkID)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Talk])
	if err != nil {
		return f, notFound(err)
	}
	f.Talk = t
	if f.Settings, err = talkSettings(ctx, q, townshipID); err != nil {
		return f, err
	}
	var p Period
	err = q.QueryRow(ctx, `SELECT starts_on, ends_on FROM admonishment_periods WHERE talk_id = $1`, talkID).Scan(&p.StartsOn, &p.EndsOn)
	if err == nil {
		f.Period = &p
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return f, err
	}
	return f, nil
}

// fmtCNDate writes a date the way documents do: 2025年3月5日.
func fmtCNDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// draftDocument writes an admonishment document from its facts. The office edits the
// draft before issuing it; this gives the standard wording.
func draftDocument(f docFacts) (title, addressee, body string) {
	t := f.Talk
	who := t.SubjectName + "同志"
	you := "你"
	if t.IsOrganisation() {
		if t.TalkWithName != "" {
			title = "关于对" + t.SubjectName + "负责人" + t.TalkWithName + "同志实行诫勉的决定"
			addressee = t.TalkWithName + "同志:"
		} else {
			title = "关于对" + t.SubjectName + "主要负责人实行诫勉的决定"
			addressee = t.SubjectName + ":"
		}
		who, you = t.SubjectName, "你单位"
	} else {
		title = "关于对" + t.SubjectName + "同志实行诫勉的决定"
		addressee = t.SubjectName + "同志:"
	}
	var ps []string
	if t.RoundTitle != nil && t.Satisfaction != nil {
		p := fmt.Sprintf("在%s中,%s的加权满意率(称职、满意以上票)为 %s%%,不满意率为 %s%%", *t.RoundTitle, you, *t.Satisfaction, deref0(t.Dissatisfaction))
		// The threshold reasons; the escalation reason is what the next sentence says.
		var why []string
		for _, r := range t.Reasons {
			if !strings.Contains(r, "连续") {
				why = append(why, r)
			}
		}
		if len(why) > 0 {
			p += "(" + strings.Join(why, ";") + ")"
		}
		p += ",被评定为诫勉谈话"
		if t.Consecutive != nil && *t.Consecutive >= 2 {
			p += fmt.Sprintf(",系连续第 %d 次被评定为诫勉谈话", *t.Consecutive)
		}
		ps = append(ps, p+"。")
	} else if t.TriggerText != "" {
		ps = append(ps, t.TriggerText)
	}
	ps = append(ps, "根据“一述双评三争创”活动关于“连续两次诫勉谈话,下发诫勉文件”的规定,经乡党委研究,决定对"+who+"实行诫勉。")
	if t.HeldOn != nil {
		p := fmtCNDate(*t.HeldOn) + ","
		if t.HeldBy != "" {
			p += t.HeldBy + t.TalkerPost + "同志"
		} else {
			p += "乡党委"
		}
		p += "与" + strings.TrimSuffix(addressee, ":") + "进行了诫勉谈话"
		if t.Points != "" {
			p += ",指出:" + strings.TrimRight(t.Points, "。") + "。"
		} else {
			p += "。"
		}
		if t.Response != "" {
			p += "本人表示:" + strings.TrimRight(t.Response, "。") + "。"
		}
		ps = append(ps, p)
	}
	period := fmt.Sprintf("诫勉期为 %d 个月", f.Settings.AdmonishMonths)
	if f.Period != nil {
		period += ",自" + fmtCNDate(f.Period.StartsOn) + "至" + fmtCNDate(f.Period.EndsOn)
	}
	ps = append(ps, fmt.Sprintf("请%s认真对照群众意见深刻反思,自收到本决定之日起 %d 日内向乡党委提交书面检查和整改承诺,责令限期改正。%s,诫勉期内取消当年各类评先表优资格。诫勉期满后由乡党委组织办公室进行回访,视整改情况解除诫勉或作进一步处理。",
		you, f.Settings.PledgeDays, period))
	ps = append(ps, "连续两次实行诫勉的,按干部管理权限,由乡党委和上级组织人事、纪检部门给予组织处理。")
	return title, addressee, strings.Join(ps, "\n")
}

func deref0(s *string) string {
	if s == nil {
		return "—"
	}
	return *s
}
