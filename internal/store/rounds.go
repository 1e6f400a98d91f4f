package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
)

// Round statuses.
const (
	StatusDraft     = "draft"     // 草稿: editable
	StatusOpen      = "open"      // 投票中: frozen
	StatusCounting  = "counting"  // 待开箱: voting ended, the box waits for the scrutineers
	StatusClosed    = "closed"    // 已计票: opened, tallied and evaluated
	StatusPublished = "published" // 已公示
)

// StatusLabel is a round status in Chinese.
func StatusLabel(s string) string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusOpen:
		return "投票中"
	case StatusCounting:
		return "待开箱"
	case StatusClosed:
		return "已计票"
	case StatusPublished:
		return "已公示"
	}
	return s
}

// RoundKinds lists the kinds of round with their Chinese names.
var RoundKinds = []struct{ Kind, Label string }{
	{"year_end", "年终述职评议"}, {"mid_year", "年中述职评议"}, {"special", "专项评议"},
}

// RoundKindLabel is a round kind in Chinese.
func RoundKindLabel(k string) string {
	if k == KindCommitment {
		return "评诺(群众评议承诺)" // set up from its own form (pingnuo.go), not offered with RoundKinds
	}
	for _, x := range RoundKinds {
		if x.Kind == k {
			return x.Label
		}
	}
	return k
}

// Round is an evaluation round with its policy.
type Round struct {
	ID                      int64      `db:"id"`
	TownshipID              int64      `db:"township_id"`
	Title                   string     `db:"title"`
	Year                    int        `db:"year"`
	Kind                    string     `db:"kind"`
	Rehearsal               bool       `db:"rehearsal"`
	Status                  string     `db:"status"`
	PassPct                 int        `db:"pass_pct"`
	AdmonishBelowPct        int        `db:"admonish_below_pct"`
	ReminderDissatisfiedPct int        `db:"reminder_dissatisfied_pct"`
	AdmonishDissatisfiedPct int        `db:"admonish_dissatisfied_pct"`
	TopRank                 int        `db:"top_rank"`
	MinGroupVotes           int        `db:"min_group_votes"`
	PublicSlug              *string    `db:"public_slug"`
	CreatedAt               time.Time  `db:"created_at"`
	OpenedAt                *time.Time `db:"opened_at"`
	ClosedAt                *time.Time `db:"closed_at"`
	PublishedAt             *time.Time `db:"published_at"`
	KeyThreshold            int        `db:"key_threshold"`
	KeyPublic               []byte     `db:"key_public"`
	KeyCommitments          [][]byte   `db:"key_commitments"`
	KeyedAt                 *time.Time `db:"keyed_at"`
	BoxProgress             int        `db:"box_progress"`
	CountedAt               *time.Time `db:"counted_at"`
	BallotsDestroyedAt      *time.Time `db:"ballots_destroyed_at"`
	PublishFrom             *time.Time `db:"publish_from"`
	PublishTo               *time.Time `db:"publish_to"`
	ObjectionContact        string     `db:"objection_contact"`
	PledgeScope             *string    `db:"pledge_scope"` // 评诺 rounds: what their subjects are (pingnuo.go)
	Scrutineers             int        `db:"scrutineers"`
	Subjects                int        `db:"subjects"`
	Issued                  int        `db:"issued"`
	Cast                    int        `db:"cast_count"`
	// Criteria is whether raters rate the 三争创 criteria (CriteriaOff / CriteriaOptional /
	// CriteriaRequired); PersonCriteria the set person subjects are rated on.
	Criteria       string            `db:"criteria"`
	PersonCriteria rules.CriteriaSet `db:"person_criteria"`
}

// Editable reports whether the round's set-up may still change.
func (r Round) Editable() bool { return r.Status == StatusDraft }

// Counted reports whether the round's box has been opened and its results computed.
func (r Round) Counted() bool { return r.Status == StatusClosed || r.Status == StatusPublished }

