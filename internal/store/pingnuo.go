package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// The mass evaluation of commitments (评诺, 一诺三评三公开; method.md §8): a round of kind
// KindCommitment whose subjects are the items of the township's published commitments of
// the round's year (逐项评议), or each of those commitments as a whole (整体评议). It runs
// as every round does — codes, slips, scrutineers' key sheets, sealed ballots, box
// opening, results, workbook, 公示 — and its results are grades at the round's thresholds
// (rules.DecidePledge): 满意 / 基本满意 / 不满意. They create no talks and count neither
// toward escalation nor toward awards (see rules/pledge.go for why); they are shown on the
// commitment's pages, public (三公开) once the round is published.

// KindCommitment is the round kind of a mass evaluation of commitments (评诺).
const KindCommitment = "commitment"

// What a 评诺 round's subjects are.
const (
	PledgeScopeItem  = "item"  // 逐项评议: each top-level item of each chosen commitment
	PledgeScopeWhole = "whole" // 整体评议: each chosen commitment as a whole
)

// PledgeScopes lists the subject choices of a 评诺 round, in the order the form offers them.
var PledgeScopes = []struct{ Key, Label, Hint string }{
	{PledgeScopeWhole, "整体评议", "每个承诺主体的年度承诺作为一个评议对象,适合由全乡三代表一委员集中评议各村承诺"},
	{PledgeScopeItem, "逐项评议", "每个承诺事项作为一个评议对象,适合由本村党员、群众代表逐项评议本村承诺"},
}

// PledgeScopeLabel is a 评诺 round's subject choice in Chinese.
func PledgeScopeLabel(k string) string {
	for _, x := range PledgeScopes {
		if x.Key == k {
			return x.Label
		}
	}
	return k
}

// ErrPledgeNotPublished means a commitment chosen for a 评诺 round has no published
// version for the round's year (only what is public can be evaluated by the public), or
// is not the township's.
var ErrPledgeNotPublished = errors.New("store: commitment not published for the round's year")

// IsPledge reports whether the round is a mass evaluation of commitments (评诺).
func (r Round) IsPledge() bool { return r.Kind == KindCommitment }

// Scope is the 评诺 round's subject choice (PledgeScopeItem or PledgeScopeWhole); "" for
// any other round.
func (r Round) Scope() string {
	if r.PledgeScope == nil {
		return ""
	}
	return *r.PledgeScope
}

// Pledge is what a 评诺 round shows of a subject: whose commitment, which published
// version, and its items — the subject's own item with its sub-items, or every top-level
// item of the commitment — with the owner's self-evaluation (述诺) where one was filed. It
// is copied from the commitment when the subject is added and again when voting opens;
// from then on it is frozen with the round.
type Pledge struct {
	Whole   bool         `json:"whole,omitempty"` // the commitment as a whole (整体评议)
	Owner   string       `json:"owner"`
	Year    int          `json:"year"`
	Version int          `json:"version"`
	Items   []PledgeItem `json:"items"`
}

// PledgeItem is a commitment item as a 评诺 ballot shows it.
type PledgeItem struct {
	ID       int64        `json:"id"`
	Category string       `json:"category"`
	Content  string       `json:"content"`
	Target   string       `json:"target"`
	Deadline string       `json:"deadline"` // 2006-01-02
	Self     string       `json:"self,omitempty"`
	SelfNote string       `json:"self_note,omitempty"`
	Subs     []PledgeItem `json:"subs,omitempty"`
}

// PublishedCommitment is a commitment of a year with its published version, as the 评诺
// round form offers it.
type PublishedCommitment struct {
	Commitment
	Version int
	Items   int // top-level items of the published version
}

