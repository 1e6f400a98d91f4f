package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// Honours proposed with the awards (seed 000, 三争创).
const (
	HonourOrganisation = "先进基层党组织"
	HonourCadre        = "人民满意干部"
)

// Standing is one subject's 三争创 standing for a year, from internal/rules over the
// subject's rounds, the years' ranks and the talks, with what the pages need to show it.
type Standing struct {
	rules.SubjectYear
	Key          string
	Name         string
	Title        string
	Kind         rules.Kind
	OrgKind      string
	VillageCadre bool
	RankSource   string   // county / computed / "" (no rank)
	Talks        []string // the year's talks, for the reasons: "2024-06-18 提醒谈话(2024 年中述职评议)"
	Criteria     *CriteriaProfile
}

// Honour is the title proposed for a 优 subject: 先进基层党组织 for a Party organisation,
// 人民满意干部 for a cadre, none otherwise.
func (s Standing) Honour() string {
	if !s.Excellent {
		return ""
	}
	switch {
	case s.Kind == rules.Person:
		return HonourCadre
	case s.OrgKind == KindPartyCommittee || s.OrgKind == KindVillageBranch:
		return HonourOrganisation
	}
	return ""
}

// Level names the streak: 一年一优, 两年两优, 三年三优.
func (s Standing) Level() string { return StreakLabel(s.Streak) }

// StreakLabel names a streak of 优 years.
func StreakLabel(n int) string {
	switch {
	case n >= 3:
		return "三年三优"
	case n == 2:
		return "两年两优"
	case n == 1:
		return "一年一优"
	}
	return ""
}

type awardSubject struct {
	name, title  string
	kind         rules.Kind
	orgKind      string
	villageCadre bool
	villageID    *int64
	order        int
}

// AwardScenario builds the rules scenario for the years up to and including year: every
// closed round that is not a rehearsal (its stored tallies, weights and policy), each
// year's ranks (the county's where imported, else the computed one; a village's rank
// also stands for its village committee), and the talks recorded by hand (round talks
// follow from the rounds themselves). It also returns where each year's rank came from.
func (s *Store) AwardScenario(ctx context.Context, townshipID int64, year int) (rules.Scenario, map[int]map[string]string, error) {
	sc, sources, _, err := s.awardScenario(ctx, townshipID, year)
	return sc, sources, err
}

