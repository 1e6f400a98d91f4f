package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Commitments (双承诺, 一诺三评三公开): method.md §8. A village Party branch files an annual
// commitment (承诺书) to the township Party committee; the township Party committee files
// its own public commitment to the residents. Each change after approval is a new version.

// Commitment version statuses.
const (
	CommitmentDraft      = "draft"      // 草稿
	CommitmentSubmitted  = "submitted"  // 待审核
	CommitmentReturned   = "returned"   // 已退回
	CommitmentApproved   = "approved"   // 已批准
	CommitmentPublished  = "published"  // 已公开 (公开承诺)
	CommitmentSuperseded = "superseded" // 已由新版本替代
)

// CommitmentStatusLabel is a version status in Chinese.
func CommitmentStatusLabel(s string) string {
	switch s {
	case CommitmentDraft:
		return "草稿"
	case CommitmentSubmitted:
		return "待审核"
	case CommitmentReturned:
		return "已退回"
	case CommitmentApproved:
		return "已批准"
	case CommitmentPublished:
		return "已公开"
	case CommitmentSuperseded:
		return "已被新版本替代"
	}
	return s
}

// CommitmentCategories are the kinds of commitment item, in the order forms offer them.
var CommitmentCategories = []struct{ Key, Label string }{
	{"economy", "发展经济"}, {"service", "为民服务"}, {"governance", "基层治理"}, {"party", "党的建设"}, {"other", "其他"},
}

// CategoryLabel is an item category in Chinese; "" for an unknown key.
func CategoryLabel(k string) string {
	for _, c := range CommitmentCategories {
		if c.Key == k {
			return c.Label
		}
	}
	return ""
}

// Beijing is the zone of every commitment date: deadlines, entry days, quarters.
var Beijing = time.FixedZone("CST", 8*3600)