// Key is the public part of the round's key, as ballotbox reads it.
func (r Round) Key() ballotbox.Key {
	return ballotbox.Key{PublicKey: r.KeyPublic, Commitments: r.KeyCommitments, Threshold: len(r.KeyCommitments), Shares: r.Scrutineers}
}

// RoundCategory says which group a rater category votes in for a round.
type RoundCategory struct {
	CategoryID int64  `db:"category_id"`
	Name       string `db:"name"`
	Group      string `db:"group_key"`
}

const roundSelect = `
	SELECT r.id, r.township_id, r.title, r.year, r.kind, r.rehearsal, r.status, r.pass_pct, r.admonish_below_pct,
	       r.reminder_dissatisfied_pct, r.admonish_dissatisfied_pct, r.top_rank, r.min_group_votes, r.public_slug,
	       r.created_at, r.opened_at, r.closed_at, r.published_at, r.key_threshold, r.key_public, r.key_commitments,
	       r.keyed_at, r.box_progress, r.counted_at, r.ballots_destroyed_at, r.publish_from, r.publish_to, r.objection_contact,
	       r.criteria, r.person_criteria, r.pledge_scope,
	       (SELECT count(*) FROM round_scrutineers x WHERE x.round_id = r.id)::int AS scrutineers,
	       (SELECT count(*) FROM round_subjects s WHERE s.round_id = r.id)::int AS subjects,
	       (SELECT count(*) FROM ballot_codes c WHERE c.round_id = r.id)::int AS issued,
	       (SELECT count(*) FROM ballot_codes c WHERE c.round_id = r.id AND c.spent)::int AS cast_count
	FROM rounds r`

// Rounds lists the township's rounds, newest first.
func (s *Store) Rounds(ctx context.Context, townshipID int64) ([]Round, error) {
	rows, _ := s.pool.Query(ctx, roundSelect+` WHERE r.township_id = $1 ORDER BY r.year DESC, r.id DESC`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Round])
	if err != nil {
		return nil, fmt.Errorf("store: rounds: %w", err)
	}
	return items, nil
}

// Round returns one round of the township.
func (s *Store) Round(ctx context.Context, townshipID, id int64) (Round, error) {
	rows, _ := s.pool.Query(ctx, roundSelect+` WHERE r.township_id = $1 AND r.id = $2`, townshipID, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Round])
	if err != nil {
		return r, fmt.Errorf("store: round: %w", notFound(err))
	}
	return r, nil
}

