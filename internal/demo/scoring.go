package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// Scoring story of the demo's three-year history (2022–2024), told through the store's
// public API as the office would through the pages:
//   - 小漩村's Party secretary (or, should the 2024 ballots say otherwise, another
//     village cadre who passed) is top 3 among village cadres in 2023 and 2024 and
//     passes every round: 两年两优, county recommendation and next year's pay +10%.
//   - a township cadre ranks first in 2024 but had a reminder talk after the June
//     mid-year round: left out, with the reason and the talk on the proposals page.
//   - another township cadre is top 3 three years running: 三年三优, reserve cadre.
//   - villages move between bands; 双河村 is vetoed in 2024 (a safety accident).
//
// Featured is who the story is about, for tests and the start-up message.
type Featured struct {
	PayRise, Reminder, ThreeYears string
}

// demoVillageTotals are each village's totals (points of 100) per year; -1 is a veto.
var demoVillageTotals = map[string][3]int{
	"小漩村": {93, 95, 97}, "河口村": {96, 97, 94}, "响水洞村": {88, 90, 91}, "柳树沟村": {72, 78, 80},
	"青龙村": {85, 86, 88}, "双河村": {91, 92, -1}, "板栗园村": {80, 83, 90},
}

// LoadScoring gives the demo township its three-year assessment history unless it has
// one: rounds for 2022 and 2023 and a June 2024 mid-year round (the 2024 year-end round
// is LoadRounds'), scoresheets for 2022–2024, the county's ranks of the township, the
// Party committee's decisions for 2022 and 2023, and 2024's proposals awaiting its
// decision, with one appeal open. Run it after LoadRounds.
func LoadScoring(ctx context.Context, st *store.Store) (Featured, bool, error) {
	var f Featured
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return f, false, err
	}
	if years, err := st.ScoreYears(ctx, town.ID); err != nil || len(years) > 0 {
		return f, false, err
	}
	tid := town.ID
	rounds, err := st.Rounds(ctx, tid)
	if err != nil {
		return f, false, err
	}
	// Who passed the 2024 year-end round (its ballots are LoadRounds' random draw).
	passed2024 := map[int64]bool{}
	for _, r := range rounds {
		if r.Year == 2024 && r.Kind == "year_end" && (r.Status == store.StatusClosed || r.Status == store.StatusPublished) {
			res, err := st.Results(ctx, tid, r.ID)
			if err != nil {
				return f, false, err
			}
			for _, x := range res {
				if x.PersonID != nil && x.Outcome == "pass" {
					passed2024[*x.PersonID] = true
				}
			}
		}
	}
	people, err := st.AllPeople(ctx, tid)
	if err != nil {
		return f, false, err
	}
	var star, reminder, three *store.Person
	for i := range people {
		p := &people[i]
		if !passed2024[p.ID] {
			continue
		}
		switch {
		case p.Level == 3 && (star == nil || p.Name == "刘志强"):
			star = p
		case p.Level == 2 && reminder == nil:
			reminder = p
		case p.Level == 2 && three == nil:
			three = p
		}
	}
	if star == nil || reminder == nil || three == nil {
		return f, false, errors.New("demo: the 2024 round has too few passing cadres for the scoring story")
	}
	f = Featured{PayRise: star.Name, Reminder: reminder.Name, ThreeYears: three.Name}

	// Rounds: 2022 and 2023 year-end, all levels; June 2024 mid-year, township and village cadres.
	weak := func(y int) func(store.RoundSubject) bool {
		return func(s store.RoundSubject) bool {
			if s.PersonID != nil && (*s.PersonID == star.ID || *s.PersonID == reminder.ID || *s.PersonID == three.ID) {
				return false
			}
			return hash(s.Name, y)%9 == 4
		}
	}
	for _, y := range []int{2022, 2023} {
		in := store.RoundInput{Title: fmt.Sprintf("%d 年度述职评议", y), Year: y, Kind: "year_end", Levels: []int{1, 2, 3, 4}, People: true, Organisations: true}
		if _, err := demoRound(ctx, st, tid, in, weak(y)); err != nil {
			return f, false, fmt.Errorf("demo: %d round: %w", y, err)
		}
	}
	mid := store.RoundInput{Title: "2024 年中述职评议", Year: 2024, Kind: "mid_year", Levels: []int{2, 3}, People: true}
	midID, err := demoRound(ctx, st, tid, mid, func(s store.RoundSubject) bool { return s.PersonID != nil && *s.PersonID == reminder.ID })
	if err != nil {
		return f, false, fmt.Errorf("demo: mid-year round: %w", err)
	}
	talks, err := st.Talks(ctx, tid, "pending")
	if err != nil {
		return f, false, err
	}
	for _, t := range talks {
		if t.RoundID != nil && *t.RoundID == midID {
			if err := st.MarkTalkHeld(ctx, tid, t.ID, 0, time.Date(2024, 6, 20, 0, 0, 0, 0, time.Local), "赵丽娟", "已谈话,本人表示接受并整改"); err != nil {
				return f, false, err
			}
		}
	}

	// Scoresheets, year by year.
	for yi, y := range []int{2022, 2023, 2024} {
		if err := st.StartScoreYear(ctx, tid, y); err != nil {
			return f, false, err
		}
		subs, err := st.ScoreSubjects(ctx, tid, y)
		if err != nil {
			return f, false, err
		}
		tpls, err := st.ScoreTemplates(ctx, tid, y)
		if err != nil {
			return f, false, err
		}
		tpl := map[int64]store.ScoreTemplate{}
		for _, t := range tpls {
			tpl[t.ID] = t
		}
		groups := map[string][]store.ScoreSubject{}
		for _, s := range subs {
			groups[s.GroupKey] = append(groups[s.GroupKey], s)
		}
		for key, list := range groups {
			if key == store.GroupTownship || key == store.GroupAgency {
				continue
			}
			// Cadres: a deterministic order, with the featured at their places.
			targets := map[int64]int{}
			switch key {
			case "cadre3":
				targets[star.ID] = [3]int{4, 0, 1}[yi] // ranks 5, 1, 2
			case "cadre2":
				targets[three.ID] = [3]int{1, 2, 1}[yi] // ranks 2, 3, 2
				targets[reminder.ID] = [3]int{6, 3, 0}[yi]
			}
			sort.Slice(list, func(i, j int) bool { return hash(list[i].Name, y) < hash(list[j].Name, y) })
			list = placed(list, targets)
			for i, s := range list {
				t := tpl[*s.TemplateID]
				var deficit int64
				veto := false
				if key == store.GroupVillage {
					v := demoVillageTotals[villageOf(s.Name)][yi]
					if v < 0 {
						veto, v = true, 93
					}
					deficit = int64(100-v) * 100
				} else {
					step := i
					if key == "cadre1" && i >= 2 && y == 2024 {
						step = i - 1 // two leaders tie for second: ranks 1, 2, 2, 4
					}
					deficit = int64(step*14+int(hash(key, y)%5)) * 100
				}
				if err := scoreSheet(ctx, st, tid, s, t, deficit, veto); err != nil {
					return f, false, err
				}
			}
		}
		// The county's annual target assessment ranks the township itself.
		var county []store.CountyRankRow
		for _, s := range groups[store.GroupTownship] {
			rank := [3]int{2, 1, 1}[yi]
			county = append(county, store.CountyRankRow{SubjectID: s.ID, Rank: &rank})
		}
		if err := st.ImportCountyRanks(ctx, tid, y, county); err != nil {
			return f, false, err
		}
		if err := st.FinaliseScoreYear(ctx, tid, y, "周敏"); err != nil {
			return f, false, err
		}
		if err := st.PublishScoreYear(ctx, tid, y, "周敏"); err != nil {
			return f, false, err
		}
		if _, err := st.GenerateProposals(ctx, tid, y); err != nil {
			return f, false, err
		}
		if y < 2024 {
			// Earlier years are history: shown in January, decided by the committee then.
			shown := time.Date(y+1, 1, 12, 9, 0, 0, 0, time.Local)
			if _, err := st.Pool().Exec(ctx, `UPDATE score_years SET published_at = $3 WHERE township_id = $1 AND year = $2`, tid, y, shown); err != nil {
				return f, false, err
			}
			props, err := st.Proposals(ctx, tid, y)
			if err != nil {
				return f, false, err
			}
			on := time.Date(y+1, 1, 20, 0, 0, 0, 0, time.UTC)
			for _, p := range props {
				if err := st.DecideProposal(ctx, tid, p.ID, store.ProposalDecision{Decision: "approved", On: &on, Note: "党委会研究同意", By: "周敏"}); err != nil {
					return f, false, err
				}
			}
		}
	}
	// One appeal open on 2024: 柳树沟村 asks for a review of its 集体经济 score.
	subs, err := st.ScoreSubjects(ctx, tid, 2024)
	if err != nil {
		return f, false, err
	}
	for _, s := range subs {
		if s.Name == "柳树沟村党支部" {
			if _, err := st.FileAppeal(ctx, tid, 2024, store.AppealInput{SubjectID: s.ID, Kind: store.AppealScore,
				Reason: "村集体林场收入 1.2 万元年底才到账,未计入集体经济收入,请核实第 4.1 条得分", By: "周敏", OnBehalf: true}, time.Now()); err != nil {
				return f, false, err
			}
		}
	}
	return f, true, nil
}