func (s *Store) awardScenario(ctx context.Context, townshipID int64, year int) (rules.Scenario, map[int]map[string]string, map[string]awardSubject, error) {
	sc := rules.Scenario{Policy: rules.DefaultPolicy(), Weights: map[string]int{GroupPeer: 40, GroupPublic: 60}, Ranks: map[int]map[string]int{}}
	sources := map[int]map[string]string{}
	fail := func(err error) (rules.Scenario, map[int]map[string]string, map[string]awardSubject, error) {
		return sc, nil, nil, fmt.Errorf("store: award scenario: %w", err)
	}

	// Who could be a subject: every person and organisation of the township.
	subjects := map[string]awardSubject{}
	rows, _ := s.pool.Query(ctx, `
		SELECT 'o' || o.id, o.name, '', o.kind, false, o.village_id, o.level * 10
		FROM organisations o WHERE o.township_id = $1
		UNION ALL
		SELECT 'p' || p.id, p.name, p.position, '', p.village_cadre, o.village_id, p.level * 10 + 1
		FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE p.township_id = $1`, townshipID)
	var key string
	var as awardSubject
	_, err := pgx.ForEachRow(rows, []any{&key, &as.name, &as.title, &as.orgKind, &as.villageCadre, &as.villageID, &as.order}, func() error {
		as.kind = rules.Person
		if key[0] == 'o' {
			as.kind = rules.Organisation
		}
		subjects[key] = as
		return nil
	})
	if err != nil {
		return fail(err)
	}
	used := map[string]bool{}

	// Rounds with their weights, policy and stored tallies.
	type roundRow struct {
		ID                      int64 `db:"id"`
		Year                    int   `db:"year"`
		PassPct                 int   `db:"pass_pct"`
		AdmonishBelowPct        int   `db:"admonish_below_pct"`
		ReminderDissatisfiedPct int   `db:"reminder_dissatisfied_pct"`
		AdmonishDissatisfiedPct int   `db:"admonish_dissatisfied_pct"`
	}
	rows, _ = s.pool.Query(ctx, `
		SELECT id, year, pass_pct, admonish_below_pct, reminder_dissatisfied_pct, admonish_dissatisfied_pct
		FROM rounds WHERE township_id = $1 AND year <= $2 AND NOT rehearsal AND status IN ('closed','published')
		  AND kind <> 'commitment' -- 评诺 grades commitments, not cadres: no bearing on awards
		ORDER BY year, closed_at, id`, townshipID, year)
	rounds, err := pgx.CollectRows(rows, pgx.RowToStructByName[roundRow])
	if err != nil {
		return fail(err)
	}
	ids := make([]int64, len(rounds))
	byID := map[int64]*rules.Round{}
	sc.Rounds = make([]rules.Round, len(rounds))
	for i, r := range rounds {
		ids[i] = r.ID
		p := rules.Policy{PassPct: r.PassPct, AdmonishBelowPct: r.AdmonishBelowPct, ReminderDissatisfiedPct: r.ReminderDissatisfiedPct,
			AdmonishDissatisfiedPct: r.AdmonishDissatisfiedPct, TopRank: sc.Policy.TopRank}
		sc.Rounds[i] = rules.Round{ID: fmt.Sprint(r.ID), Year: r.Year, Weights: map[string]int{}, Policy: &p, Tallies: map[string]map[string]rules.Tally{}}
		byID[r.ID] = &sc.Rounds[i]
	}
	var rid int64
	var g string
	var w int
	rows, _ = s.pool.Query(ctx, `SELECT round_id, key, weight FROM round_groups WHERE round_id = ANY($1)`, ids)
	if _, err := pgx.ForEachRow(rows, []any{&rid, &g, &w}, func() error { byID[rid].Weights[g] = w; return nil }); err != nil {
		return fail(err)
	}
	var tallies []byte
	rows, _ = s.pool.Query(ctx, `
		SELECT rs.round_id, coalesce('p' || rs.person_id, 'o' || rs.organisation_id), rr.tallies
		FROM round_results rr JOIN round_subjects rs ON rs.id = rr.round_subject_id
		WHERE rr.round_id = ANY($1)`, ids)
	_, err = pgx.ForEachRow(rows, []any{&rid, &key, &tallies}, func() error {
		var m map[string][5]int64
		if err := json.Unmarshal(tallies, &m); err != nil {
			return err
		}
		t := map[string]rules.Tally{}
		for g, c := range m {
			t[g] = rules.Tally(c)
		}
		byID[rid].Tallies[key] = t
		used[key] = true
		return nil
	})
	if err != nil {
		return fail(err)
	}

	// Ranks of every assessment year up to this one.
	years, err := s.ScoreYears(ctx, townshipID)
	if err != nil {
		return fail(err)
	}
	committees := map[int64]string{} // village id -> its committee's key
	for k, a := range subjects {
		if a.orgKind == KindVillageCommittee && a.villageID != nil {
			committees[*a.villageID] = k
		}
	}
	for _, y := range years {
		if y.Year > year {
			continue
		}
		b, err := s.board(ctx, y)
		if err != nil {
			return fail(err)
		}
		ranks, src := map[string]int{}, map[string]string{}
		for k, r := range b.ByKey {
			if r.Rank > 0 {
				ranks[k], src[k] = r.Rank, r.RankSource
				used[k] = true
			}
		}
		// A village's assessment is its 村两委's: the committee stands with the branch.
		for _, r := range b.ByKey {
			if r.Subject.GroupKey == GroupVillage && r.Rank > 0 && r.Subject.VillageID != nil {
				if ck, ok := committees[*r.Subject.VillageID]; ok {
					if _, own := ranks[ck]; !own {
						ranks[ck], src[ck] = r.Rank, r.RankSource
						used[ck] = true
					}
				}
			}
		}
		if len(ranks) > 0 {
			sc.Ranks[y.Year], sources[y.Year] = ranks, src
		}
	}

	// Talks recorded by hand.
	var ty int
	var kind string
	rows, _ = s.pool.Query(ctx, `
		SELECT coalesce('p' || person_id, 'o' || organisation_id), year, kind FROM talks
		WHERE township_id = $1 AND source = 'manual' AND year <= $2 AND (person_id IS NOT NULL OR organisation_id IS NOT NULL)
		ORDER BY year, id`, townshipID, year)
	_, err = pgx.ForEachRow(rows, []any{&key, &ty, &kind}, func() error {
		sc.Talks = append(sc.Talks, rules.Talk{Subject: key, Year: ty, Kind: rules.TalkKind(kind)})
		used[key] = true
		return nil
	})
	if err != nil {
		return fail(err)
	}

	keys := make([]string, 0, len(used))
	for k := range used {
		if _, ok := subjects[k]; ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := subjects[keys[i]], subjects[keys[j]]
		if a.order != b.order {
			return a.order < b.order
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		a := subjects[k]
		sc.Subjects = append(sc.Subjects, rules.Subject{ID: k, Kind: a.kind, VillageCadre: a.villageCadre})
	}
	return sc, sources, subjects, nil
}

// Standings evaluates the year with internal/rules and returns every subject with data
// in it, 优 subjects first (longest streak first), each with its reasons.
func (s *Store) Standings(ctx context.Context, townshipID int64, year int) ([]Standing, error) {
	sc, sources, subjects, err := s.awardScenario(ctx, townshipID, year)
	if err != nil {
		return nil, err
	}
	if len(sc.Subjects) == 0 {
		return nil, nil
	}
	ev, err := rules.Evaluate(sc)
	if err != nil {
		return nil, fmt.Errorf("store: standings: %w", err)
	}
	talks, err := s.yearTalks(ctx, townshipID, year)
	if err != nil {
		return nil, err
	}
	criteria, err := s.YearCriteria(ctx, townshipID, year)
	if err != nil {
		return nil, err
	}
	var out []Standing
	for _, y := range ev.Years {
		if y.Year != year {
			continue
		}
		for _, r := range y.Results {
			a := subjects[r.Subject]
			out = append(out, Standing{SubjectYear: r, Key: r.Subject, Name: a.name, Title: a.title, Kind: a.kind, OrgKind: a.orgKind,
				VillageCadre: a.villageCadre, RankSource: sources[year][r.Subject], Talks: talks[r.Subject], Criteria: criteria[r.Subject]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Excellent != out[j].Excellent {
			return out[i].Excellent
		}
		return out[i].Streak > out[j].Streak
	})
	return out, nil
}

// yearTalks describes each subject's talks of the year, triggered or recorded by hand.
func (s *Store) yearTalks(ctx context.Context, townshipID int64, year int) (map[string][]string, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT coalesce('p' || t.person_id, 'o' || t.organisation_id), t.kind, coalesce(t.held_on, r.closed_at::date, t.created_at::date),
		       t.status, coalesce(r.title, '手工记录')
		FROM talks t LEFT JOIN rounds r ON r.id = t.round_id
		WHERE t.township_id = $1 AND t.year = $2 AND (t.person_id IS NOT NULL OR t.organisation_id IS NOT NULL)
		ORDER BY 3, t.id`, townshipID, year)
	out := map[string][]string{}
	var key, kind, status, source string
	var on time.Time
	_, err := pgx.ForEachRow(rows, []any{&key, &kind, &on, &status, &source}, func() error {
		line := fmt.Sprintf("%s %s(%s)", on.Format("2006-01-02"), TalkKindLabel(kind), source)
		if status != "held" {
			line = fmt.Sprintf("%s(%s),待谈话", TalkKindLabel(kind), source)
		}
		out[key] = append(out[key], line)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: year talks: %w", err)
	}
	return out, nil
}

// Proposal is an award proposal put to the Party committee, with its decision.
type Proposal struct {
	ID             int64      `db:"id"`
	Year           int        `db:"year"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	SubjectName    string     `db:"subject_name"`
	SubjectTitle   string     `db:"subject_title"`
	VillageCadre   bool       `db:"village_cadre"`
	Streak         int        `db:"streak"`
	Awards         []string   `db:"awards"`
	Honour         string     `db:"honour"`
	Reasons        []string   `db:"reasons"`
	Decision       string     `db:"decision"`
	DecidedOn      *time.Time `db:"decided_on"`
	DecisionNote   string     `db:"decision_note"`
	DecidedByName  string     `db:"decided_by_name"`
	// Criteria is the subject's 三争创 criteria profile for the year (YearCriteria); nil
	// when no round of the year rated it on criteria, and the pages show nothing for nil.
	Criteria *CriteriaProfile `db:"-"`
}

// Key is the proposal's subject key (p<id> / o<id>).
func (p Proposal) Key() string {
	return rules.SubjectKey(p.PersonID, p.OrganisationID)
}

// AwardLabels are the proposal's awards in Chinese.
func (p Proposal) AwardLabels() []string {
	out := make([]string, len(p.Awards))
	for i, a := range p.Awards {
		out[i] = rules.Award(a).Label()
	}
	return out
}

// DecisionLabel is a proposal decision in Chinese.
func DecisionLabel(d string) string {
	switch d {
	case "approved":
		return "同意"
	case "rejected":
		return "不同意"
	}
	return "待党委会研究"
}

// Proposals lists a year's proposals, longest streak first.
func (s *Store) Proposals(ctx context.Context, townshipID int64, year int) ([]Proposal, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, year, person_id, organisation_id, subject_name, subject_title, village_cadre, streak, awards, honour, reasons,
		       decision, decided_on, decision_note, decided_by_name
		FROM award_proposals WHERE township_id = $1 AND year = $2
		ORDER BY streak DESC, organisation_id IS NULL, subject_name COLLATE zh_pinyin, id`, townshipID, year)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Proposal])
	if err != nil {
		return nil, fmt.Errorf("store: proposals: %w", err)
	}
	criteria, err := s.YearCriteria(ctx, townshipID, year)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Criteria = criteria[out[i].Key()]
	}
	return out, nil
}

// GenerateProposals puts the year's 优 subjects to the Party committee: pending
// proposals are replaced by the current evaluation, decided ones are kept as decided.
// It returns how many proposals are pending afterwards.
func (s *Store) GenerateProposals(ctx context.Context, townshipID int64, year int) (int, error) {
	standings, err := s.Standings(ctx, townshipID, year)
	if err != nil {
		return 0, err
	}
	n := 0
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM award_proposals WHERE township_id = $1 AND year = $2 AND decision = 'pending'`, townshipID, year); err != nil {
			return err
		}
		for _, st := range standings {
			if !st.Excellent {
				continue
			}
			var pid, oid *int64
			var id int64
			fmt.Sscanf(st.Key[1:], "%d", &id)
			if st.Kind == rules.Person {
				pid = &id
			} else {
				oid = &id
			}
			awards := make([]string, len(st.Awards))
			for i, a := range st.Awards {
				awards[i] = string(a)
			}
			tag, err := tx.Exec(ctx, `
				INSERT INTO award_proposals (township_id, year, person_id, organisation_id, subject_name, subject_title, village_cadre,
				                             streak, awards, honour, reasons)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
				townshipID, year, pid, oid, st.Name, st.Title, st.VillageCadre && st.Kind == rules.Person, st.Streak, awards, st.Honour(), st.Reasons)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: generate proposals: %w", err)
	}
	return n, nil
}

// ProposalDecision is the Party committee's decision on one proposal.
type ProposalDecision struct {
	Decision string // approved / rejected / pending (to undo)
	On       *time.Time
	Note     string
	By       string
}

// DecideProposal records the committee's decision on a proposal of the township.
func (s *Store) DecideProposal(ctx context.Context, townshipID, id int64, d ProposalDecision) error {
	if d.Decision != "approved" && d.Decision != "rejected" && d.Decision != "pending" {
		return ErrInvalid
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE award_proposals SET decision = $3, decided_on = $4, decision_note = $5, decided_by_name = $6
		WHERE township_id = $1 AND id = $2`, townshipID, id, d.Decision, d.On, d.Note, d.By)
	if err != nil {
		return fmt.Errorf("store: decide proposal: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