// RoundCategories lists the categories taking part in a round, with their group.
func (s *Store) RoundCategories(ctx context.Context, townshipID, roundID int64) ([]RoundCategory, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT rc.category_id, c.name, rc.group_key FROM round_categories rc
		JOIN rater_categories c ON c.id = rc.category_id
		WHERE rc.township_id = $1 AND rc.round_id = $2 ORDER BY c.position, c.name COLLATE zh_pinyin`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[RoundCategory])
	if err != nil {
		return nil, fmt.Errorf("store: round categories: %w", err)
	}
	return items, nil
}

// RoundInput is a round's set-up.
type RoundInput struct {
	Title     string
	Year      int
	Kind      string
	Rehearsal bool
	// Groups are the rater groups the round weighs (1–6, weights summing to 100); a group
	// left without a name takes the township's.
	Groups                  []Group
	Categories              map[int64]string // category id -> group key; absent: does not vote
	PassPct                 int
	AdmonishBelowPct        int
	ReminderDissatisfiedPct int
	AdmonishDissatisfiedPct int
	MinGroupVotes           int
	// Scrutineers (监票人) hold the key shares, one each; KeyThreshold of them open the box.
	Scrutineers   []string
	KeyThreshold  int
	Levels        []int // on create: add every active subject of these levels
	People        bool  // include person subjects of those levels
	Organisations bool  // include organisation subjects of those levels
	// Criteria asks raters for the 三争创 criteria: CriteriaOff (""), CriteriaOptional or
	// CriteriaRequired; PersonCriteria is FiveHaves ("") or FiveLeads.
	Criteria       string
	PersonCriteria rules.CriteriaSet
	// A 评诺 round (Kind KindCommitment) evaluates these published commitments of its
	// year: each of their items, or each as a whole (PledgeScope; pingnuo.go).
	PledgeScope string
	Commitments []int64
}

// personSubjects and orgSubjects add subjects to round $2 of township $1 from the
// rosters, with a snapshot of how they are shown; the caller appends the filter.
const (
	personSubjects = `
		INSERT INTO round_subjects (round_id, township_id, person_id, name, title, level, village_cadre, village_id, sort)
		SELECT $2, $1, p.id, p.name, p.position, p.level, p.village_cadre, o.village_id, p.level * 10 + 1
		FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE p.township_id = $1 AND `
	orgSubjects = `
		INSERT INTO round_subjects (round_id, township_id, organisation_id, name, title, level, village_id, sort)
		SELECT $2, $1, o.id, o.name, '', o.level, o.village_id, o.level * 10
		FROM organisations o WHERE o.township_id = $1 AND `
)

// DefaultKeyThreshold is how many scrutineers open a round's box unless it says otherwise.
const DefaultKeyThreshold = 2

// CreateRound creates a draft round with its groups, categories and subjects, all or nothing.
func (s *Store) CreateRound(ctx context.Context, townshipID int64, in RoundInput) (int64, error) {
	if in.KeyThreshold == 0 {
		in.KeyThreshold = DefaultKeyThreshold
	}
	if !in.criteriaSetUp() {
		return 0, ErrInvalid
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO rounds (township_id, title, year, kind, rehearsal, pass_pct, admonish_below_pct,
			                    reminder_dissatisfied_pct, admonish_dissatisfied_pct, min_group_votes, key_threshold,
			                    criteria, person_criteria, pledge_scope)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, nullif($14, '')) RETURNING id`,
			townshipID, in.Title, in.Year, in.Kind, in.Rehearsal, in.PassPct, in.AdmonishBelowPct,
			in.ReminderDissatisfiedPct, in.AdmonishDissatisfiedPct, in.MinGroupVotes, in.KeyThreshold,
			in.Criteria, in.PersonCriteria, in.PledgeScope).Scan(&id)
		if err != nil {
			return err
		}
		if err := setScrutineers(ctx, tx, townshipID, id, in.Scrutineers); err != nil {
			return err
		}
		if err := writeRoundGroups(ctx, tx, townshipID, id, in); err != nil {
			return err
		}
		if in.People {
			if _, err := tx.Exec(ctx, personSubjects+`p.active AND p.level = ANY($3)`, townshipID, id, in.Levels); err != nil {
				return err
			}
		}
		if in.Organisations {
			if _, err := tx.Exec(ctx, orgSubjects+`o.active AND o.level = ANY($3)`, townshipID, id, in.Levels); err != nil {
				return err
			}
		}
		if in.Kind == KindCommitment {
			return addPledgeSubjects(ctx, tx, townshipID, id, in.Year, in.PledgeScope, in.Commitments)
		}
		return nil
	})
	if errors.Is(err, ErrPledgeNotPublished) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("store: create round: %w", err)
	}
	return id, nil
}

