package store

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// Progress (践诺), leaders' commentary (领导点评), self-evaluation (自评) and the fulfilment
// rate (兑现率) of commitments.

// MaxEntryFile is the largest evidence file accepted, in bytes.
const MaxEntryFile = 10 << 20

// MaxEntryFiles is how many files one progress entry may carry.
const MaxEntryFiles = 6

// CommitmentEntry is one progress report on an item.
type CommitmentEntry struct {
	ID         int64           `db:"id"`
	ItemID     int64           `db:"item_id"`
	Day        time.Time       `db:"entry_date"`
	Body       string          `db:"body"`
	Percent    int             `db:"percent"`
	AuthorName string          `db:"author_name"`
	CreatedAt  time.Time       `db:"created_at"`
	Files      []EntryFileInfo `db:"-"`
}

// EntryFileInfo describes an evidence file without its bytes.
type EntryFileInfo struct {
	ID          int64  `db:"id"`
	EntryID     int64  `db:"entry_id"`
	Name        string `db:"file_name"`
	ContentType string `db:"content_type"`
	Size        int    `db:"size"`
	Photo       bool   `db:"photo"`
	WebW        int    `db:"web_width"`
	WebH        int    `db:"web_height"`
	ThumbW      int    `db:"thumb_width"`
	ThumbH      int    `db:"thumb_height"`
}

// EntryFile is an evidence file as uploaded. A photo carries its page copies (Web and
// Thumb, JPEG); a document has none.
type EntryFile struct {
	Name, ContentType string
	Data              []byte
	Web, Thumb        []byte
	WebW, WebH        int
	ThumbW, ThumbH    int
}

// EntryInput is a progress report as filed.
type EntryInput struct {
	ItemID  int64
	Day     time.Time
	Body    string
	Percent int
	Author  string
	Files   []EntryFile
}

// AddCommitmentEntry records progress on an item of the version in force, with its
// files, all or nothing. An item not in that version, or one with sub-items (whose
// progress comes from them), is ErrInvalid; a commitment not yet approved is
// ErrCommitmentState.
func (s *Store) AddCommitmentEntry(ctx context.Context, townshipID, commitmentID int64, in EntryInput) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, false)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrNotFound
		}
		_, inForce, _ := Versions(vs)
		if inForce == nil {
			return ErrCommitmentState
		}
		var leaf bool
		err = tx.QueryRow(ctx, `
			SELECT NOT EXISTS (SELECT 1 FROM commitment_version_items c WHERE c.version_id = i.version_id AND c.parent_id = i.item_id)
			FROM commitment_version_items i WHERE i.township_id = $1 AND i.version_id = $2 AND i.item_id = $3`,
			townshipID, inForce.ID, in.ItemID).Scan(&leaf)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !leaf) {
			return ErrInvalid
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO commitment_entries (township_id, item_id, entry_date, body, percent, author_name)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			townshipID, in.ItemID, in.Day, in.Body, in.Percent, in.Author).Scan(&id); err != nil {
			return err
		}
		for _, f := range in.Files {
			var web, thumb []byte
			var ww, wh, tw, th *int
			if f.Web != nil {
				web, thumb, ww, wh, tw, th = f.Web, f.Thumb, &f.WebW, &f.WebH, &f.ThumbW, &f.ThumbH
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO commitment_files (township_id, entry_id, file_name, content_type, size, data, web, thumb,
				                              web_width, web_height, thumb_width, thumb_height)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				townshipID, id, f.Name, f.ContentType, len(f.Data), f.Data, web, thumb, ww, wh, tw, th); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrCommitmentState) {
			return 0, err
		}
		return 0, fmt.Errorf("store: add commitment entry: %w", err)
	}
	return id, nil
}