// LocalDay is the calendar day of t in Beijing, as midnight UTC (how pgx reads a date).
func LocalDay(t time.Time) time.Time {
	t = t.In(Beijing)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ErrCommitmentState means the commitment's lifecycle does not allow the step now
// (submitting an approved version, editing a submitted one, ...).
var ErrCommitmentState = errors.New("store: commitment state does not allow this")

// Actor is who made a change, as the history shows it.
type Actor struct {
	Name string
	Role string
}

// Commitment is one owner's annual commitment: a village's (VillageID set) or the
// township Party committee's own (VillageID nil).
type Commitment struct {
	ID           int64     `db:"id"`
	TownshipID   int64     `db:"township_id"`
	TownshipName string    `db:"township_name"`
	VillageID    *int64    `db:"village_id"`
	VillageName  *string   `db:"village_name"`
	Year         int       `db:"year"`
	CreatedAt    time.Time `db:"created_at"`
}

// IsTownship reports whether this is the township Party committee's own commitment.
func (c Commitment) IsTownship() bool { return c.VillageID == nil }

// Owner is who commits: the village's Party branch or the township Party committee.
func (c Commitment) Owner() string {
	if c.VillageName != nil {
		branch, _ := VillageOrganisationNames(*c.VillageName)
		return branch
	}
	return c.TownshipName + "党委"
}

// Title is how pages name the commitment.
func (c Commitment) Title() string {
	if c.IsTownship() {
		return fmt.Sprintf("%s %d 年度公开承诺", c.Owner(), c.Year)
	}
	return fmt.Sprintf("%s %d 年度承诺", c.Owner(), c.Year)
}

// CommitmentVersion is one version of a commitment's wording.
type CommitmentVersion struct {
	ID            int64      `db:"id"`
	CommitmentID  int64      `db:"commitment_id"`
	Number        int        `db:"number"`
	Status        string     `db:"status"`
	Reason        string     `db:"reason"`
	ReviewComment string     `db:"review_comment"`
	CreatedAt     time.Time  `db:"created_at"`
	SubmittedAt   *time.Time `db:"submitted_at"`
	ApprovedAt    *time.Time `db:"approved_at"`
	PublishedAt   *time.Time `db:"published_at"`
}

// Editable reports whether the version's items may still change (草稿 or 已退回).
func (v CommitmentVersion) Editable() bool {
	return v.Status == CommitmentDraft || v.Status == CommitmentReturned
}

// InForce reports whether the version is approved (and perhaps public): progress is
// recorded against its items.
func (v CommitmentVersion) InForce() bool {
	return v.Status == CommitmentApproved || v.Status == CommitmentPublished
}

// CommitmentItem is an item as worded in one version. ID is the item's stable id: the
// same item keeps it in every version.
type CommitmentItem struct {
	ID        int64     `db:"item_id"`
	VersionID int64     `db:"version_id"`
	ParentID  *int64    `db:"parent_id"`
	Sort      int       `db:"sort"`
	Category  string    `db:"category"`
	Content   string    `db:"content"`
	Target    string    `db:"target"`
	Deadline  time.Time `db:"deadline"`
	Weight    *int      `db:"weight"`
	// Since is when the item first took effect: the approval of the first version that
	// has it; nil while no such version is approved.
	Since *time.Time `db:"since"`
}

// IsSub reports whether the item is a sub-item.
func (i CommitmentItem) IsSub() bool { return i.ParentID != nil }

// CommitmentEvent is one step of a commitment's history.
type CommitmentEvent struct {
	VersionNumber int       `db:"version_number"`
	Action        string    `db:"action"`
	ActorName     string    `db:"actor_name"`
	ActorRole     string    `db:"actor_role"`
	Note          string    `db:"note"`
	At            time.Time `db:"at"`
}

// CommitmentActionLabel is a history step in Chinese.
func CommitmentActionLabel(a string) string {
	switch a {
	case "created":
		return "起草"
	case "submitted":
		return "提交审核"
	case "returned":
		return "退回修改"
	case "approved":
		return "审核批准"
	case "published":
		return "公开承诺"
	case "revised":
		return "发起修改(新版本)"
	case "discarded":
		return "放弃修改"
	}
	return a
}

const commitmentSelect = `
	SELECT c.id, c.township_id, t.name AS township_name, c.village_id, v.name AS village_name, c.year, c.created_at
	FROM commitments c JOIN townships t ON t.id = c.township_id LEFT JOIN villages v ON v.id = c.village_id`

// CreateCommitment starts a commitment for a village (villageID set) or for the township
// Party committee (nil) with an empty draft version 1. A second commitment for the same
// owner and year is ErrConflict; a village of another township is ErrNotFound.
func (s *Store) CreateCommitment(ctx context.Context, townshipID int64, villageID *int64, year int, by Actor) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if villageID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM villages WHERE township_id = $1 AND id = $2)`, townshipID, *villageID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ErrNotFound
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO commitments (township_id, village_id, year) VALUES ($1, $2, $3) RETURNING id`,
			townshipID, villageID, year).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO commitment_versions (township_id, commitment_id, number) VALUES ($1, $2, 1)`, townshipID, id); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, id, 1, "created", by, "")
	})
	switch {
	case isUniqueViolation(err):
		return 0, ErrConflict
	case errors.Is(err, ErrNotFound):
		return 0, err
	case err != nil:
		return 0, fmt.Errorf("store: create commitment: %w", err)
	}
	return id, nil
}

func addEvent(ctx context.Context, tx pgx.Tx, townshipID, commitmentID int64, version int, action string, by Actor, note string) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO commitment_events (township_id, commitment_id, version_number, action, actor_name, actor_role, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, townshipID, commitmentID, version, action, by.Name, by.Role, note)
	return err
}

// Commitment returns one commitment of the township.
func (s *Store) Commitment(ctx context.Context, townshipID, id int64) (Commitment, error) {
	rows, _ := s.pool.Query(ctx, commitmentSelect+` WHERE c.township_id = $1 AND c.id = $2`, townshipID, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Commitment])
	if err != nil {
		return c, fmt.Errorf("store: commitment: %w", notFound(err))
	}
	return c, nil
}

// CommitmentOf returns the commitment of a village (nil: the township's own) for a year.
func (s *Store) CommitmentOf(ctx context.Context, townshipID int64, villageID *int64, year int) (Commitment, error) {
	rows, _ := s.pool.Query(ctx, commitmentSelect+` WHERE c.township_id = $1 AND c.village_id IS NOT DISTINCT FROM $2 AND c.year = $3`,
		townshipID, villageID, year)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Commitment])
	if err != nil {
		return c, fmt.Errorf("store: commitment of: %w", notFound(err))
	}
	return c, nil
}

// CommitmentYears lists the years the township has commitments for, newest first.
func (s *Store) CommitmentYears(ctx context.Context, townshipID int64) ([]int, error) {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT year FROM commitments WHERE township_id = $1 ORDER BY year DESC`, townshipID)
	years, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store: commitment years: %w", err)
	}
	return years, nil
}