// writeRoundGroups sets a draft round's groups and which category votes in which,
// keeping issued codes: the groups are written first, the categories re-pointed, and only
// then are the categories and groups the round no longer has removed. A category with
// codes issued cannot leave the round (ErrCodesIssued).
func writeRoundGroups(ctx context.Context, tx pgx.Tx, townshipID, roundID int64, in RoundInput) error {
	var groupKeys []string
	for i, g := range in.Groups {
		tag, err := tx.Exec(ctx, `
			INSERT INTO round_groups (round_id, key, name, weight, position)
			SELECT $1, tg.key, coalesce(nullif($3, ''), tg.name), $4, $5 FROM township_groups tg
			WHERE tg.township_id = $6 AND tg.key = $2
			ON CONFLICT (round_id, key) DO UPDATE SET name = EXCLUDED.name, weight = EXCLUDED.weight, position = EXCLUDED.position`,
			roundID, g.Key, g.Name, g.Weight, i+1, townshipID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%w: group %q", ErrNotFound, g.Key)
		}
		groupKeys = append(groupKeys, g.Key)
	}
	var stranded int
	if err := tx.QueryRow(ctx, `SELECT count(DISTINCT category_id) FROM ballot_codes WHERE round_id = $1 AND NOT (category_id = ANY($2))`,
		roundID, keys(in.Categories)).Scan(&stranded); err != nil {
		return err
	}
	if stranded > 0 {
		return ErrCodesIssued
	}
	if _, err := tx.Exec(ctx, `DELETE FROM round_categories WHERE round_id = $1 AND NOT (category_id = ANY($2))`, roundID, keys(in.Categories)); err != nil {
		return err
	}
	for cat, group := range in.Categories {
		tag, err := tx.Exec(ctx, `
			INSERT INTO round_categories (round_id, township_id, category_id, group_key)
			SELECT $2, $1, c.id, $4 FROM rater_categories c WHERE c.township_id = $1 AND c.id = $3
			ON CONFLICT (round_id, category_id) DO UPDATE SET group_key = EXCLUDED.group_key`,
			townshipID, roundID, cat, group)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%w: category %d", ErrNotFound, cat)
		}
	}
	_, err := tx.Exec(ctx, `DELETE FROM round_groups WHERE round_id = $1 AND NOT (key = ANY($2))`, roundID, groupKeys)
	return err
}

// ErrCodesIssued means a rater category with codes issued cannot leave the round.
var ErrCodesIssued = errors.New("store: category has codes issued")

// ErrFrozen means the round is no longer a draft: its set-up is fixed.
var ErrFrozen = errors.New("store: round is frozen")

// UpdateRound changes a draft round's set-up (not its subjects).
func (s *Store) UpdateRound(ctx context.Context, townshipID, id int64, in RoundInput) error {
	if in.KeyThreshold == 0 {
		in.KeyThreshold = DefaultKeyThreshold
	}
	if !in.criteriaSetUp() {
		return ErrInvalid
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM rounds WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, id).Scan(&status); err != nil {
			return notFound(err)
		}
		if status != StatusDraft {
			return ErrFrozen
		}
		if _, err := tx.Exec(ctx, `
			UPDATE rounds SET title = $3, pass_pct = $6, admonish_below_pct = $7,
			       -- a 评诺 round keeps its kind and year (its subjects are that year's commitments),
			       -- and no other round becomes one
			       year = CASE WHEN kind = 'commitment' THEN year ELSE $4 END,
			       kind = CASE WHEN kind = 'commitment' OR $5 = 'commitment' THEN kind ELSE $5 END,
			       reminder_dissatisfied_pct = $8, admonish_dissatisfied_pct = $9, min_group_votes = $10, key_threshold = $11,
			       criteria = $12, person_criteria = $13
			WHERE township_id = $1 AND id = $2`,
			townshipID, id, in.Title, in.Year, in.Kind, in.PassPct, in.AdmonishBelowPct,
			in.ReminderDissatisfiedPct, in.AdmonishDissatisfiedPct, in.MinGroupVotes, in.KeyThreshold,
			in.Criteria, in.PersonCriteria); err != nil {
			return err
		}
		if err := setScrutineers(ctx, tx, townshipID, id, in.Scrutineers); err != nil {
			return err
		}
		return writeRoundGroups(ctx, tx, townshipID, id, in)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrFrozen) && !errors.Is(err, ErrCodesIssued) {
		return fmt.Errorf("store: update round: %w", err)
	}
	return err
}