// PublishedCommitments lists the township's commitments of a year that have a published
// version: the township Party committee's first, then the villages' in pinyin order.
func (s *Store) PublishedCommitments(ctx context.Context, townshipID int64, year int) ([]PublishedCommitment, error) {
	rows, _ := s.pool.Query(ctx, commitmentSelect+`
		JOIN commitment_versions pv ON pv.commitment_id = c.id AND pv.status = 'published'
		WHERE c.township_id = $1 AND c.year = $2
		ORDER BY c.village_id IS NOT NULL, v.name COLLATE zh_pinyin`, townshipID, year)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Commitment])
	if err != nil {
		return nil, fmt.Errorf("store: published commitments: %w", err)
	}
	out := make([]PublishedCommitment, 0, len(cs))
	for _, c := range cs {
		p := PublishedCommitment{Commitment: c}
		if err := s.pool.QueryRow(ctx, `
			SELECT v.number, (SELECT count(*) FROM commitment_version_items i WHERE i.version_id = v.id AND i.parent_id IS NULL)::int
			FROM commitment_versions v WHERE v.township_id = $1 AND v.commitment_id = $2 AND v.status = 'published'`,
			townshipID, c.ID).Scan(&p.Version, &p.Items); err != nil {
			return nil, fmt.Errorf("store: published commitments: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// pledgeSubject is one subject a commitment gives a 评诺 round, ready to be written.
type pledgeSubject struct {
	itemID *int64
	name   string
	title  string
	sort   int
	pledge Pledge
}

// pledgeSubjects reads a commitment's published version and makes the round's subjects of
// it: one per top-level item, or one for the whole. A commitment of another township or
// year, or without a published version, is ErrPledgeNotPublished.
func pledgeSubjects(ctx context.Context, tx pgx.Tx, townshipID int64, year int, scope string, commitmentID int64) (Commitment, []pledgeSubject, error) {
	rows, _ := tx.Query(ctx, commitmentSelect+` WHERE c.township_id = $1 AND c.id = $2 AND c.year = $3`, townshipID, commitmentID, year)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Commitment])
	if errors.Is(err, pgx.ErrNoRows) {
		return c, nil, ErrPledgeNotPublished
	}
	if err != nil {
		return c, nil, err
	}
	var versionID int64
	var number int
	err = tx.QueryRow(ctx, `SELECT id, number FROM commitment_versions WHERE township_id = $1 AND commitment_id = $2 AND status = 'published'`,
		townshipID, c.ID).Scan(&versionID, &number)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, nil, ErrPledgeNotPublished
	}
	if err != nil {
		return c, nil, err
	}
	rows, _ = tx.Query(ctx, itemSelect+` WHERE i.township_id = $1 AND i.version_id = $2`+itemOrder, townshipID, versionID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[CommitmentItem])
	if err != nil {
		return c, nil, err
	}
	self := map[int64][2]string{}
	var id int64
	var rating, body string
	rows, _ = tx.Query(ctx, `
		SELECT se.item_id, se.rating, se.body FROM commitment_self_evaluations se JOIN commitment_items ci ON ci.id = se.item_id
		WHERE se.township_id = $1 AND ci.commitment_id = $2`, townshipID, c.ID)
	if _, err := pgx.ForEachRow(rows, []any{&id, &rating, &body}, func() error {
		self[id] = [2]string{rating, body}
		return nil
	}); err != nil {
		return c, nil, err
	}
	// The owner's place: the township Party committee first, then the villages by pinyin.
	rank := 0
	if c.VillageID != nil {
		if err := tx.QueryRow(ctx, `
			SELECT n FROM (SELECT id, row_number() OVER (ORDER BY name COLLATE zh_pinyin, id)::int AS n FROM villages WHERE township_id = $1) x
			WHERE id = $2`, townshipID, *c.VillageID).Scan(&rank); err != nil {
			return c, nil, err
		}
	}
	var top []PledgeItem
	for _, it := range items {
		p := PledgeItem{ID: it.ID, Category: it.Category, Content: it.Content, Target: it.Target, Deadline: it.Deadline.Format("2006-01-02")}
		if se, ok := self[it.ID]; ok {
			p.Self, p.SelfNote = se[0], se[1]
		}
		if it.ParentID == nil {
			top = append(top, p)
			continue
		}
		if n := len(top); n > 0 && top[n-1].ID == *it.ParentID {
			top[n-1].Subs = append(top[n-1].Subs, p)
		}
	}
	owner := c.Owner()
	if scope == PledgeScopeWhole {
		return c, []pledgeSubject{{name: owner, title: fmt.Sprintf("%d 年度承诺 · %d 项", c.Year, len(top)), sort: rank * 1000,
			pledge: Pledge{Whole: true, Owner: owner, Year: c.Year, Version: number, Items: top}}}, nil
	}
	out := make([]pledgeSubject, len(top))
	for i, it := range top {
		out[i] = pledgeSubject{itemID: &it.ID, name: it.Content, title: owner, sort: rank*1000 + i + 1,
			pledge: Pledge{Owner: owner, Year: c.Year, Version: number, Items: []PledgeItem{it}}}
	}
	return c, out, nil
}