const versionSelect = `
	SELECT v.id, v.commitment_id, v.number, v.status, v.reason, v.review_comment, v.created_at,
	       v.submitted_at, v.approved_at, v.published_at
	FROM commitment_versions v`

// CommitmentVersions lists a commitment's versions, oldest first.
func (s *Store) CommitmentVersions(ctx context.Context, townshipID, commitmentID int64) ([]CommitmentVersion, error) {
	return commitmentVersions(ctx, s.pool, townshipID, commitmentID, false)
}

func commitmentVersions(ctx context.Context, q querier, townshipID, commitmentID int64, lock bool) ([]CommitmentVersion, error) {
	sql := versionSelect + ` WHERE v.township_id = $1 AND v.commitment_id = $2 ORDER BY v.number`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, _ := q.Query(ctx, sql, townshipID, commitmentID)
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentVersion])
	if err != nil {
		return nil, fmt.Errorf("store: commitment versions: %w", err)
	}
	return vs, nil
}

// Versions picks out of a commitment's versions the one being worked on (draft,
// submitted or returned), the one in force (the newest approved or published) and the
// public one (published); each nil when there is none.
func Versions(vs []CommitmentVersion) (working, inForce, public *CommitmentVersion) {
	for i := range vs {
		v := &vs[i]
		switch v.Status {
		case CommitmentDraft, CommitmentSubmitted, CommitmentReturned:
			working = v
		case CommitmentApproved, CommitmentPublished:
			if inForce == nil || v.Number > inForce.Number {
				inForce = v
			}
			if v.Status == CommitmentPublished {
				public = v
			}
		}
	}
	return working, inForce, public
}

// itemSelect reads a version's items, each sub-item right after its parent.
const itemSelect = `
	SELECT i.item_id, i.version_id, i.parent_id, i.sort, i.category, i.content, i.target, i.deadline, i.weight,
	       (SELECT min(v2.approved_at) FROM commitment_version_items i2 JOIN commitment_versions v2 ON v2.id = i2.version_id
	        WHERE i2.item_id = i.item_id AND v2.approved_at IS NOT NULL) AS since
	FROM commitment_version_items i LEFT JOIN commitment_version_items p ON p.version_id = i.version_id AND p.item_id = i.parent_id`

const itemOrder = ` ORDER BY i.version_id, coalesce(p.sort, i.sort), coalesce(i.parent_id, i.item_id), i.parent_id NULLS FIRST, i.sort, i.item_id`

// VersionItems lists a version's items, each sub-item right after its parent.
func (s *Store) VersionItems(ctx context.Context, townshipID, versionID int64) ([]CommitmentItem, error) {
	rows, _ := s.pool.Query(ctx, itemSelect+` WHERE i.township_id = $1 AND i.version_id = $2`+itemOrder, townshipID, versionID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentItem])
	if err != nil {
		return nil, fmt.Errorf("store: version items: %w", err)
	}
	return items, nil
}

// PublishedCommitmentItems lists the items of a village's public commitment for a year
// (the published version), each sub-item right after its parent. The ids are stable
// across versions, so a mass-evaluation round (评诺) can take them as its subjects.
// A village without a published commitment that year has none.
func (s *Store) PublishedCommitmentItems(ctx context.Context, townshipID, villageID int64, year int) ([]CommitmentItem, error) {
	rows, _ := s.pool.Query(ctx, itemSelect+`
		JOIN commitment_versions v ON v.id = i.version_id AND v.status = 'published'
		JOIN commitments c ON c.id = v.commitment_id
		WHERE i.township_id = $1 AND c.township_id = $1 AND c.village_id = $2 AND c.year = $3`+itemOrder, townshipID, villageID, year)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentItem])
	if err != nil {
		return nil, fmt.Errorf("store: published commitment items: %w", err)
	}
	return items, nil
}