func keys(m map[int64]string) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// RoundSubject is a subject of a round with its duty report's state.
type RoundSubject struct {
	ID              int64      `db:"id"`
	RoundID         int64      `db:"round_id"`
	PersonID        *int64     `db:"person_id"`
	OrganisationID  *int64     `db:"organisation_id"`
	Name            string     `db:"name"`
	Title           string     `db:"title"`
	Level           int        `db:"level"`
	VillageCadre    bool       `db:"village_cadre"`
	VillageID       *int64     `db:"village_id"`
	ReportText      string     `db:"report_text"`
	ReportOral      bool       `db:"report_oral"`
	ReportOralNote  string     `db:"report_oral_note"`
	ReportUpdatedAt *time.Time `db:"report_updated_at"`
	FileName        *string    `db:"file_name"`
	FileSize        *int       `db:"file_size"`
	// A 评诺 round's subject: the commitment, the item (nil: the commitment as a whole)
	// and what the ballot shows of it (pingnuo.go).
	CommitmentID     *int64  `db:"commitment_id"`
	CommitmentItemID *int64  `db:"commitment_item_id"`
	Pledge           *Pledge `db:"pledge"`
}

// IsOrganisation reports whether the subject is an organisation.
func (s RoundSubject) IsOrganisation() bool { return s.OrganisationID != nil }

// Reported reports whether the subject has a duty report or an oral-report note.
func (s RoundSubject) Reported() bool {
	return strings.TrimSpace(s.ReportText) != "" || s.FileName != nil || s.ReportOral
}

const subjectSelect = `
	SELECT s.id, s.round_id, s.person_id, s.organisation_id, s.name, s.title, s.level, s.village_cadre, s.village_id,
	       s.report_text, s.report_oral, s.report_oral_note, s.report_updated_at, f.file_name, f.size AS file_size,
	       s.commitment_id, s.commitment_item_id, s.pledge
	FROM round_subjects s LEFT JOIN report_files f ON f.round_subject_id = s.id`

// RoundSubjects lists a round's subjects by level, organisations before people, then pinyin.
func (s *Store) RoundSubjects(ctx context.Context, townshipID, roundID int64) ([]RoundSubject, error) {
	rows, _ := s.pool.Query(ctx, subjectSelect+` WHERE s.township_id = $1 AND s.round_id = $2
		ORDER BY s.sort, s.name COLLATE zh_pinyin, s.id`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[RoundSubject])
	if err != nil {
		return nil, fmt.Errorf("store: round subjects: %w", err)
	}
	return items, nil
}

// RoundSubject returns one subject of a round in the township.
func (s *Store) RoundSubject(ctx context.Context, townshipID, id int64) (RoundSubject, error) {
	rows, _ := s.pool.Query(ctx, subjectSelect+` WHERE s.township_id = $1 AND s.id = $2`, townshipID, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RoundSubject])
	if err != nil {
		return x, fmt.Errorf("store: round subject: %w", notFound(err))
	}
	return x, nil
}

