package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// Policy is the round's stored policy as the rules package reads it.
func (r Round) Policy() rules.Policy {
	return rules.Policy{PassPct: r.PassPct, AdmonishBelowPct: r.AdmonishBelowPct, ReminderDissatisfiedPct: r.ReminderDissatisfiedPct,
		AdmonishDissatisfiedPct: r.AdmonishDissatisfiedPct, TopRank: r.TopRank}
}

// CloseRound ends voting, tallies in SQL and evaluates with internal/rules, writing each
// subject's result and the talk tasks its outcome calls for, all in one transaction.
// The subject's earlier closed rounds feed the escalation (诫勉文件, 组织处理).
// A rehearsal's ballots are wiped instead: they never reach results or history.
// Afterwards the round's ballots are rewritten in random order (see scrub).
func (s *Store) CloseRound(ctx context.Context, townshipID, id int64) error {
	var rehearsal bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Wait for ballots in flight and hold new ones back until this commits.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, BallotLockClass, int32(id)); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, roundSelect+` WHERE r.township_id = $1 AND r.id = $2 FOR UPDATE OF r`, townshipID, id)
		round, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Round])
		if err != nil {
			return notFound(err)
		}
		if round.Status != StatusOpen {
			return ErrRoundNotOpen
		}
		rehearsal = round.Rehearsal
		if round.Rehearsal {
			if _, err := tx.Exec(ctx, `DELETE FROM ballots WHERE round_id = $1`, id); err != nil {
				return err
			}
		} else if err := evaluateRound(ctx, tx, round); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rounds SET status = 'closed', closed_at = now() WHERE id = $1`, id)
		return err
	})
	if err != nil {
		if err == ErrRoundNotOpen || err == ErrNotFound {
			return err
		}
		return fmt.Errorf("store: close round: %w", err)
	}
	if !rehearsal {
		if err := s.scrub(ctx, id); err != nil {
			return fmt.Errorf("store: close round: scrub: %w", err)
		}
	}
	return nil
}

type closeSubject struct {
	ID            int64
	PersonID      *int64
	OrgID         *int64
	Name          string
	VillageCadre  bool
	ResponsibleID *int64
	Responsible   *string
}

func (c closeSubject) key() string {
	if c.PersonID != nil {
		return fmt.Sprintf("p%d", *c.PersonID)
	}
	return fmt.Sprintf("o%d", *c.OrgID)
}

func evaluateRound(ctx context.Context, tx pgx.Tx, round Round) error {
	weights := map[string]int{}
	rows, err := tx.Query(ctx, `SELECT key, weight FROM round_groups WHERE round_id = $1`, round.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k string
		var w int
		if err := rows.Scan(&k, &w); err != nil {
			return err
		}
		weights[k] = w
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `
		SELECT s.id, s.person_id, s.organisation_id, s.name, s.village_cadre,
		       coalesce(p.id, o.responsible_id), coalesce(p.name, rp.name)
		FROM round_subjects s
		LEFT JOIN people p ON p.id = s.person_id
		LEFT JOIN organisations o ON o.id = s.organisation_id
		LEFT JOIN people rp ON rp.id = o.responsible_id
		WHERE s.round_id = $1 ORDER BY s.sort, s.id`, round.ID)
	if err != nil {
		return err
	}
	var subjects []closeSubject
	for rows.Next() {
		var c closeSubject
		if err := rows.Scan(&c.ID, &c.PersonID, &c.OrgID, &c.Name, &c.VillageCadre, &c.ResponsibleID, &c.Responsible); err != nil {
			return err
		}
		subjects = append(subjects, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	// The tally: one row per subject, group and choice.
	tallies := map[int64]map[string]rules.Tally{}
	rows, err = tx.Query(ctx, `
		SELECT x.subject_id, rc.group_key, x.choice, count(*)
		FROM ballots b
		JOIN round_categories rc ON rc.round_id = b.round_id AND rc.category_id = b.category_id
		CROSS JOIN LATERAL unnest(b.subject_ids, b.choices) AS x(subject_id, choice)
		WHERE b.round_id = $1
		GROUP BY 1, 2, 3`, round.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var sid int64
		var g string
		var choice int
		var n int64
		if err := rows.Scan(&sid, &g, &choice, &n); err != nil {
			return err
		}
		if tallies[sid] == nil {
			tallies[sid] = map[string]rules.Tally{}
		}
		t := tallies[sid][g]
		t[choice-1] = n
		tallies[sid][g] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}

	// Escalation: k of the subject's latest earlier round, if that was 诫勉谈话.
	prior := map[string]int{}
	rows, err = tx.Query(ctx, `
		SELECT DISTINCT ON (k) k, rr.outcome, rr.consecutive FROM (
			SELECT coalesce('p' || s.person_id, 'o' || s.organisation_id) AS k, s.id, r.closed_at, r.id AS rid
			FROM round_subjects s JOIN rounds r ON r.id = s.round_id
			WHERE r.township_id = $1 AND r.id <> $2 AND NOT r.rehearsal AND r.status IN ('closed','published')
		) x JOIN round_results rr ON rr.round_subject_id = x.id
		ORDER BY k, x.closed_at DESC, x.rid DESC`, round.TownshipID, round.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k, outcome string
		var consecutive int
		if err := rows.Scan(&k, &outcome, &consecutive); err != nil {
			return err
		}
		if outcome == string(rules.Admonishment) {
			prior[k] = consecutive
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	sc := rules.Scenario{Policy: round.Policy(), Weights: weights, PriorAdmonishments: map[string]int{}}
	rr := rules.Round{ID: fmt.Sprint(round.ID), Year: round.Year, Tallies: map[string]map[string]rules.Tally{}}
	byKey := map[string]closeSubject{}
	for _, c := range subjects {
		k := c.key()
		byKey[k] = c
		kind := rules.Person
		if c.OrgID != nil {
			kind = rules.Organisation
		}
		sc.Subjects = append(sc.Subjects, rules.Subject{ID: k, Kind: kind, VillageCadre: c.VillageCadre})
		t := tallies[c.ID]
		if t == nil {
			t = map[string]rules.Tally{}
		}
		rr.Tallies[k] = t
		if p := prior[k]; p > 0 {
			sc.PriorAdmonishments[k] = p
		}
	}
	sc.Rounds = []rules.Round{rr}
	ev, err := rules.Evaluate(sc)
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	for _, res := range ev.Rounds[0].Results {
		c := byKey[res.Subject]
		counts := map[string][5]int64{}
		for g := range weights {
			counts[g] = [5]int64(rr.Tallies[res.Subject][g])
		}
		js, _ := json.Marshal(counts)
		var sPct, dPct *string
		if res.Rates.HasResult() {
			a, b := rules.Percent(res.Rates.S), rules.Percent(res.Rates.D)
			sPct, dPct = &a, &b
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO round_results (round_subject_id, round_id, tallies, satisfaction, dissatisfaction, outcome, consecutive, document, referral, reasons)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, round.ID, js, sPct, dPct, string(res.Outcome), res.Consecutive, res.Document, res.Referral, res.Reasons); err != nil {
			return err
		}
		if res.Outcome == rules.Reminder || res.Outcome == rules.Admonishment {
			with := ""
			if c.Responsible != nil {
				with = *c.Responsible
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO talks (township_id, round_id, round_subject_id, person_id, organisation_id, subject_name,
				                   talk_with_id, talk_with_name, year, kind, document, referral, source)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'round')`,
				round.TownshipID, round.ID, c.ID, c.PersonID, c.OrgID, c.Name, c.ResponsibleID, with, round.Year,
				string(res.Outcome), res.Document, res.Referral); err != nil {
				return err
			}
		}
	}
	return nil
}