// CommitmentEvents lists a commitment's history, oldest first.
func (s *Store) CommitmentEvents(ctx context.Context, townshipID, commitmentID int64) ([]CommitmentEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT version_number, action, actor_name, actor_role, note, at FROM commitment_events
		WHERE township_id = $1 AND commitment_id = $2 ORDER BY at, id`, townshipID, commitmentID)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentEvent])
	if err != nil {
		return nil, fmt.Errorf("store: commitment events: %w", err)
	}
	return evs, nil
}

// ItemInput is an item as filed. ParentID (new items only) makes it a sub-item, which
// takes its parent's category; Weight counts only for a sub-item.
type ItemInput struct {
	ParentID *int64
	Category string
	Content  string
	Target   string
	Deadline time.Time
	Weight   *int
}

// lockWorking locks a commitment's versions and returns the version being worked on
// when it may be edited; ErrNotFound when the commitment is not the township's,
// ErrCommitmentState when no version is open for editing.
func lockWorking(ctx context.Context, tx pgx.Tx, townshipID, commitmentID int64) (CommitmentVersion, error) {
	vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, true)
	if err != nil {
		return CommitmentVersion{}, err
	}
	if len(vs) == 0 {
		return CommitmentVersion{}, ErrNotFound
	}
	w, _, _ := Versions(vs)
	if w == nil || !w.Editable() {
		return CommitmentVersion{}, ErrCommitmentState
	}
	return *w, nil
}

// SaveCommitmentItem adds (itemID 0) or rewords an item of the version being worked on.
// It returns the item's id. A parent that is not a top-level item of that version is
// ErrInvalid; an item not in it is ErrNotFound.
func (s *Store) SaveCommitmentItem(ctx context.Context, townshipID, commitmentID, itemID int64, in ItemInput) (int64, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		w, err := lockWorking(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		if itemID == 0 {
			weight := in.Weight
			if in.ParentID != nil {
				var cat string
				err := tx.QueryRow(ctx, `SELECT category FROM commitment_version_items WHERE version_id = $1 AND item_id = $2 AND parent_id IS NULL`,
					w.ID, *in.ParentID).Scan(&cat)
				if errors.Is(err, pgx.ErrNoRows) {
					return ErrInvalid
				}
				if err != nil {
					return err
				}
				in.Category = cat
			} else {
				weight = nil
			}
			if err := tx.QueryRow(ctx, `INSERT INTO commitment_items (township_id, commitment_id) VALUES ($1, $2) RETURNING id`,
				townshipID, commitmentID).Scan(&itemID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO commitment_version_items (township_id, version_id, item_id, parent_id, sort, category, content, target, deadline, weight)
				SELECT $1, $2, $3, $4, coalesce(max(sort), 0) + 1, $5, $6, $7, $8, $9 FROM commitment_version_items WHERE version_id = $2`,
				townshipID, w.ID, itemID, in.ParentID, in.Category, in.Content, in.Target, in.Deadline, weight)
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE commitment_version_items i SET
			       category = CASE WHEN i.parent_id IS NULL THEN $4 ELSE i.category END,
			       content = $5, target = $6, deadline = $7,
			       weight = CASE WHEN i.parent_id IS NULL THEN NULL ELSE $8::int END
			WHERE i.township_id = $1 AND i.version_id = $2 AND i.item_id = $3`,
			townshipID, w.ID, itemID, in.Category, in.Content, in.Target, in.Deadline, in.Weight)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		// Sub-items share their parent's category.
		_, err = tx.Exec(ctx, `UPDATE commitment_version_items SET category = $3 WHERE version_id = $1 AND parent_id = $2`, w.ID, itemID, in.Category)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrCommitmentState) {
			return 0, err
		}
		return 0, fmt.Errorf("store: save commitment item: %w", err)
	}
	return itemID, nil
}

// DeleteCommitmentItem takes an item (with its sub-items) out of the version being
// worked on. An item that no other version has and that has no progress is forgotten.
func (s *Store) DeleteCommitmentItem(ctx context.Context, townshipID, commitmentID, itemID int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		w, err := lockWorking(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM commitment_version_items WHERE township_id = $1 AND version_id = $2 AND item_id = $3`,
			townshipID, w.ID, itemID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		_, err = tx.Exec(ctx, `
			DELETE FROM commitment_items ci WHERE ci.township_id = $1 AND ci.commitment_id = $2
			AND NOT EXISTS (SELECT 1 FROM commitment_version_items i WHERE i.item_id = ci.id)
			AND NOT EXISTS (SELECT 1 FROM commitment_entries e WHERE e.item_id = ci.id)`, townshipID, commitmentID)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCommitmentState) {
			return err
		}
		return fmt.Errorf("store: delete commitment item: %w", err)
	}
	return nil
}

