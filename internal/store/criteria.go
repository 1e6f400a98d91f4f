package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
)

// 三争创 criteria on the ballot (see internal/rules, criteria.go, for which subject is
// rated on which set and on what scale). The ratings travel sealed inside the ballot;
// at the box opening their counts are stored per subject and group, in the transaction
// that stores the overall tallies, with the same minimum-votes suppression; the pages
// show them as a profile beside the overall rating and never let them decide anything.

// Criteria settings of a round (rounds.criteria).
const (
	CriteriaOff      = "off"      // not asked
	CriteriaOptional = "optional" // asked; each criterion may be left unrated (不评)
	CriteriaRequired = "required" // every criterion of every subject not abstained on
)

// CriteriaModes lists the settings with their Chinese names, for the round form.
var CriteriaModes = []struct{ Mode, Label string }{
	{CriteriaOff, "不评价"}, {CriteriaOptional, "选填"}, {CriteriaRequired, "必填"},
}

// CriteriaModeLabel is a criteria setting in Chinese.
func CriteriaModeLabel(mode string) string {
	for _, m := range CriteriaModes {
		if m.Mode == mode {
			return m.Label
		}
	}
	return mode
}

// criteriaSetUp fills in the defaults (off; persons on 五个有) and reports whether the
// settings are valid.
func (in *RoundInput) criteriaSetUp() bool {
	if in.Criteria == "" {
		in.Criteria = CriteriaOff
	}
	if in.PersonCriteria == "" {
		in.PersonCriteria = rules.FiveHaves
	}
	return CriteriaModeLabel(in.Criteria) != in.Criteria && slices.Contains(rules.PersonCriteriaSets, in.PersonCriteria)
}

// AsksCriteria reports whether the round's raters rate the 三争创 criteria.
func (r Round) AsksCriteria() bool {
	return r.Criteria == CriteriaOptional || r.Criteria == CriteriaRequired
}

// CriteriaSetOf is the set a subject of the round is rated on.
func (r Round) CriteriaSetOf(organisation bool) rules.CriteriaSet {
	return rules.CriteriaFor(rules.KindOf(organisation), r.PersonCriteria)
}

// CriteriaProfile is a subject's ratings on the criteria of its set in one round: per
// criterion, the weighted satisfaction and the counts behind it (五个好 / 五个有 / 五带头).
type CriteriaProfile struct {
	Set        rules.CriteriaSet
	RoundID    int64
	RoundTitle string
	Criteria   []CriterionShare
}

// Shown reports whether any criterion has a figure to show.
func (p *CriteriaProfile) Shown() bool {
	if p == nil {
		return false
	}
	for _, c := range p.Criteria {
		if c.Share != "" {
			return true
		}
	}
	return false
}

// CriterionShare is one criterion of a profile.
type CriterionShare struct {
	Label string
	// Share is the criterion's weighted satisfaction in percent, two decimals, rounded
	// half up from the exact fraction (rules.CriterionSatisfaction over the groups
	// shown); "" when no group's ratings are shown.
	Share string
	// Rated is how many ratings the shown groups hold.
	Rated int64
	// Tallies are the shown groups' counts (levels 1–4), by group key. A group below the
	// round's minimum, or whose raters rated this criterion fewer times than the minimum,
	// has none.
	Tallies map[string]rules.CriterionTally
}

// criteriaTallies is a stored row's counts: per group, per criterion, the counts or nil.
type criteriaTallies map[string][ballotbox.Criteria]*rules.CriterionTally

// shownCriteria is what may be stored of a subject's criteria counts: nothing of a group
// with fewer valid votes than the round's minimum (as for the overall tallies), and, in
// a group shown, nothing of a criterion rated fewer times than that minimum (with criteria
// optional, two ratings in a large group would be two raters' choices on their own).
func shownCriteria(counted map[string][ballotbox.Criteria]rules.CriterionTally, tallies map[string]rules.Tally, minVotes int) criteriaTallies {
	out := criteriaTallies{}
	for g, crit := range counted {
		if tallies[g].Valid() < int64(minVotes) {
			continue
		}
		var row [ballotbox.Criteria]*rules.CriterionTally
		kept := false
		for k, t := range crit {
			if t.Rated() > 0 && t.Rated() >= int64(minVotes) {
				row[k] = &t
				kept = true
			}
		}
		if kept {
			out[g] = row
		}
	}
	return out
}