// CommitmentEntries lists a commitment's progress reports, newest day first, with
// their files.
func (s *Store) CommitmentEntries(ctx context.Context, townshipID, commitmentID int64) ([]CommitmentEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT e.id, e.item_id, e.entry_date, e.body, e.percent, e.author_name, e.created_at
		FROM commitment_entries e JOIN commitment_items ci ON ci.id = e.item_id
		WHERE e.township_id = $1 AND ci.commitment_id = $2 ORDER BY e.entry_date DESC, e.id DESC`, townshipID, commitmentID)
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentEntry])
	if err != nil {
		return nil, fmt.Errorf("store: commitment entries: %w", err)
	}
	rows, _ = s.pool.Query(ctx, `
		SELECT f.id, f.entry_id, f.file_name, f.content_type, f.size, f.web IS NOT NULL AS photo,
		       coalesce(f.web_width, 0) AS web_width, coalesce(f.web_height, 0) AS web_height,
		       coalesce(f.thumb_width, 0) AS thumb_width, coalesce(f.thumb_height, 0) AS thumb_height
		FROM commitment_files f JOIN commitment_entries e ON e.id = f.entry_id JOIN commitment_items ci ON ci.id = e.item_id
		WHERE f.township_id = $1 AND ci.commitment_id = $2 ORDER BY f.id`, townshipID, commitmentID)
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[EntryFileInfo])
	if err != nil {
		return nil, fmt.Errorf("store: commitment files: %w", err)
	}
	byEntry := map[int64][]EntryFileInfo{}
	for _, f := range files {
		byEntry[f.EntryID] = append(byEntry[f.EntryID], f)
	}
	for i := range entries {
		entries[i].Files = byEntry[entries[i].ID]
	}
	return entries, nil
}

// DeleteCommitmentEntry removes a progress report and its files.
func (s *Store) DeleteCommitmentEntry(ctx context.Context, townshipID, commitmentID, entryID int64) error {
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM commitment_entries e USING commitment_items ci
		WHERE e.township_id = $1 AND e.id = $3 AND ci.id = e.item_id AND ci.commitment_id = $2`, townshipID, commitmentID, entryID)
	if err != nil {
		return fmt.Errorf("store: delete commitment entry: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// StoredFile is a file's bytes with its name and type.
type StoredFile struct {
	Name        string
	ContentType string
	Data        []byte
}

// CommitmentFile returns an evidence file as uploaded, for staff.
func (s *Store) CommitmentFile(ctx context.Context, townshipID, commitmentID, fileID int64) (StoredFile, error) {
	var f StoredFile
	err := s.pool.QueryRow(ctx, `
		SELECT f.file_name, f.content_type, f.data FROM commitment_files f
		JOIN commitment_entries e ON e.id = f.entry_id JOIN commitment_items ci ON ci.id = e.item_id
		WHERE f.township_id = $1 AND ci.commitment_id = $2 AND f.id = $3`, townshipID, commitmentID, fileID).
		Scan(&f.Name, &f.ContentType, &f.Data)
	if err != nil {
		return f, fmt.Errorf("store: commitment file: %w", notFound(err))
	}
	return f, nil
}

// PublicPhoto returns a photo's page copy (thumb or web), only when it shows progress
// on an item of the commitment's published version: what its public page shows.
func (s *Store) PublicPhoto(ctx context.Context, commitmentID, fileID int64, thumb bool) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `
		SELECT CASE WHEN $3 THEN f.thumb ELSE f.web END FROM commitment_files f
		JOIN commitment_entries e ON e.id = f.entry_id AND e.township_id = f.township_id
		JOIN commitment_items ci ON ci.id = e.item_id AND ci.township_id = f.township_id
		WHERE f.id = $2 AND ci.commitment_id = $1 AND f.web IS NOT NULL
		  AND EXISTS (SELECT 1 FROM commitment_version_items i JOIN commitment_versions v ON v.id = i.version_id
		              WHERE i.item_id = e.item_id AND v.commitment_id = $1 AND v.status = 'published')`,
		commitmentID, fileID, thumb).Scan(&data)
	if err != nil {
		return nil, fmt.Errorf("store: public photo: %w", notFound(err))
	}
	return data, nil
}