// SubmitCommitment sends the version being worked on (draft or returned) for review.
// A version without items is ErrInvalid.
func (s *Store) SubmitCommitment(ctx context.Context, townshipID, commitmentID int64, by Actor) error {
	return s.step(ctx, "submit", func(tx pgx.Tx) error {
		w, err := lockWorking(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM commitment_version_items WHERE version_id = $1`, w.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrInvalid
		}
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'submitted', submitted_at = now() WHERE id = $1`, w.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, w.Number, "submitted", by, "")
	})
}

// ReturnCommitment sends a submitted version back to its owner with a comment.
func (s *Store) ReturnCommitment(ctx context.Context, townshipID, commitmentID int64, comment string, by Actor) error {
	return s.step(ctx, "return", func(tx pgx.Tx) error {
		v, err := lockSubmitted(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'returned', review_comment = $2 WHERE id = $1`, v.ID, comment); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, v.Number, "returned", by, comment)
	})
}

// ApproveCommitment approves a submitted version: from here on it is frozen.
func (s *Store) ApproveCommitment(ctx context.Context, townshipID, commitmentID int64, by Actor) error {
	return s.step(ctx, "approve", func(tx pgx.Tx) error {
		v, err := lockSubmitted(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		// An approved version not yet published gives way to this one.
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'superseded' WHERE commitment_id = $1 AND status = 'approved'`, commitmentID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'approved', approved_at = now(), review_comment = '' WHERE id = $1`, v.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, v.Number, "approved", by, "")
	})
}

func lockSubmitted(ctx context.Context, tx pgx.Tx, townshipID, commitmentID int64) (CommitmentVersion, error) {
	vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, true)
	if err != nil {
		return CommitmentVersion{}, err
	}
	if len(vs) == 0 {
		return CommitmentVersion{}, ErrNotFound
	}
	w, _, _ := Versions(vs)
	if w == nil || w.Status != CommitmentSubmitted {
		return CommitmentVersion{}, ErrCommitmentState
	}
	return *w, nil
}

// PublishCommitment makes the approved version the public one (公开承诺); the version
// public before it is superseded.
func (s *Store) PublishCommitment(ctx context.Context, townshipID, commitmentID int64, by Actor) error {
	return s.step(ctx, "publish", func(tx pgx.Tx) error {
		vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, true)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrNotFound
		}
		var approved *CommitmentVersion
		for i := range vs {
			if vs[i].Status == CommitmentApproved {
				approved = &vs[i]
			}
		}
		if approved == nil {
			return ErrCommitmentState
		}
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'superseded' WHERE commitment_id = $1 AND status = 'published'`, commitmentID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitment_versions SET status = 'published', published_at = now() WHERE id = $1`, approved.ID); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, approved.Number, "published", by, "")
	})
}

// ReviseCommitment starts a new version of an approved commitment, with the reason for
// the change; its items start as a copy of the version in force (same item ids). The
// version in force stays in force, and public, until the new one is approved and published.
func (s *Store) ReviseCommitment(ctx context.Context, townshipID, commitmentID int64, reason string, by Actor) error {
	return s.step(ctx, "revise", func(tx pgx.Tx) error {
		vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, true)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrNotFound
		}
		w, inForce, _ := Versions(vs)
		if w != nil || inForce == nil {
			return ErrCommitmentState
		}
		number := vs[len(vs)-1].Number + 1
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO commitment_versions (township_id, commitment_id, number, reason) VALUES ($1, $2, $3, $4) RETURNING id`,
			townshipID, commitmentID, number, reason).Scan(&id); err != nil {
			return err
		}
		// Parents first, so each sub-item's parent row exists.
		if _, err := tx.Exec(ctx, `
			INSERT INTO commitment_version_items (township_id, version_id, item_id, parent_id, sort, category, content, target, deadline, weight)
			SELECT township_id, $2, item_id, parent_id, sort, category, content, target, deadline, weight
			FROM commitment_version_items WHERE version_id = $1 ORDER BY parent_id NULLS FIRST`, inForce.ID, id); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, number, "revised", by, reason)
	})
}

