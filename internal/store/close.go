package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
)

// Policy is the round's stored policy as the rules package reads it.
func (r Round) Policy() rules.Policy {
	return rules.Policy{PassPct: r.PassPct, AdmonishBelowPct: r.AdmonishBelowPct, ReminderDissatisfiedPct: r.ReminderDissatisfiedPct,
		AdmonishDissatisfiedPct: r.AdmonishDissatisfiedPct, TopRank: r.TopRank}
}

// CountRound records what the opened box held and closes the round (计票), in one
// transaction and in three steps: load the inputs (the round's groups and subjects, and
// each subject's earlier rounds for escalation), apply internal/rules, write each
// subject's result and the talk tasks its outcome calls for. A rehearsal's results are
// kept for the office to look at, but it creates no talks, never counts as history, and
// its sealed ballots are deleted.
func (s *Store) CountRound(ctx context.Context, townshipID, id int64, c ballotbox.Count, by string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		round, err := lockRound(ctx, tx, townshipID, id)
		if err != nil {
			return err
		}
		if round.Status != StatusCounting {
			return ErrNotCounting
		}
		if err := checkBallotCount(ctx, tx, id, c); err != nil {
			return err
		}
		in, err := loadCloseInputs(ctx, tx, round)
		if err != nil {
			return err
		}
		sc := in.scenario(round, c)
		var results []rules.SubjectResult
		if round.IsPledge() {
			results = pledgeResults(sc) // grades, no talks (pingnuo.go)
		} else {
			ev, err := rules.Evaluate(sc)
			if err != nil {
				return fmt.Errorf("evaluate: %w", err)
			}
			results = ev.Rounds[0].Results
		}
		if err := writeResults(ctx, tx, round, in, sc.Rounds[0], results); err != nil {
			return err
		}
		if err := writeCriteria(ctx, tx, round, in.subjects, c); err != nil {
			return err
		}
		if round.Rehearsal {
			if _, err := tx.Exec(ctx, `DELETE FROM ballots WHERE round_id = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE rounds SET status = 'closed', counted_at = now(), box_progress = 0 WHERE id = $1`, id); err != nil {
			return err
		}
		return roundEvent(ctx, tx, townshipID, id, "opened", by, fmt.Sprintf("%d 张选票", c.Ballots))
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotCounting) && !errors.Is(err, ErrBoxMismatch) {
		return fmt.Errorf("store: count round: %w", err)
	}
	return err
}

// Recount compares a second opening of a counted round's box with the counts stored at
// the first, records the recount, and lists any difference (empty: they agree).
func (s *Store) Recount(ctx context.Context, townshipID, id int64, c ballotbox.Count, by string) ([]string, error) {
	var diffs []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		round, err := lockRound(ctx, tx, townshipID, id)
		if err != nil {
			return err
		}
		if !round.Counted() || round.Rehearsal {
			return ErrNotCounted
		}
		if err := checkBallotCount(ctx, tx, id, c); err != nil {
			return err
		}
		weights := map[string]int{}
		rows, _ := tx.Query(ctx, `SELECT key, weight FROM round_groups WHERE round_id = $1`, id)
		var g string
		var w int
		if _, err := pgx.ForEachRow(rows, []any{&g, &w}, func() error {
			weights[g] = w
			return nil
		}); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `
			SELECT s.id, s.name, rr.tallies, coalesce(rr.satisfaction, ''), coalesce(rr.dissatisfaction, '')
			FROM round_subjects s JOIN round_results rr ON rr.round_subject_id = s.id
			WHERE s.round_id = $1 ORDER BY s.sort, s.id`, id)
		var sid int64
		var name, sPct, dPct string
		var stored map[string][5]int64
		if _, err := pgx.ForEachRow(rows, []any{&sid, &name, &stored, &sPct, &dPct}, func() error {
			now := c.Tallies[sid]
			for _, g := range slices.Sorted(maps.Keys(stored)) {
				if stored[g] != now[g] {
					diffs = append(diffs, fmt.Sprintf("%s(%s):原 %v,复核 %v", name, g, stored[g], now[g]))
				}
			}
			tallies := map[string]rules.Tally{}
			for g, t := range now {
				tallies[g] = rules.Tally(t)
			}
			rates := rules.Weigh(weights, tallies)
			s2, d2 := "", ""
			if rates.HasResult() {
				s2, d2 = rules.Percent(rates.S), rules.Percent(rates.D)
			}
			if s2 != sPct || d2 != dPct {
				diffs = append(diffs, fmt.Sprintf("%s:原满意率 %s%%、不满意率 %s%%,复核 %s%%、%s%%", name, sPct, dPct, s2, d2))
			}
			return nil
		}); err != nil {
			return err
		}
		more, err := recountCriteria(ctx, tx, round, c)
		if err != nil {
			return err
		}
		diffs = append(diffs, more...)
		kind, note := "recount_match", fmt.Sprintf("%d 张选票,与原计票一致", c.Ballots)
		if len(diffs) > 0 {
			kind, note = "recount_mismatch", fmt.Sprintf("%d 张选票,%d 处不一致", c.Ballots, len(diffs))
		}
		return roundEvent(ctx, tx, townshipID, id, kind, by, note)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotCounted) && !errors.Is(err, ErrBoxMismatch) {
		return nil, fmt.Errorf("store: recount: %w", err)
	}
	return diffs, err
}