// CommitmentComment is a leader's comment (领导点评) on a commitment.
type CommitmentComment struct {
	ID         int64     `db:"id"`
	Year       int       `db:"year"`
	Quarter    int       `db:"quarter"`
	Body       string    `db:"body"`
	AuthorName string    `db:"author_name"`
	Public     bool      `db:"public"`
	CreatedAt  time.Time `db:"created_at"`
}

// CommentInput is a comment as written.
type CommentInput struct {
	Year, Quarter int
	Body          string
	AuthorID      int64 // 0: not an account (a comment entered for someone)
	AuthorName    string
	Public        bool
}

// AddCommitmentComment records a comment on a commitment of the township.
func (s *Store) AddCommitmentComment(ctx context.Context, townshipID, commitmentID int64, in CommentInput) error {
	var author *int64
	if in.AuthorID != 0 {
		author = &in.AuthorID
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO commitment_comments (township_id, commitment_id, year, quarter, body, author_id, author_name, public)
		SELECT $1, c.id, $3, $4, $5, $6, $7, $8 FROM commitments c WHERE c.township_id = $1 AND c.id = $2`,
		townshipID, commitmentID, in.Year, in.Quarter, in.Body, author, in.AuthorName, in.Public)
	if err != nil {
		return fmt.Errorf("store: add commitment comment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// CommitmentComments lists a commitment's comments, newest first; publicOnly keeps
// those chosen for publication.
func (s *Store) CommitmentComments(ctx context.Context, townshipID, commitmentID int64, publicOnly bool) ([]CommitmentComment, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, year, quarter, body, author_name, public, created_at FROM commitment_comments
		WHERE township_id = $1 AND commitment_id = $2 AND (public OR NOT $3)
		ORDER BY year DESC, quarter DESC, created_at DESC`, townshipID, commitmentID, publicOnly)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentComment])
	if err != nil {
		return nil, fmt.Errorf("store: commitment comments: %w", err)
	}
	return items, nil
}

// SetCommentPublic chooses a comment for publication, or withdraws it.
func (s *Store) SetCommentPublic(ctx context.Context, townshipID, commitmentID, commentID int64, public bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE commitment_comments SET public = $4 WHERE township_id = $1 AND commitment_id = $2 AND id = $3`,
		townshipID, commitmentID, commentID, public)
	if err != nil {
		return fmt.Errorf("store: set comment public: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// CommentGap is a village commitment in force without a leader's comment in a quarter.
type CommentGap struct {
	CommitmentID int64  `db:"id"`
	Village      string `db:"village"`
	LastYear     *int   `db:"last_year"`
	LastQuarter  *int   `db:"last_quarter"`
}

// CommentGaps lists the villages whose commitment for the year is in force (approved or
// public) and has no comment for that quarter, with their latest comment's quarter.
func (s *Store) CommentGaps(ctx context.Context, townshipID int64, year, quarter int) ([]CommentGap, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id, vl.name AS village,
		       (SELECT cc.year FROM commitment_comments cc WHERE cc.commitment_id = c.id ORDER BY cc.year DESC, cc.quarter DESC LIMIT 1) AS last_year,
		       (SELECT cc.quarter FROM commitment_comments cc WHERE cc.commitment_id = c.id ORDER BY cc.year DESC, cc.quarter DESC LIMIT 1) AS last_quarter
		FROM commitments c JOIN villages vl ON vl.id = c.village_id
		WHERE c.township_id = $1 AND c.year = $2
		  AND EXISTS (SELECT 1 FROM commitment_versions v WHERE v.commitment_id = c.id AND v.status IN ('approved','published'))
		  AND NOT EXISTS (SELECT 1 FROM commitment_comments cc WHERE cc.commitment_id = c.id AND cc.year = $2 AND cc.quarter = $3)
		ORDER BY vl.name COLLATE zh_pinyin`, townshipID, year, quarter)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommentGap])
	if err != nil {
		return nil, fmt.Errorf("store: comment gaps: %w", err)
	}
	return items, nil
}

// Self-evaluation ratings (自评).
const (
	SelfFulfilled   = "fulfilled"   // 已兑现
	SelfPartly      = "partly"      // 部分兑现
	SelfUnfulfilled = "unfulfilled" // 未兑现
)