// demoRound is the one place the demo history casts ballots: it creates, opens, votes
// and closes a round through the store's public API (adapt here when that API changes).
// Weak subjects draw enough 基本称职 / 不称职 votes for a reminder talk; the rest pass.
func demoRound(ctx context.Context, st *store.Store, tid int64, in store.RoundInput, weak func(store.RoundSubject) bool) (int64, error) {
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		return 0, err
	}
	in.Categories = map[int64]string{}
	for _, c := range cats {
		in.Categories[c.ID] = c.DefaultGroup
	}
	in.Groups = store.DefaultGroups()
	in.PassPct, in.AdmonishBelowPct, in.ReminderDissatisfiedPct, in.AdmonishDissatisfiedPct, in.MinGroupVotes = 90, 80, 10, 20, 5
	in.Scrutineers, in.KeyThreshold = Scrutineers, 2
	id, err := st.CreateRound(ctx, tid, in)
	if err != nil {
		return 0, err
	}
	for _, c := range cats {
		if c.RaterCount > 0 {
			if err := st.GenerateCodes(ctx, tid, id, c.ID, c.RaterCount); err != nil {
				return 0, err
			}
		}
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		return 0, err
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, tid, s.ID, store.ReportInput{Text: report(s, in.Year)}); err != nil {
			return 0, err
		}
	}
	shares, err := voting.OpenRound(ctx, st, tid, id, "周敏")
	if err != nil {
		return 0, err
	}
	slips, err := st.Slips(ctx, tid, id, 0)
	if err != nil {
		return 0, err
	}
	good := [20]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3} // 95% satisfied
	poor := [10]int{4, 1, 1, 1, 1, 1, 1, 2, 2, 2}                               // each category starts with a 不称职: about 14% dissatisfied
	seen := map[string]int{}                                                    // ballots per category so far
	for _, slip := range slips {
		i := seen[slip.Category]
		seen[slip.Category]++
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			level := good[i%20]
			if weak(s) {
				level = poor[i%10]
			}
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(level)}
		}
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			return 0, err
		}
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			return 0, err
		}
	}
	if err := st.EndVoting(ctx, tid, id); err != nil {
		return 0, err
	}
	round, err := st.Round(ctx, tid, id)
	if err != nil {
		return 0, err
	}
	if err := voting.OpenBox(ctx, st, round, shares[:round.KeyThreshold], "周敏"); err != nil {
		return 0, err
	}
	from := time.Date(in.Year+1, 1, 10, 0, 0, 0, 0, time.Local)
	if in.Kind == "mid_year" {
		from = time.Date(in.Year, 6, 25, 0, 0, 0, 0, time.Local)
	}
	_, err = st.PublishRound(ctx, tid, id, store.Publication{From: from, To: from.AddDate(0, 0, 7),
		Contact: "乡党委组织办,电话 0719-6521234(工作日 8:30–17:30)"}, "周敏")
	return id, err
}