func lockRound(ctx context.Context, tx pgx.Tx, townshipID, id int64) (Round, error) {
	rows, _ := tx.Query(ctx, roundSelect+` WHERE r.township_id = $1 AND r.id = $2 FOR UPDATE OF r`, townshipID, id)
	round, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Round])
	return round, notFound(err)
}

// checkBallotCount makes sure the caller opened every ballot the round has, no more.
func checkBallotCount(ctx context.Context, tx pgx.Tx, roundID int64, c ballotbox.Count) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM ballots WHERE round_id = $1`, roundID).Scan(&n); err != nil {
		return err
	}
	if n != c.Ballots {
		return fmt.Errorf("%w: %d stored, %d opened", ErrBoxMismatch, n, c.Ballots)
	}
	return nil
}

// closeSubject is a round's subject as closing needs it.
type closeSubject struct {
	ID            int64   `db:"id"`
	PersonID      *int64  `db:"person_id"`
	OrgID         *int64  `db:"organisation_id"`
	Name          string  `db:"name"`
	VillageCadre  bool    `db:"village_cadre"`
	ResponsibleID *int64  `db:"responsible_id"`
	Responsible   *string `db:"responsible"`
}

// key names the subject across rounds: the person or the organisation it is (a
// commitment subject: itself).
func (c closeSubject) key() string {
	return subjectKey(c.ID, c.PersonID, c.OrgID)
}

// closeInputs is what evaluating a round needs from the database.
type closeInputs struct {
	weights  map[string]int
	subjects []closeSubject
	// prior is, per subject key, how many consecutive admonishments its latest earlier
	// round ended (0: none).
	prior map[string]int
}

func loadCloseInputs(ctx context.Context, tx pgx.Tx, round Round) (closeInputs, error) {
	in := closeInputs{weights: map[string]int{}, prior: map[string]int{}}
	rows, _ := tx.Query(ctx, `SELECT key, weight FROM round_groups WHERE round_id = $1`, round.ID)
	var k string
	var w int
	if _, err := pgx.ForEachRow(rows, []any{&k, &w}, func() error {
		in.weights[k] = w
		return nil
	}); err != nil {
		return in, err
	}
	rows, _ = tx.Query(ctx, `
		SELECT s.id, s.person_id, s.organisation_id, s.name, s.village_cadre,
		       coalesce(p.id, o.responsible_id) AS responsible_id, coalesce(p.name, rp.name) AS responsible
		FROM round_subjects s
		LEFT JOIN people p ON p.id = s.person_id
		LEFT JOIN organisations o ON o.id = s.organisation_id
		LEFT JOIN people rp ON rp.id = o.responsible_id
		WHERE s.round_id = $1 ORDER BY s.sort, s.id`, round.ID)
	subjects, err := pgx.CollectRows(rows, pgx.RowToStructByName[closeSubject])
	if err != nil {
		return in, err
	}
	in.subjects = subjects
	// Escalation: k of each subject's latest earlier counted round, if that was 诫勉谈话.
	rows, _ = tx.Query(ctx, `
		SELECT DISTINCT ON (k) k, rr.outcome, rr.consecutive FROM (
			SELECT coalesce('p' || s.person_id, 'o' || s.organisation_id) AS k, s.id, r.counted_at, r.id AS rid
			FROM round_subjects s JOIN rounds r ON r.id = s.round_id
			WHERE r.township_id = $1 AND r.id <> $2 AND NOT r.rehearsal AND r.status IN ('closed','published')
			  AND r.kind <> 'commitment' -- 评诺 grades never escalate
		) x JOIN round_results rr ON rr.round_subject_id = x.id
		ORDER BY k, x.counted_at DESC NULLS LAST, x.rid DESC`, round.TownshipID, round.ID)
	var outcome string
	var consecutive int
	if _, err := pgx.ForEachRow(rows, []any{&k, &outcome, &consecutive}, func() error {
		if outcome == string(rules.Admonishment) {
			in.prior[k] = consecutive
		}
		return nil
	}); err != nil {
		return in, err
	}
	return in, nil
}

// scenario is the round as internal/rules reads it, with the opened box's tallies.
func (in closeInputs) scenario(round Round, c ballotbox.Count) rules.Scenario {
	sc := rules.Scenario{Policy: round.Policy(), Weights: in.weights, PriorAdmonishments: map[string]int{}}
	rr := rules.Round{ID: fmt.Sprint(round.ID), Year: round.Year, Tallies: map[string]map[string]rules.Tally{}}
	for _, sub := range in.subjects {
		k := sub.key()
		kind := rules.Person
		if sub.OrgID != nil {
			kind = rules.Organisation
		}
		sc.Subjects = append(sc.Subjects, rules.Subject{ID: k, Kind: kind, VillageCadre: sub.VillageCadre})
		t := map[string]rules.Tally{}
		for g := range in.weights {
			t[g] = rules.Tally(c.Tallies[sub.ID][g])
		}
		rr.Tallies[k] = t
		if p := in.prior[k]; p > 0 {
			sc.PriorAdmonishments[k] = p
		}
	}
	sc.Rounds = []rules.Round{rr}
	return sc
}

// writeResults stores each subject's result, and a talk task for each reminder or
// admonishment (none for a rehearsal).
func writeResults(ctx context.Context, tx pgx.Tx, round Round, in closeInputs, tallied rules.Round, results []rules.SubjectResult) error {
	byKey := map[string]closeSubject{}
	for _, sub := range in.subjects {
		byKey[sub.key()] = sub
	}
	groups := slices.Sorted(maps.Keys(in.weights))
	for _, res := range results {
		sub := byKey[res.Subject]
		counts := map[string][5]int64{}
		for _, g := range groups {
			if t := tallied.Tallies[res.Subject][g]; t.Valid() >= int64(round.MinGroupVotes) {
				counts[g] = [5]int64(t)
			}
		}
		js, err := json.Marshal(counts)
		if err != nil {
			return err
		}
		var sPct, dPct *string
		if res.Rates.HasResult() {
			a, b := rules.Percent(res.Rates.S), rules.Percent(res.Rates.D)
			sPct, dPct = &a, &b
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO round_results (round_subject_id, round_id, tallies, satisfaction, dissatisfaction, outcome, consecutive, document, referral, reasons)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			sub.ID, round.ID, js, sPct, dPct, string(res.Outcome), res.Consecutive, res.Document, res.Referral, res.Reasons); err != nil {
			return err
		}
		if round.Rehearsal || !res.Outcome.NeedsTalk() {
			continue
		}
		with := ""
		if sub.Responsible != nil {
			with = *sub.Responsible
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO talks (township_id, round_id, round_subject_id, person_id, organisation_id, subject_name,
			                   talk_with_id, talk_with_name, year, kind, document, referral, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'round')`,
			round.TownshipID, round.ID, sub.ID, sub.PersonID, sub.OrgID, sub.Name, sub.ResponsibleID, with, round.Year,
			string(res.Outcome), res.Document, res.Referral); err != nil {
			return err
		}
	}
	return nil
}