// SelfRatings are the self-evaluation choices in form order.
var SelfRatings = []struct{ Key, Label string }{
	{SelfFulfilled, "已兑现"}, {SelfPartly, "部分兑现"}, {SelfUnfulfilled, "未兑现"},
}

// SelfRatingLabel is a self-evaluation rating in Chinese.
func SelfRatingLabel(k string) string {
	for _, r := range SelfRatings {
		if r.Key == k {
			return r.Label
		}
	}
	return k
}

// SelfEvaluation is the owner's year-end account of one item.
type SelfEvaluation struct {
	ItemID     int64     `db:"item_id"`
	Rating     string    `db:"rating"`
	Body       string    `db:"body"`
	AuthorName string    `db:"author_name"`
	UpdatedAt  time.Time `db:"updated_at"`
}

// SelfEvaluationInput is one item's self-evaluation as filed.
type SelfEvaluationInput struct {
	ItemID int64
	Rating string
	Body   string
}

// SaveSelfEvaluations files the self-evaluation of top-level items of the version in
// force, all or nothing. An item not among them is ErrInvalid.
func (s *Store) SaveSelfEvaluations(ctx context.Context, townshipID, commitmentID int64, in []SelfEvaluationInput, author string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		vs, err := commitmentVersions(ctx, tx, townshipID, commitmentID, false)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrNotFound
		}
		_, inForce, _ := Versions(vs)
		if inForce == nil {
			return ErrCommitmentState
		}
		for _, e := range in {
			tag, err := tx.Exec(ctx, `
				INSERT INTO commitment_self_evaluations (township_id, item_id, rating, body, author_name)
				SELECT $1, i.item_id, $4, $5, $6 FROM commitment_version_items i
				WHERE i.township_id = $1 AND i.version_id = $2 AND i.item_id = $3 AND i.parent_id IS NULL
				ON CONFLICT (item_id) DO UPDATE SET rating = EXCLUDED.rating, body = EXCLUDED.body,
				       author_name = EXCLUDED.author_name, updated_at = now()`,
				townshipID, inForce.ID, e.ItemID, e.Rating, e.Body, author)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return ErrInvalid
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrCommitmentState) {
			return err
		}
		return fmt.Errorf("store: save self-evaluations: %w", err)
	}
	return nil
}