// addPledgeSubjects adds the subjects of each commitment to a draft 评诺 round; those the
// round has already stay as they are.
func addPledgeSubjects(ctx context.Context, tx pgx.Tx, townshipID, roundID int64, year int, scope string, commitmentIDs []int64) error {
	if len(commitmentIDs) == 0 {
		return ErrInvalid
	}
	for _, cid := range commitmentIDs {
		c, subs, err := pledgeSubjects(ctx, tx, townshipID, year, scope, cid)
		if err != nil {
			return err
		}
		level := int(rules.TierVillage)
		if c.IsTownship() {
			level = int(rules.TierLeadership)
		}
		for _, sub := range subs {
			if _, err := tx.Exec(ctx, `
				INSERT INTO round_subjects (round_id, township_id, commitment_id, commitment_item_id, name, title, level, village_id, sort, pledge)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT DO NOTHING`,
				roundID, townshipID, c.ID, sub.itemID, sub.name, sub.title, level, c.VillageID, sub.sort, sub.pledge); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddPledgeSubjects adds a published commitment of the round's year to a draft 评诺 round:
// its items not yet in the round (逐项评议), or the commitment itself (整体评议).
func (s *Store) AddPledgeSubjects(ctx context.Context, townshipID, roundID, commitmentID int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		round, err := lockRound(ctx, tx, townshipID, roundID)
		switch {
		case err != nil:
			return err
		case !round.IsPledge():
			return ErrInvalid
		case round.Status != StatusDraft:
			return ErrFrozen
		}
		return addPledgeSubjects(ctx, tx, townshipID, roundID, round.Year, round.Scope(), []int64{commitmentID})
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrFrozen) && !errors.Is(err, ErrPledgeNotPublished) {
		return fmt.Errorf("store: add pledge subjects: %w", err)
	}
	return err
}

// freezePledges copies each subject of a 评诺 round afresh from its commitment's published
// version as voting opens, and lists what stands in the way: a commitment no longer
// published for the year, or an item that its published version no longer has.
func freezePledges(ctx context.Context, tx pgx.Tx, townshipID, roundID int64, year int, scope string) ([]string, error) {
	rows, _ := tx.Query(ctx, `
		SELECT id, commitment_id, commitment_item_id, name, title FROM round_subjects
		WHERE township_id = $1 AND round_id = $2 AND commitment_id IS NOT NULL ORDER BY sort, id`, townshipID, roundID)
	type row struct {
		ID           int64  `db:"id"`
		CommitmentID int64  `db:"commitment_id"`
		ItemID       *int64 `db:"commitment_item_id"`
		Name         string `db:"name"`
		Title        string `db:"title"`
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, err
	}
	fresh := map[int64][]pledgeSubject{}
	var problems []string
	for _, sub := range subjects {
		made, ok := fresh[sub.CommitmentID]
		if !ok {
			_, made, err = pledgeSubjects(ctx, tx, townshipID, year, scope, sub.CommitmentID)
			if errors.Is(err, ErrPledgeNotPublished) {
				err, made = nil, nil
			}
			if err != nil {
				return nil, err
			}
			fresh[sub.CommitmentID] = made
		}
		i := slices.IndexFunc(made, func(p pledgeSubject) bool {
			return (p.itemID == nil && sub.ItemID == nil) || (p.itemID != nil && sub.ItemID != nil && *p.itemID == *sub.ItemID)
		})
		if i < 0 {
			who := sub.Name
			if sub.ItemID != nil {
				who = sub.Title + "「" + sub.Name + "」"
			}
			problems = append(problems, who+" 已不在公开的承诺中,请移除该评议对象")
			continue
		}
		p := made[i]
		if _, err := tx.Exec(ctx, `UPDATE round_subjects SET name = $2, title = $3, sort = $4, pledge = $5 WHERE id = $1`,
			sub.ID, p.name, p.title, p.sort, p.pledge); err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// MassEvaluation is one counted 评诺 round's result for a commitment (群众评议结果): the
// round and, in the round's order, the commitment's subjects in it — its items, or the
// commitment as a whole.
type MassEvaluation struct {
	RoundID     int64
	Title       string
	Scope       string
	Status      string
	PublicSlug  *string
	CountedAt   *time.Time
	PublishFrom *time.Time
	PublishTo   *time.Time
	Rows        []MassEvaluationResult
}

// Published reports whether the round's results are public (公示).
func (m MassEvaluation) Published() bool { return m.Status == StatusPublished }

// MassEvaluationResult is one subject's grade in a 评诺 round.
type MassEvaluationResult struct {
	ItemID          *int64        `db:"commitment_item_id"`
	Name            string        `db:"name"`
	Satisfaction    *string       `db:"satisfaction"`
	Dissatisfaction *string       `db:"dissatisfaction"`
	Outcome         rules.Outcome `db:"outcome"`
	Reasons         []string      `db:"reasons"`
}

// MassEvaluations lists the counted 评诺 rounds (rehearsals never) that evaluated a
// commitment, newest first, with its subjects' results; publishedOnly keeps the rounds
// whose results are public (公示), as the public pages and a village's secretary see them.
func (s *Store) MassEvaluations(ctx context.Context, townshipID, commitmentID int64, publishedOnly bool) ([]MassEvaluation, error) {
	out, err := s.massEvaluations(ctx, townshipID, []int64{commitmentID}, publishedOnly)
	if err != nil {
		return nil, err
	}
	return out[commitmentID], nil
}

// MassEvaluationsOf gives, per commitment of the township's year, its counted 评诺 rounds
// as MassEvaluations does: what the year's overview shows.
func (s *Store) MassEvaluationsOf(ctx context.Context, townshipID int64, year int, publishedOnly bool) (map[int64][]MassEvaluation, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM commitments WHERE township_id = $1 AND year = $2`, townshipID, year)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: mass evaluations: %w", err)
	}
	return s.massEvaluations(ctx, townshipID, ids, publishedOnly)
}

func (s *Store) massEvaluations(ctx context.Context, townshipID int64, commitmentIDs []int64, publishedOnly bool) (map[int64][]MassEvaluation, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT s.commitment_id, r.id AS round_id, r.title, r.pledge_scope, r.status, r.public_slug, r.counted_at, r.publish_from, r.publish_to,
		       s.commitment_item_id, s.name, rr.satisfaction, rr.dissatisfaction, rr.outcome, rr.reasons
		FROM round_subjects s
		JOIN rounds r ON r.id = s.round_id AND r.township_id = s.township_id
		JOIN round_results rr ON rr.round_subject_id = s.id
		WHERE s.township_id = $1 AND s.commitment_id = ANY($2) AND r.kind = 'commitment' AND NOT r.rehearsal
		  AND (r.status = 'published' OR (NOT $3 AND r.status = 'closed'))
		ORDER BY s.commitment_id, r.counted_at DESC NULLS LAST, r.id DESC, s.sort, s.id`, townshipID, commitmentIDs, publishedOnly)
	type row struct {
		CommitmentID int64      `db:"commitment_id"`
		RoundID      int64      `db:"round_id"`
		Title        string     `db:"title"`
		Scope        string     `db:"pledge_scope"`
		Status       string     `db:"status"`
		PublicSlug   *string    `db:"public_slug"`
		CountedAt    *time.Time `db:"counted_at"`
		PublishFrom  *time.Time `db:"publish_from"`
		PublishTo    *time.Time `db:"publish_to"`
		MassEvaluationResult
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("store: mass evaluations: %w", err)
	}
	out := map[int64][]MassEvaluation{}
	for _, f := range found {
		list := out[f.CommitmentID]
		if n := len(list); n == 0 || list[n-1].RoundID != f.RoundID {
			list = append(list, MassEvaluation{RoundID: f.RoundID, Title: f.Title, Scope: f.Scope, Status: f.Status, PublicSlug: f.PublicSlug,
				CountedAt: f.CountedAt, PublishFrom: f.PublishFrom, PublishTo: f.PublishTo})
		}
		list[len(list)-1].Rows = append(list[len(list)-1].Rows, f.MassEvaluationResult)
		out[f.CommitmentID] = list
	}
	return out, nil
}

// pledgeResults grades each subject of a counted 评诺 round (rules.DecidePledge): no
// escalation, no talk.
func pledgeResults(sc rules.Scenario) []rules.SubjectResult {
	out := make([]rules.SubjectResult, 0, len(sc.Subjects))
	for _, sub := range sc.Subjects {
		rates := rules.Weigh(sc.Weights, sc.Rounds[0].Tallies[sub.ID])
		o, reasons := rules.DecidePledge(sc.Policy, rates)
		out = append(out, rules.SubjectResult{Subject: sub.ID, Rates: rates, Outcome: o, Reasons: reasons})
	}
	return out
}

// subjectKey names a round's subject for the rules: the person or organisation it is, or,
// for a commitment subject (which has no history across rounds), the round subject itself.
func subjectKey(id int64, personID, organisationID *int64) string {
	if k := rules.SubjectKey(personID, organisationID); k != "" {
		return k
	}
	return "s" + strconv.FormatInt(id, 10)
}