// DiscardRevision drops a new version still being worked on (never version 1): the
// version in force stays as it is.
func (s *Store) DiscardRevision(ctx context.Context, townshipID, commitmentID int64, by Actor) error {
	return s.step(ctx, "discard revision", func(tx pgx.Tx) error {
		w, err := lockWorking(ctx, tx, townshipID, commitmentID)
		if err != nil {
			return err
		}
		if w.Number == 1 {
			return ErrCommitmentState
		}
		if _, err := tx.Exec(ctx, `DELETE FROM commitment_versions WHERE id = $1`, w.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			DELETE FROM commitment_items ci WHERE ci.township_id = $1 AND ci.commitment_id = $2
			AND NOT EXISTS (SELECT 1 FROM commitment_version_items i WHERE i.item_id = ci.id)
			AND NOT EXISTS (SELECT 1 FROM commitment_entries e WHERE e.item_id = ci.id)`, townshipID, commitmentID); err != nil {
			return err
		}
		return addEvent(ctx, tx, townshipID, commitmentID, w.Number, "discarded", by, "")
	})
}

// step runs one lifecycle step in a transaction, passing the sentinels through.
func (s *Store) step(ctx context.Context, name string, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, fn)
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrCommitmentState) || errors.Is(err, ErrInvalid) {
		return err
	}
	return fmt.Errorf("store: commitment %s: %w", name, err)
}

// CommitmentStage is where a commitment stands: its versions in the works, in force and
// public (each nil when there is none).
type CommitmentStage struct {
	CommitmentID             int64
	VillageID                *int64
	Working, InForce, Public *CommitmentVersion
	Approved                 *CommitmentVersion // approved, not yet public
}

// CommitmentStages gives the stage of each of the township's commitments for a year.
func (s *Store) CommitmentStages(ctx context.Context, townshipID int64, year int) ([]CommitmentStage, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id AS cid, c.village_id, v.id, v.commitment_id, v.number, v.status, v.reason, v.review_comment, v.created_at,
		       v.submitted_at, v.approved_at, v.published_at
		FROM commitments c JOIN commitment_versions v ON v.commitment_id = c.id
		WHERE c.township_id = $1 AND c.year = $2 ORDER BY c.id, v.number`, townshipID, year)
	type row struct {
		CID       int64  `db:"cid"`
		VillageID *int64 `db:"village_id"`
		CommitmentVersion
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("store: commitment stages: %w", err)
	}
	var out []CommitmentStage
	for i := 0; i < len(found); {
		j := i
		var vs []CommitmentVersion
		for ; j < len(found) && found[j].CID == found[i].CID; j++ {
			vs = append(vs, found[j].CommitmentVersion)
		}
		st := CommitmentStage{CommitmentID: found[i].CID, VillageID: found[i].VillageID}
		st.Working, st.InForce, st.Public = Versions(vs)
		for k := range vs {
			if vs[k].Status == CommitmentApproved {
				st.Approved = &vs[k]
			}
		}
		out = append(out, st)
		i = j
	}
	return out, nil
}

// PublicCommitment returns a commitment with its published version, for its public
// page; a commitment with no published version is ErrNotFound.
func (s *Store) PublicCommitment(ctx context.Context, id int64) (Commitment, CommitmentVersion, error) {
	var v CommitmentVersion
	rows, _ := s.pool.Query(ctx, commitmentSelect+` WHERE c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Commitment])
	if err != nil {
		return c, v, fmt.Errorf("store: public commitment: %w", notFound(err))
	}
	rows, _ = s.pool.Query(ctx, versionSelect+` WHERE v.township_id = $1 AND v.commitment_id = $2 AND v.status = 'published'`, c.TownshipID, c.ID)
	v, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CommitmentVersion])
	if err != nil {
		return c, v, fmt.Errorf("store: public commitment: %w", notFound(err))
	}
	return c, v, nil
}

// PublicCommitmentYears lists the years the township has a published commitment for,
// newest first.
func (s *Store) PublicCommitmentYears(ctx context.Context, townshipID int64) ([]int, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT DISTINCT c.year FROM commitments c JOIN commitment_versions v ON v.commitment_id = c.id AND v.status = 'published'
		WHERE c.township_id = $1 ORDER BY c.year DESC`, townshipID)
	years, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store: public commitment years: %w", err)
	}
	return years, nil
}