// SelfEvaluations returns a commitment's self-evaluations by item id.
func (s *Store) SelfEvaluations(ctx context.Context, townshipID, commitmentID int64) (map[int64]SelfEvaluation, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT se.item_id, se.rating, se.body, se.author_name, se.updated_at
		FROM commitment_self_evaluations se JOIN commitment_items ci ON ci.id = se.item_id
		WHERE se.township_id = $1 AND ci.commitment_id = $2`, townshipID, commitmentID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[SelfEvaluation])
	if err != nil {
		return nil, fmt.Errorf("store: self-evaluations: %w", err)
	}
	out := make(map[int64]SelfEvaluation, len(items))
	for _, e := range items {
		out[e.ItemID] = e
	}
	return out, nil
}

// CommitmentBoard is one version of a commitment with its items and their progress reports:
// what it takes to assess the commitment on any day.
type CommitmentBoard struct {
	Commitment Commitment
	Version    CommitmentVersion
	Items      []CommitmentItem
	Entries    []CommitmentEntry // newest day first; Files only where the loader says so
	Photos     int               // photos among the entries' evidence
}

// RuleItems turns the board into the assessment's input. An item's schedule starts when
// it took effect, or on 1 January of the commitment's year if it never has.
func (b CommitmentBoard) RuleItems() []rules.Item {
	byItem := map[int64][]rules.Entry{}
	for i := len(b.Entries) - 1; i >= 0; i-- { // oldest first: the order they were made
		e := b.Entries[i]
		byItem[e.ItemID] = append(byItem[e.ItemID], rules.Entry{Day: e.Day, Percent: e.Percent})
	}
	out := make([]rules.Item, 0, len(b.Items))
	for _, it := range b.Items {
		start := time.Date(b.Commitment.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		if it.Since != nil {
			start = LocalDay(*it.Since)
		}
		ri := rules.Item{ID: it.ID, Start: start, Deadline: it.Deadline, Entries: byItem[it.ID]}
		if it.ParentID != nil {
			ri.Parent = *it.ParentID
			if it.Weight != nil {
				ri.Weight = *it.Weight
			}
		}
		out = append(out, ri)
	}
	return out
}

// Assess gives each item's state on day on.
func (b CommitmentBoard) Assess(on time.Time) map[int64]rules.ItemState {
	return rules.Assess(b.RuleItems(), on)
}

// Fulfilment counts the top-level items done by day on.
func (b CommitmentBoard) Fulfilment(on time.Time) rules.Fulfilment {
	items := b.RuleItems()
	return rules.FulfilmentOf(items, rules.Assess(items, on))
}

// CommitmentBoard loads a version of a commitment with its items and every progress
// report on them, files included.
func (s *Store) CommitmentBoard(ctx context.Context, c Commitment, v CommitmentVersion) (CommitmentBoard, error) {
	b := CommitmentBoard{Commitment: c, Version: v}
	var err error
	if b.Items, err = s.VersionItems(ctx, c.TownshipID, v.ID); err != nil {
		return b, err
	}
	if b.Entries, err = s.CommitmentEntries(ctx, c.TownshipID, c.ID); err != nil {
		return b, err
	}
	for _, e := range b.Entries {
		for _, f := range e.Files {
			if f.Photo {
				b.Photos++
			}
		}
	}
	return b, nil
}

// Boards loads the township's commitments for a year, each at its version in force
// (public: its published version), with their items and progress reports (no files).
// Commitments without such a version are left out. The township's own comes first,
// then the villages by pinyin.
func (s *Store) Boards(ctx context.Context, townshipID int64, year int, public bool) ([]CommitmentBoard, error) {
	statuses := []string{CommitmentApproved, CommitmentPublished}
	if public {
		statuses = []string{CommitmentPublished}
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT * FROM (
			SELECT DISTINCT ON (c.id) c.id, c.township_id, t.name AS township_name, c.village_id, v.name AS village_name, c.year,
			       c.created_at, cv.id AS version_id
			FROM commitments c JOIN townships t ON t.id = c.township_id LEFT JOIN villages v ON v.id = c.village_id
			JOIN commitment_versions cv ON cv.commitment_id = c.id AND cv.status = ANY($3)
			WHERE c.township_id = $1 AND c.year = $2
			ORDER BY c.id, cv.number DESC) b
		ORDER BY b.village_id IS NOT NULL, b.village_name COLLATE zh_pinyin`, townshipID, year, statuses)
	type row struct {
		Commitment
		VersionID int64 `db:"version_id"`
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("store: boards: %w", err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(found))
	for i, r := range found {
		ids[i] = r.VersionID
	}
	vrows, _ := s.pool.Query(ctx, versionSelect+` WHERE v.township_id = $1 AND v.id = ANY($2)`, townshipID, ids)
	versions, err := pgx.CollectRows(vrows, pgx.RowToStructByName[CommitmentVersion])
	if err != nil {
		return nil, fmt.Errorf("store: boards: %w", err)
	}
	irows, _ := s.pool.Query(ctx, itemSelect+` WHERE i.township_id = $1 AND i.version_id = ANY($2)`+itemOrder, townshipID, ids)
	items, err := pgx.CollectRows(irows, pgx.RowToStructByName[CommitmentItem])
	if err != nil {
		return nil, fmt.Errorf("store: boards: %w", err)
	}
	erows, _ := s.pool.Query(ctx, `
		SELECT e.id, e.item_id, e.entry_date, e.body, e.percent, e.author_name, e.created_at
		FROM commitment_entries e JOIN commitment_items ci ON ci.id = e.item_id JOIN commitments c ON c.id = ci.commitment_id
		WHERE e.township_id = $1 AND c.year = $2 ORDER BY e.entry_date DESC, e.id DESC`, townshipID, year)
	entries, err := pgx.CollectRows(erows, pgx.RowToStructByName[CommitmentEntry])
	if err != nil {
		return nil, fmt.Errorf("store: boards: %w", err)
	}
	type photoCount struct {
		CommitmentID int64 `db:"commitment_id"`
		N            int   `db:"n"`
	}
	prows, _ := s.pool.Query(ctx, `
		SELECT ci.commitment_id, count(*)::int AS n FROM commitment_files f JOIN commitment_entries e ON e.id = f.entry_id
		JOIN commitment_items ci ON ci.id = e.item_id JOIN commitments c ON c.id = ci.commitment_id
		WHERE f.township_id = $1 AND c.year = $2 AND f.web IS NOT NULL GROUP BY ci.commitment_id`, townshipID, year)
	photos, err := pgx.CollectRows(prows, pgx.RowToStructByName[photoCount])
	if err != nil {
		return nil, fmt.Errorf("store: boards: %w", err)
	}
	byVersion := map[int64]*CommitmentBoard{}
	boards := make([]CommitmentBoard, len(found))
	for i, r := range found {
		boards[i].Commitment = r.Commitment
		byVersion[r.VersionID] = &boards[i]
	}
	for _, v := range versions {
		byVersion[v.ID].Version = v
	}
	itemBoard := map[int64]*CommitmentBoard{}
	for _, it := range items {
		b := byVersion[it.VersionID]
		b.Items = append(b.Items, it)
		itemBoard[it.ID] = b
	}
	for _, e := range entries {
		if b := itemBoard[e.ItemID]; b != nil {
			b.Entries = append(b.Entries, e)
		}
	}
	for _, p := range photos {
		for i := range boards {
			if boards[i].Commitment.ID == p.CommitmentID {
				boards[i].Photos = p.N
			}
		}
	}
	return boards, nil
}