// scrub rewrites a closed round's ballots so that neither their transaction ids nor
// their physical order tell in what order they were cast: every ballot is re-inserted
// in random order in one transaction, every code row rewritten in another, and the
// dead row versions are vacuumed away.
func (s *Store) scrub(ctx context.Context, roundID int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT id, category_id, receipt, subject_ids, choices FROM ballots WHERE round_id = $1`, roundID)
		var ballots [][]any
		for rows.Next() {
			var id [16]byte
			var category int64
			var receipt string
			var subjects []int64
			var choices []int16
			if err := rows.Scan(&id, &category, &receipt, &subjects, &choices); err != nil {
				return err
			}
			ballots = append(ballots, []any{id, roundID, category, receipt, subjects, choices})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ballots WHERE round_id = $1`, roundID); err != nil {
			return err
		}
		rand.Shuffle(len(ballots), func(i, j int) { ballots[i], ballots[j] = ballots[j], ballots[i] })
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"ballots"}, []string{"id", "round_id", "category_id", "receipt", "subject_ids", "choices"}, pgx.CopyFromRows(ballots))
		return err
	})
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE ballot_codes SET spent = spent WHERE round_id = $1`, roundID); err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `VACUUM ballots, ballot_codes`)
	return err
}

// SubjectResult is a subject's row on the results page.
type SubjectResult struct {
	RoundSubject
	Tallies         map[string][5]int64 `db:"tallies"`
	Satisfaction    *string             `db:"satisfaction"`
	Dissatisfaction *string             `db:"dissatisfaction"`
	Outcome         string              `db:"outcome"`
	Consecutive     int                 `db:"consecutive"`
	Document        bool                `db:"document"`
	Referral        bool                `db:"referral"`
	Reasons         []string            `db:"reasons"`
}

// Results lists a closed round's results in subject order.
func (s *Store) Results(ctx context.Context, townshipID, roundID int64) ([]SubjectResult, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT s.id, s.round_id, s.person_id, s.organisation_id, s.name, s.title, s.level, s.village_cadre, s.village_id,
		       s.report_text, s.report_oral, s.report_oral_note, s.report_updated_at, NULL::text AS file_name, NULL::int AS file_size,
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

// PublishRound makes a closed round's results public (公示) under a random address.
func (s *Store) PublishRound(ctx context.Context, townshipID, id int64) (string, error) {
	slug := RandomCode(16)
	var got string
	err := s.pool.QueryRow(ctx, `
		UPDATE rounds SET status = 'published', published_at = now(), public_slug = $3
		WHERE township_id = $1 AND id = $2 AND status = 'closed' AND NOT rehearsal RETURNING public_slug`, townshipID, id, slug).Scan(&got)
	if err == pgx.ErrNoRows {
		return "", ErrInvalid
	}
	if err != nil {
		return "", fmt.Errorf("store: publish round: %w", err)
	}
	return got, nil
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

// Receipts lists a closed round's counted receipts, sorted.
func (s *Store) Receipts(ctx context.Context, roundID int64) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT receipt FROM ballots WHERE round_id = $1`, roundID)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: receipts: %w", err)
	}
	sort.Strings(out)
	return out, nil
}