// scoreSheet scores every clause at its maximum, less deficit (hundredths) taken from
// the clauses in order, and records a veto if asked.
func scoreSheet(ctx context.Context, st *store.Store, tid int64, s store.ScoreSubject, t store.ScoreTemplate, deficit int64, veto bool) error {
	var in []store.ScoreInput
	for _, c := range t.Clauses() {
		switch {
		case c.Veto:
			if veto {
				in = append(in, store.ScoreInput{ClauseID: c.ID, Vetoed: true, Note: "7 月发生一起安全生产事故,一票否决"})
			}
		case c.MaxPoints > 0:
			d := min(deficit, c.MaxPoints)
			deficit -= d
			e := store.ScoreInput{ClauseID: c.ID, Points: c.MaxPoints - d}
			if d > 0 {
				e.Note = "台账不全,按细则扣分"
			}
			in = append(in, e)
		}
	}
	return st.SaveScores(ctx, tid, s.ID, "周敏", "form", in)
}

// placed moves the subjects in targets to their indexes, keeping the others' order.
func placed(list []store.ScoreSubject, targets map[int64]int) []store.ScoreSubject {
	var rest []store.ScoreSubject
	fixed := map[int]store.ScoreSubject{}
	for _, s := range list {
		if s.PersonID != nil {
			if at, ok := targets[*s.PersonID]; ok {
				fixed[at] = s
				continue
			}
		}
		rest = append(rest, s)
	}
	out := make([]store.ScoreSubject, 0, len(list))
	for i := 0; len(out) < len(list) && i < 2*len(list); i++ {
		if s, ok := fixed[i]; ok {
			out = append(out, s)
		} else if len(rest) > 0 {
			out, rest = append(out, rest[0]), rest[1:]
		}
	}
	return out
}

func villageOf(branch string) string {
	for v := range demoVillageTotals {
		if branch == v+"党支部" {
			return v
		}
	}
	return ""
}

func hash(s string, y int) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", s, y)
	return h.Sum32()
}