// FulfilmentRate is a village's commitment fulfilment (承诺兑现率) for a year: the
// top-level items of its commitment in force done by a day, out of all of them.
type FulfilmentRate struct {
	CommitmentID int64
	VillageID    int64
	Village      string
	Year         int
	Done, Total  int
}

// Rate is Done/Total exactly; nil when the commitment has no item.
func (f FulfilmentRate) Rate() *big.Rat { return rules.Fulfilment{Done: f.Done, Total: f.Total}.Rate() }

// FulfilmentRates gives each village with a commitment in force for the year its
// fulfilment rate on day on (progress reported for a later day does not count), by
// pinyin. A scoresheet clause can take a village's rate as its score's fraction.
func (s *Store) FulfilmentRates(ctx context.Context, townshipID int64, year int, on time.Time) ([]FulfilmentRate, error) {
	boards, err := s.Boards(ctx, townshipID, year, false)
	if err != nil {
		return nil, err
	}
	var out []FulfilmentRate
	for _, b := range boards {
		if b.Commitment.IsTownship() {
			continue
		}
		f := b.Fulfilment(on)
		out = append(out, FulfilmentRate{CommitmentID: b.Commitment.ID, VillageID: *b.Commitment.VillageID,
			Village: *b.Commitment.VillageName, Year: year, Done: f.Done, Total: f.Total})
	}
	return out, nil
}

// CommitmentPhoto returns a photo's page copy (thumb or web) for staff.
func (s *Store) CommitmentPhoto(ctx context.Context, townshipID, commitmentID, fileID int64, thumb bool) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `
		SELECT CASE WHEN $4 THEN f.thumb ELSE f.web END FROM commitment_files f
		JOIN commitment_entries e ON e.id = f.entry_id JOIN commitment_items ci ON ci.id = e.item_id
		WHERE f.township_id = $1 AND ci.commitment_id = $2 AND f.id = $3 AND f.web IS NOT NULL`,
		townshipID, commitmentID, fileID, thumb).Scan(&data)
	if err != nil {
		return nil, fmt.Errorf("store: commitment photo: %w", notFound(err))
	}
	return data, nil
}