// SubjectResult is a subject's row on the results page.
type SubjectResult struct {
	RoundSubject
	Tallies         map[string]rules.Tally `db:"tallies"`
	Satisfaction    *string                `db:"satisfaction"`
	Dissatisfaction *string                `db:"dissatisfaction"`
	Outcome         rules.Outcome          `db:"outcome"`
	Consecutive     int                    `db:"consecutive"`
	Document        bool                   `db:"document"`
	Referral        bool                   `db:"referral"`
	Reasons         []string               `db:"reasons"`
}

// Results lists a counted round's results in subject order.
func (s *Store) Results(ctx context.Context, townshipID, roundID int64) ([]SubjectResult, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT s.id, s.round_id, s.person_id, s.organisation_id, s.name, s.title, s.level, s.village_cadre, s.village_id,
		       s.report_text, s.report_oral, s.report_oral_note, s.report_updated_at, NULL::text AS file_name, NULL::int AS file_size,
		       s.commitment_id, s.commitment_item_id, s.pledge,
		       rr.tallies, rr.satisfaction, rr.dissatisfaction, rr.outcome, rr.consecutive, rr.document, rr.referral, rr.reasons
		FROM round_subjects s JOIN round_results rr ON rr.round_subject_id = s.id
		WHERE s.township_id = $1 AND s.round_id = $2
		ORDER BY s.sort, s.name COLLATE zh_pinyin, s.id`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[SubjectResult])
	if err != nil {
		return nil, fmt.Errorf("store: results: %w", err)
	}
	return items, nil
}

// Publication is what publishing (公示) a round sets: the period and where to raise an
// objection.
type Publication struct {
	From, To time.Time
	Contact  string
}

// PublishRound makes a counted round's results public (公示) under a random address that
// stays the same if it is withdrawn and published again. The township keeps the contact
// as its default.
func (s *Store) PublishRound(ctx context.Context, townshipID, id int64, p Publication, by string) (string, error) {
	slug := RandomCode(16)
	var got string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE rounds SET status = 'published', published_at = now(), public_slug = coalesce(public_slug, $3),
			       publish_from = $4, publish_to = $5, objection_contact = $6
			WHERE township_id = $1 AND id = $2 AND status = 'closed' AND NOT rehearsal RETURNING public_slug`,
			townshipID, id, slug, p.From, p.To, p.Contact).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotCounted
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE townships SET objection_contact = $2 WHERE id = $1`, townshipID, p.Contact); err != nil {
			return err
		}
		return roundEvent(ctx, tx, townshipID, id, "published", by,
			fmt.Sprintf("公示期 %s 至 %s", p.From.Format("2006-01-02"), p.To.Format("2006-01-02")))
	})
	if err != nil && !errors.Is(err, ErrNotCounted) {
		return "", fmt.Errorf("store: publish round: %w", err)
	}
	return got, err
}

// WithdrawPublication takes a round's results off the public page (撤回公示); the reason
// is kept with the round's events.
func (s *Store) WithdrawPublication(ctx context.Context, townshipID, id int64, reason, by string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE rounds SET status = 'closed' WHERE township_id = $1 AND id = $2 AND status = 'published'`, townshipID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotPublished
		}
		return roundEvent(ctx, tx, townshipID, id, "withdrawn", by, reason)
	})
	if err != nil && !errors.Is(err, ErrNotPublished) {
		return fmt.Errorf("store: withdraw publication: %w", err)
	}
	return err
}

// PublicRound returns a published round by its public address.
func (s *Store) PublicRound(ctx context.Context, slug string) (Round, error) {
	rows, _ := s.pool.Query(ctx, roundSelect+` WHERE r.public_slug = $1 AND r.status = 'published'`, slug)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Round])
	if err != nil {
		return r, fmt.Errorf("store: public round: %w", notFound(err))
	}
	return r, nil
}

// Receipts lists a counted round's receipts, sorted.
func (s *Store) Receipts(ctx context.Context, townshipID, roundID int64) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT receipt FROM ballots WHERE township_id = $1 AND round_id = $2`, townshipID, roundID)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: receipts: %w", err)
	}
	sort.Strings(out)
	return out, nil
}