// writeCriteria stores the criteria counts of every subject of a round that asks for
// them, in the box opening's transaction.
func writeCriteria(ctx context.Context, tx pgx.Tx, round Round, subjects []closeSubject, c ballotbox.Count) error {
	if !round.AsksCriteria() {
		return nil
	}
	ids := make([]int64, 0, len(subjects))
	sets := make([]string, 0, len(subjects))
	docs := make([]string, 0, len(subjects))
	for _, sub := range subjects {
		js, err := json.Marshal(shownCriteria(c.Criteria[sub.ID], c.Tallies[sub.ID], round.MinGroupVotes))
		if err != nil {
			return err
		}
		ids = append(ids, sub.ID)
		sets = append(sets, string(round.CriteriaSetOf(sub.OrgID != nil)))
		docs = append(docs, string(js))
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO round_criteria (round_subject_id, round_id, township_id, criteria_set, tallies)
		SELECT unnest($1::bigint[]), $2, $3, unnest($4::text[]), unnest($5::jsonb[])`,
		ids, round.ID, round.TownshipID, sets, docs)
	return err
}

// recountCriteria compares a second opening's criteria counts with those stored at the
// first, and describes each difference.
func recountCriteria(ctx context.Context, tx pgx.Tx, round Round, c ballotbox.Count) ([]string, error) {
	if !round.AsksCriteria() {
		return nil, nil
	}
	rows, _ := tx.Query(ctx, `
		SELECT s.id, s.name, rc.criteria_set, rc.tallies
		FROM round_subjects s JOIN round_criteria rc ON rc.round_subject_id = s.id
		WHERE s.round_id = $1 ORDER BY s.sort, s.id`, round.ID)
	var diffs []string
	var sid int64
	var name string
	var set rules.CriteriaSet
	var stored criteriaTallies
	_, err := pgx.ForEachRow(rows, []any{&sid, &name, &set, &stored}, func() error {
		now := shownCriteria(c.Criteria[sid], c.Tallies[sid], round.MinGroupVotes)
		labels := set.Criteria()
		seen := map[string]bool{}
		for g := range stored {
			seen[g] = true
		}
		for g := range now {
			seen[g] = true
		}
		groups := slices.Sorted(maps.Keys(seen))
		for _, g := range groups {
			for k := range labels {
				was, is := stored[g][k], now[g][k]
				if tallyOf(was) != tallyOf(is) || (was == nil) != (is == nil) {
					diffs = append(diffs, fmt.Sprintf("%s(%s)「%s」:原 %s,复核 %s", name, g, labels[k], criterionCounts(was), criterionCounts(is)))
				}
			}
		}
		stored = nil
		return nil
	})
	return diffs, err
}

func tallyOf(t *rules.CriterionTally) rules.CriterionTally {
	if t == nil {
		return rules.CriterionTally{}
	}
	return *t
}

func criterionCounts(t *rules.CriterionTally) string {
	if t == nil {
		return "未计入"
	}
	return fmt.Sprint([4]int64(*t))
}

// criteriaRow is one stored subject's criteria counts with its round.
type criteriaRow struct {
	RoundID   int64             `db:"round_id"`
	Title     string            `db:"title"`
	SubjectID int64             `db:"round_subject_id"`
	Key       string            `db:"subject_key"`
	Set       rules.CriteriaSet `db:"criteria_set"`
	Tallies   criteriaTallies   `db:"tallies"`
}

const criteriaSelect = `
	SELECT rc.round_id, r.title, rc.round_subject_id, coalesce('p' || s.person_id, 'o' || s.organisation_id) AS subject_key,
	       rc.criteria_set, rc.tallies
	FROM round_criteria rc JOIN rounds r ON r.id = rc.round_id JOIN round_subjects s ON s.id = rc.round_subject_id
	WHERE rc.township_id = $1 AND `

// criteriaProfiles reads stored criteria rows (criteriaSelect and the filter) and weighs
// each into a profile with its round's weights.
func (s *Store) criteriaProfiles(ctx context.Context, filter string, args ...any) ([]criteriaRow, []*CriteriaProfile, error) {
	rows, _ := s.pool.Query(ctx, criteriaSelect+filter+` ORDER BY r.year, r.closed_at, r.id`, args...)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[criteriaRow])
	if err != nil {
		return nil, nil, err
	}
	weights := map[int64]map[string]int{}
	for _, r := range list {
		weights[r.RoundID] = map[string]int{}
	}
	rows, _ = s.pool.Query(ctx, `SELECT round_id, key, weight FROM round_groups WHERE round_id = ANY($1)`, slices.Collect(maps.Keys(weights)))
	var rid int64
	var g string
	var w int
	if _, err := pgx.ForEachRow(rows, []any{&rid, &g, &w}, func() error { weights[rid][g] = w; return nil }); err != nil {
		return nil, nil, err
	}
	out := make([]*CriteriaProfile, len(list))
	for i, r := range list {
		out[i] = profileOf(r, weights[r.RoundID])
	}
	return list, out, nil
}

// profileOf weighs a stored row into a profile: each criterion's satisfaction computed
// the way the overall rating is, over the groups whose counts are shown.
func profileOf(r criteriaRow, weights map[string]int) *CriteriaProfile {
	p := &CriteriaProfile{Set: r.Set, RoundID: r.RoundID, RoundTitle: r.Title}
	for k, label := range r.Set.Criteria() {
		c := CriterionShare{Label: label, Tallies: map[string]rules.CriterionTally{}}
		for g, row := range r.Tallies {
			if t := row[k]; t != nil {
				c.Tallies[g] = *t
				c.Rated += t.Rated()
			}
		}
		c.Share = rules.Percent(rules.CriterionSatisfaction(weights, c.Tallies))
		p.Criteria = append(p.Criteria, c)
	}
	return p
}

// RoundCriteria returns the criteria profile of each subject of a counted round that
// asked for them, by round subject id; empty for a round that did not.
func (s *Store) RoundCriteria(ctx context.Context, townshipID, roundID int64) (map[int64]*CriteriaProfile, error) {
	list, profiles, err := s.criteriaProfiles(ctx, `rc.round_id = $2`, townshipID, roundID)
	if err != nil {
		return nil, fmt.Errorf("store: round criteria: %w", err)
	}
	out := make(map[int64]*CriteriaProfile, len(list))
	for i, r := range list {
		out[r.SubjectID] = profiles[i]
	}
	return out, nil
}

// SubjectCriteria returns a person's (kind "p") or an organisation's ("o") criteria
// profiles in its counted rounds (not rehearsals), by round id, for its dossier.
func (s *Store) SubjectCriteria(ctx context.Context, townshipID int64, kind string, id int64) (map[int64]*CriteriaProfile, error) {
	var filter string
	switch kind {
	case "p":
		filter = `s.person_id = $2`
	case "o":
		filter = `s.organisation_id = $2`
	default:
		return nil, ErrInvalid
	}
	list, profiles, err := s.criteriaProfiles(ctx, filter+` AND NOT r.rehearsal AND r.status IN ('closed','published')`, townshipID, id)
	if err != nil {
		return nil, fmt.Errorf("store: subject criteria: %w", err)
	}
	out := make(map[int64]*CriteriaProfile, len(list))
	for i, r := range list {
		out[r.RoundID] = profiles[i]
	}
	return out, nil
}

// YearCriteria returns, by subject key (p<id> / o<id>), each subject's criteria profile
// for a year: from the year's last counted round (not a rehearsal) that rated it on
// criteria and has a figure to show. The award proposals show it beside the proposal.
func (s *Store) YearCriteria(ctx context.Context, townshipID int64, year int) (map[string]*CriteriaProfile, error) {
	list, profiles, err := s.criteriaProfiles(ctx, `r.year = $2 AND NOT r.rehearsal AND r.status IN ('closed','published')`, townshipID, year)
	if err != nil {
		return nil, fmt.Errorf("store: year criteria: %w", err)
	}
	out := map[string]*CriteriaProfile{}
	for i, r := range list { // oldest first: a later round replaces an earlier one
		if profiles[i].Shown() {
			out[r.Key] = profiles[i]
		}
	}
	return out, nil
}