// AddSubject adds a person (kind "p") or an organisation ("o") to a draft round.
func (s *Store) AddSubject(ctx context.Context, townshipID, roundID int64, kind string, id int64) error {
	var q string
	switch kind {
	case "p":
		q = personSubjects + `p.id = $3`
	case "o":
		q = orgSubjects + `o.id = $3`
	default:
		return ErrInvalid
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status, roundKind string
		if err := tx.QueryRow(ctx, `SELECT status, kind FROM rounds WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, roundID).Scan(&status, &roundKind); err != nil {
			return notFound(err)
		}
		if status != StatusDraft {
			return ErrFrozen
		}
		if roundKind == KindCommitment {
			return ErrInvalid // a 评诺 round evaluates commitments only (AddPledgeSubjects)
		}
		tag, err := tx.Exec(ctx, q, townshipID, roundID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound // no such person or organisation in the township
		}
		return nil
	})
	switch {
	case isUniqueViolation(err):
		return ErrConflict
	case err == nil, errors.Is(err, ErrFrozen), errors.Is(err, ErrInvalid), errors.Is(err, ErrNotFound):
		return err
	}
	return fmt.Errorf("store: add subject: %w", err)
}

// DeleteRound deletes a draft round with everything set up for it (subjects, reports,
// codes). A round that has opened is history and cannot be deleted.
func (s *Store) DeleteRound(ctx context.Context, townshipID, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM rounds WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, id).Scan(&status); err != nil {
			return notFound(err)
		}
		if status != StatusDraft {
			return ErrFrozen
		}
		_, err := tx.Exec(ctx, `DELETE FROM rounds WHERE township_id = $1 AND id = $2`, townshipID, id)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrFrozen) {
		return fmt.Errorf("store: delete round: %w", err)
	}
	return err
}

// RemoveSubject takes a subject out of a draft round.
func (s *Store) RemoveSubject(ctx context.Context, townshipID, subjectID int64) error {
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM round_subjects s USING rounds r
		WHERE s.township_id = $1 AND s.id = $2 AND r.id = s.round_id AND r.status = 'draft'`, townshipID, subjectID)
	if err != nil {
		return fmt.Errorf("store: remove subject: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrFrozen
	}
	return nil
}

// ReportInput is a duty report as filed.
type ReportInput struct {
	Text       string
	Oral       bool
	OralNote   string
	File       *Upload // nil: keep the current one
	RemoveFile bool
}

// SaveReport files a subject's duty report while its round is a draft, all or nothing.
func (s *Store) SaveReport(ctx context.Context, townshipID, subjectID int64, in ReportInput) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE round_subjects s SET report_text = $3, report_oral = $4, report_oral_note = $5, report_updated_at = now()
			FROM rounds r WHERE s.township_id = $1 AND s.id = $2 AND r.id = s.round_id AND r.status = 'draft'`,
			townshipID, subjectID, in.Text, in.Oral, in.OralNote)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrFrozen
		}
		if in.RemoveFile || in.File != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM report_files WHERE round_subject_id = $1`, subjectID); err != nil {
				return err
			}
		}
		if in.File != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO report_files (round_subject_id, file_name, content_type, size, data) VALUES ($1, $2, $3, $4, $5)`,
				subjectID, in.File.Name, in.File.ContentType, len(in.File.Data), in.File.Data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save report: %w", err)
	}
	return nil
}

// ReportFileOf returns a subject's attachment; roundID must match (ballot pages check it).
func (s *Store) ReportFileOf(ctx context.Context, townshipID, roundID, subjectID int64) (Upload, error) {
	var f Upload
	err := s.pool.QueryRow(ctx, `
		SELECT f.file_name, f.content_type, f.data FROM report_files f
		JOIN round_subjects s ON s.id = f.round_subject_id WHERE s.township_id = $1 AND s.round_id = $2 AND s.id = $3`,
		townshipID, roundID, subjectID).
		Scan(&f.Name, &f.ContentType, &f.Data)
	if err != nil {
		return f, fmt.Errorf("store: report file: %w", notFound(err))
	}
	return f, nil
}

// NotReadyError lists why a round cannot open.
type NotReadyError struct {
	Problems []string
}

func (e *NotReadyError) Error() string {
	return "store: round not ready: " + strings.Join(e.Problems, "; ")
}

// OpenRound freezes a draft round and opens it for voting: weights, policy, subjects and
// scrutineers are fixed from here on, each subject's name and position are snapshot, and
// the round's public key (made by the caller, its shares printed for the scrutineers and
// never stored) is what every ballot will be sealed with.
func (s *Store) OpenRound(ctx context.Context, townshipID, id int64, key ballotbox.Key, by string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status, roundKind string
		var threshold, scrutineers, year int
		var scope *string
		if err := tx.QueryRow(ctx, `
			SELECT status, key_threshold, (SELECT count(*) FROM round_scrutineers x WHERE x.round_id = r.id)::int, kind, year, pledge_scope
			FROM rounds r WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, id).Scan(&status, &threshold, &scrutineers, &roundKind, &year, &scope); err != nil {
			return notFound(err)
		}
		if status != StatusDraft {
			return ErrFrozen
		}
		var problems []string
		var subjects int
		var unreported []string
		rows, err := tx.Query(ctx, `
			SELECT s.name FROM round_subjects s LEFT JOIN report_files f ON f.round_subject_id = s.id
			WHERE s.round_id = $1 AND btrim(s.report_text) = '' AND f.round_subject_id IS NULL AND NOT s.report_oral
			  AND s.commitment_id IS NULL -- a commitment has no duty report: the ballot shows what was committed
			ORDER BY s.sort, s.name COLLATE zh_pinyin`, id)
		if err != nil {
			return err
		}
		unreported, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM round_subjects WHERE round_id = $1`, id).Scan(&subjects); err != nil {
			return err
		}
		if subjects == 0 {
			problems = append(problems, "尚未选择述职对象")
		}
		if len(unreported) > 0 {
			shown := unreported
			if len(shown) > 10 {
				shown = shown[:10]
			}
			problems = append(problems, fmt.Sprintf("%d 个对象既无述职报告也未标记口头述职:%s", len(unreported), strings.Join(shown, "、")))
		}
		var weightSum, categories int
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(weight), 0) FROM round_groups WHERE round_id = $1`, id).Scan(&weightSum); err != nil {
			return err
		}
		if weightSum != 100 {
			problems = append(problems, fmt.Sprintf("权重合计为 %d,须为 100", weightSum))
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM round_categories WHERE round_id = $1`, id).Scan(&categories); err != nil {
			return err
		}
		if categories == 0 {
			problems = append(problems, "没有参加评议的代表类别")
		}
		if roundKind == KindCommitment && scope != nil {
			// What the ballot shows is the commitments as published now, frozen from here on.
			stale, err := freezePledges(ctx, tx, townshipID, id, year, *scope)
			if err != nil {
				return err
			}
			problems = append(problems, stale...)
		}
		if scrutineers == 0 {
			problems = append(problems, "尚未指定监票人")
		} else if threshold > scrutineers {
			problems = append(problems, fmt.Sprintf("开箱所需监票人数(%d)多于监票人总数(%d)", threshold, scrutineers))
		}
		if len(problems) > 0 {
			return &NotReadyError{Problems: problems}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE round_subjects s SET name = p.name, title = p.position, level = s.level, village_cadre = p.village_cadre
			FROM people p WHERE s.round_id = $1 AND p.id = s.person_id`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE round_subjects s SET name = o.name FROM organisations o WHERE s.round_id = $1 AND o.id = s.organisation_id`, id); err != nil {
			return err
		}
		if key.Threshold != threshold || key.Shares != scrutineers || len(key.Commitments) != threshold {
			return fmt.Errorf("key is %d of %d, round wants %d of %d", key.Threshold, key.Shares, threshold, scrutineers)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE rounds SET status = 'open', opened_at = now(), key_public = $2, key_commitments = $3, keyed_at = now()
			WHERE id = $1`, id, key.PublicKey, key.Commitments); err != nil {
			return err
		}
		return roundEvent(ctx, tx, townshipID, id, "keyed", by, key.Fingerprint())
	})
	var nr *NotReadyError
	if errors.As(err, &nr) || errors.Is(err, ErrFrozen) || errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: open round: %w", err)
	}
	return nil
}

// VillageSubject is a subject of a draft or open round that belongs to a village.
type VillageSubject struct {
	RoundID    int64  `db:"round_id"`
	RoundTitle string `db:"round_title"`
	Status     string `db:"status"`
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	Title      string `db:"title"`
	Reported   bool   `db:"reported"`
	Oral       bool   `db:"oral"` // 口头述职
}

// VillageSubjects lists the subjects of a village in rounds not yet closed, for its secretary.
func (s *Store) VillageSubjects(ctx context.Context, townshipID, villageID int64) ([]VillageSubject, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT r.id AS round_id, r.title AS round_title, r.status, s.id, s.name, s.title,
		       (btrim(s.report_text) <> '' OR s.report_oral OR EXISTS (SELECT 1 FROM report_files f WHERE f.round_subject_id = s.id)) AS reported,
		       s.report_oral AS oral
		FROM round_subjects s JOIN rounds r ON r.id = s.round_id
		WHERE s.township_id = $1 AND s.village_id = $2 AND r.status IN ('draft','open') AND s.commitment_id IS NULL
		ORDER BY r.id DESC, s.sort, s.name COLLATE zh_pinyin`, townshipID, villageID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[VillageSubject])
	if err != nil {
		return nil, fmt.Errorf("store: village subjects: %w", err)
	}
	return items, nil
}
