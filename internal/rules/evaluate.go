package rules

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// Kind is what a subject is: a person (cadre) or an organisation (a body with a
// responsible person, 单位负责人).
type Kind string

// Subject kinds.
const (
	Person       Kind = "person"
	Organisation Kind = "organisation"
)

// Outcome is the result of one round for one subject, as Decide sets it.
type Outcome string

// Outcomes, from best to worst; NoResult (无有效票) stands apart.
const (
	Pass         Outcome = "pass"         // 合格
	Reminder     Outcome = "reminder"     // 提醒谈话
	Admonishment Outcome = "admonishment" // 诫勉谈话
	NoResult     Outcome = "no_result"    // 无有效票
)

// Label is the outcome in Chinese.
func (o Outcome) Label() string {
	switch o {
	case Pass:
		return "合格"
	case Reminder:
		return "提醒谈话"
	case Admonishment:
		return "诫勉谈话"
	case NoResult:
		return "无有效票"
	case Satisfied: // grades of a mass evaluation of commitments (pledge.go)
		return "满意"
	case FairlySatisfied:
		return "基本满意"
	case Unsatisfied:
		return "不满意"
	}
	return string(o)
}

// NeedsTalk reports whether the outcome calls for a talk (提醒谈话 or 诫勉谈话).
func (o Outcome) NeedsTalk() bool { return o == Reminder || o == Admonishment }

// Severity orders outcomes: 0 pass, 1 reminder, 2 admonishment; -1 for no result. A
// grade of a mass evaluation of commitments is as severe as its band.
func (o Outcome) Severity() int {
	switch o.Band() {
	case Pass:
		return 0
	case Reminder:
		return 1
	case Admonishment:
		return 2
	}
	return -1
}

// TalkKind is a talk recorded by hand (谈话), which counts toward award eligibility.
type TalkKind string

// Talk kinds.
const (
	ReminderTalk     TalkKind = "reminder"     // 提醒谈话
	AdmonishmentTalk TalkKind = "admonishment" // 诫勉谈话
)

// Award is one of the 三争创 rewards of n consecutive 优 years, listed in this order:
// n ≥ 1 township commendation; n ≥ 2 county recommendation and, for a village cadre,
// pay +10% the next year; n ≥ 3 reserve cadre (a person) and, for a village cadre, the
// civil-service or open-selection recommendation.
type Award string

// Awards.
const (
	TownshipCommendation       Award = "township_commendation"        // 乡党委政府评先表优
	CountyRecommendation       Award = "county_recommendation"        // 向县以上推荐表彰
	PayRise10                  Award = "pay_rise_10"                  // 村干部工资上浮10%
	ReserveCadre               Award = "reserve_cadre"                // 列为后备干部或推荐提拔重用
	CivilServiceRecommendation Award = "civil_service_recommendation" // 推荐考录公务员或公开选拔乡领导班子成员
)

// Label is the award in Chinese.
func (a Award) Label() string {
	switch a {
	case TownshipCommendation:
		return "乡党委政府评先表优"
	case CountyRecommendation:
		return "向县以上推荐表彰"
	case PayRise10:
		return "次年工资上浮10%"
	case ReserveCadre:
		return "列为后备干部或推荐提拔重用"
	case CivilServiceRecommendation:
		return "推荐考录公务员或公开选拔乡领导班子成员"
	}
	return string(a)
}

// Decide applies the thresholds to one subject's rates and says why, in Chinese:
// 诫勉谈话 (Admonishment) if S < AdmonishBelowPct or D ≥ AdmonishDissatisfiedPct;
// otherwise 提醒谈话 (Reminder) if S < PassPct or D ≥ ReminderDissatisfiedPct; otherwise
// 合格 (Pass). Without a weighted result it is 无有效票 (NoResult). The comparisons are
// exact: 9 valid votes of 10 satisfied is 90% and passes, 89.999…% does not.
func Decide(p Policy, r Rates) (Outcome, []string) {
	if !r.HasResult() {
		return NoResult, []string{"无有效票,不作评定"}
	}
	var admonish, remind []string
	if below(r.S, p.AdmonishBelowPct) {
		admonish = append(admonish, fmt.Sprintf("加权满意率 %s%% 不足 %d%%,触发诫勉谈话", explainPercent(r.S, p.AdmonishBelowPct), p.AdmonishBelowPct))
	}
	if !below(r.D, p.AdmonishDissatisfiedPct) {
		admonish = append(admonish, fmt.Sprintf("加权不满意率 %s%% 达到 %d%%,触发诫勉谈话", explainPercent(r.D, p.AdmonishDissatisfiedPct), p.AdmonishDissatisfiedPct))
	}
	if len(admonish) > 0 {
		return Admonishment, admonish
	}
	if below(r.S, p.PassPct) {
		remind = append(remind, fmt.Sprintf("加权满意率 %s%% 不足 %d%%,触发提醒谈话", explainPercent(r.S, p.PassPct), p.PassPct))
	}
	if !below(r.D, p.ReminderDissatisfiedPct) {
		remind = append(remind, fmt.Sprintf("加权不满意率 %s%% 达到 %d%%,触发提醒谈话", explainPercent(r.D, p.ReminderDissatisfiedPct), p.ReminderDissatisfiedPct))
	}
	if len(remind) > 0 {
		return Reminder, remind
	}
	return Pass, []string{fmt.Sprintf("加权满意率 %s%% 达到 %d%%,不满意率 %s%% 不足 %d%%,评定合格",
		explainPercent(r.S, p.PassPct), p.PassPct, explainPercent(r.D, p.ReminderDissatisfiedPct), p.ReminderDissatisfiedPct)}
}

// Subject is one subject of evaluation.
type Subject struct {
	ID           string
	Kind         Kind
	VillageCadre bool // only matters for persons: 村干部 get pay rise and exam recommendation
}

// Round is one evaluation round's tallies. Subjects absent from Tallies did not take part.
type Round struct {
	ID      string
	Year    int
	Weights map[string]int // nil: the scenario's weights
	Policy  *Policy        // nil: the scenario's policy
	Tallies map[string]map[string]Tally
}

// Talk is a talk recorded by hand.
type Talk struct {
	Subject string
	Year    int
	Kind    TalkKind
}

// Scenario is everything Evaluate needs: subjects, rounds in chronological order,
// annual performance ranks (year -> subject -> rank) and talks recorded by hand.
type Scenario struct {
	Policy   Policy
	Weights  map[string]int
	Subjects []Subject
	Rounds   []Round
	Ranks    map[int]map[string]int
	Talks    []Talk
	// PriorAdmonishments is, per subject, how many consecutive rounds before the first
	// round here ended in 诫勉谈话 (for what-if runs that do not carry the full history).
	PriorAdmonishments map[string]int
}

// SubjectResult is one subject's result in one round.
type SubjectResult struct {
	Subject     string
	Rates       Rates
	Outcome     Outcome
	Consecutive int  // k: consecutive 诫勉谈话 rounds ending with this one
	Document    bool // 诫勉文件: k >= 2
	Referral    bool // 组织处理: k >= 3
	Reasons     []string
}

// RoundResult lists the results of the subjects that took part, in subject order.
type RoundResult struct {
	ID      string
	Year    int
	Policy  Policy
	Weights map[string]int
	Results []SubjectResult
}

// SubjectYear is one subject's standing in one year: eligible unless it had two or more
// reminder talks, or any admonishment talk, that year (rounds' and hand-recorded alike);
// Excellent (一年一优) when, besides, its rank is within TopRank and every round of the
// year with a result passed (at least one); Streak counts consecutive Excellent years.
type SubjectYear struct {
	Subject       string
	Rank          int // 0: not ranked
	Reminders     int // rounds' and hand-recorded reminder talks
	Admonishments int // rounds' and hand-recorded admonishment talks
	Eligible      bool
	Excellent     bool // 一年一优
	Streak        int  // consecutive 优 years ending with this one
	Awards        []Award
	Reasons       []string
}

// YearResult lists every subject with data in a year, in subject order.
type YearResult struct {
	Year    int
	Results []SubjectYear
}

// Evaluation is the full result of a scenario.
type Evaluation struct {
	Rounds []RoundResult
	Years  []YearResult
}

// Validate reports the first thing wrong with the scenario as an *InputError: English for
// the CLI's stderr line, Chinese for the what-if page. The same scenario always names
// the same fault, whatever the order of its maps.
func (sc Scenario) Validate() error {
	if err := sc.Policy.Validate(); err != nil {
		return err
	}
	if err := ValidateWeights(sc.Weights); err != nil {
		return err
	}
	if len(sc.Subjects) == 0 {
		return bad("at least one subject is required", "至少需要一个评议对象(subjects)")
	}
	known := make(map[string]bool, len(sc.Subjects))
	for _, s := range sc.Subjects {
		if s.ID == "" {
			return bad("a subject id must not be empty", "评议对象的 id 不能为空")
		}
		if known[s.ID] {
			return bad("duplicate subject id %q", "评议对象 id「%s」重复", s.ID)
		}
		if s.Kind != Person && s.Kind != Organisation {
			return bad("subject %q: unknown kind %q (want person or organisation)", "评议对象「%s」:类型「%s」不认识(应为 person 个人或 organisation 组织)", s.ID, s.Kind)
		}
		known[s.ID] = true
	}
	roundIDs := map[string]bool{}
	for i, r := range sc.Rounds {
		if r.ID == "" {
			return bad("round %d: id must not be empty", "第 %d 轮评议:id 不能为空", i+1)
		}
		if roundIDs[r.ID] {
			return bad("duplicate round id %q", "评议轮次 id「%s」重复", r.ID)
		}
		roundIDs[r.ID] = true
		if r.Year < 1 || r.Year > 9999 {
			return bad("round %q: year %d is out of range", "评议「%s」:年度 %d 超出范围", r.ID, r.Year)
		}
		w := sc.Weights
		if r.Weights != nil {
			if err := ValidateWeights(r.Weights); err != nil {
				return Within(fmt.Sprintf("round %q", r.ID), fmt.Sprintf("评议「%s」", r.ID), err)
			}
			w = r.Weights
		}
		if r.Policy != nil {
			if err := r.Policy.Validate(); err != nil {
				return Within(fmt.Sprintf("round %q", r.ID), fmt.Sprintf("评议「%s」", r.ID), err)
			}
		}
		// Subjects in their order and groups in name order (map order only on the error
		// path, sorted), so a scenario with several faults always names the same one.
		groupNames := sortedKeys(w)
		for _, s := range sc.Subjects {
			groups, ok := r.Tallies[s.ID]
			if !ok {
				continue
			}
			for g := range groups {
				if _, ok := w[g]; !ok {
					g, _ = firstKey(groups, func(g string) bool { _, ok := w[g]; return !ok })
					return bad("round %q: subject %q: unknown group %q", "评议「%s」:对象「%s」:计票组「%s」不在 groups 中", r.ID, s.ID, g)
				}
			}
			for _, g := range groupNames {
				for _, c := range groups[g] {
					if c < 0 {
						return bad("round %q: subject %q: group %q: negative count %d", "评议「%s」:对象「%s」:计票组「%s」:票数不能为负数(%d)", r.ID, s.ID, g, c)
					}
					if c > 1<<40 {
						return bad("round %q: subject %q: group %q: count %d is too large", "评议「%s」:对象「%s」:计票组「%s」:票数 %d 过大", r.ID, s.ID, g, c)
					}
				}
			}
		}
		if subj, ok := firstKey(r.Tallies, func(id string) bool { return !known[id] }); ok {
			return bad("round %q: unknown subject %q", "评议「%s」:票数中的对象「%s」不在 subjects 中", r.ID, subj)
		}
	}
	for _, y := range sortedKeys(sc.Ranks) {
		ranks := sc.Ranks[y]
		if y < 1 || y > 9999 {
			return bad("ranks: year %d is out of range", "排名(ranks):年度 %d 超出范围", y)
		}
		for _, s := range sc.Subjects {
			if rank, ok := ranks[s.ID]; ok && rank < 1 {
				return bad("ranks %d: subject %q: rank must be at least 1, got %d", "%d 年排名:对象「%s」的名次至少为 1,现为 %d", y, s.ID, rank)
			}
		}
		if subj, ok := firstKey(ranks, func(id string) bool { return !known[id] }); ok {
			return bad("ranks %d: unknown subject %q", "%d 年排名:对象「%s」不在 subjects 中", y, subj)
		}
	}
	for _, s := range sc.Subjects {
		if k := sc.PriorAdmonishments[s.ID]; k < 0 {
			return bad("prior admonishments: subject %q: must not be negative", "此前诫勉次数:对象「%s」的次数不能为负数", s.ID)
		}
	}
	if id, ok := firstKey(sc.PriorAdmonishments, func(id string) bool { return !known[id] }); ok {
		return bad("prior admonishments: unknown subject %q", "此前诫勉次数:对象「%s」不在 subjects 中", id)
	}
	for i, t := range sc.Talks {
		if !known[t.Subject] {
			return bad("talk %d: unknown subject %q", "第 %d 条谈话(talks):对象「%s」不在 subjects 中", i+1, t.Subject)
		}
		if t.Kind != ReminderTalk && t.Kind != AdmonishmentTalk {
			return bad("talk %d: unknown kind %q (want reminder or admonishment)", "第 %d 条谈话(talks):类别「%s」不认识(应为 reminder 提醒谈话或 admonishment 诫勉谈话)", i+1, t.Kind)
		}
		if t.Year < 1 || t.Year > 9999 {
			return bad("talk %d: year %d is out of range", "第 %d 条谈话(talks):年度 %d 超出范围", i+1, t.Year)
		}
	}
	return nil
}

// sortedKeys is m's keys in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }

// firstKey is the smallest key of m for which bad holds, so that what Validate reports
// never depends on map order. It sorts only when some key is bad: a valid scenario
// costs no allocation here.
func firstKey[V any](m map[string]V, bad func(string) bool) (string, bool) {
	for k := range m {
		if bad(k) {
			for _, k := range sortedKeys(m) {
				if bad(k) {
					return k, true
				}
			}
		}
	}
	return "", false
}

// yearFacts accumulates what one subject did in one year.
type yearFacts struct {
	present       bool
	rounds        int // rounds with a result
	allPass       bool
	reminders     int
	admonishments int
}

// Evaluate validates the scenario and applies the method to it: each round's subjects
// are weighed and decided, consecutive 诫勉谈话 escalate (k ≥ 2 a document, k ≥ 3 a
// referral; any other outcome resets k, a round the subject was not in does not), and
// each year with data gets every subject's eligibility, 优 and awards.
func Evaluate(sc Scenario) (Evaluation, error) {
	if err := sc.Validate(); err != nil {
		return Evaluation{}, err
	}
	return evaluate(sc), nil
}

func evaluate(sc Scenario) Evaluation {
	var ev Evaluation
	consecutive := make(map[string]int, len(sc.Subjects))
	for id, k := range sc.PriorAdmonishments {
		consecutive[id] = k
	}
	facts := map[int]map[string]*yearFacts{}
	fact := func(year int, subj string) *yearFacts {
		m := facts[year]
		if m == nil {
			m = map[string]*yearFacts{}
			facts[year] = m
		}
		f := m[subj]
		if f == nil {
			f = &yearFacts{allPass: true}
			m[subj] = f
		}
		return f
	}

	for _, r := range sc.Rounds {
		w, p := sc.Weights, sc.Policy
		if r.Weights != nil {
			w = r.Weights
		}
		if r.Policy != nil {
			p = *r.Policy
		}
		rr := RoundResult{ID: r.ID, Year: r.Year, Policy: p, Weights: w}
		for _, s := range sc.Subjects {
			tallies, ok := r.Tallies[s.ID]
			if !ok {
				continue
			}
			res := SubjectResult{Subject: s.ID, Rates: Weigh(w, tallies)}
			res.Outcome, res.Reasons = Decide(p, res.Rates)
			f := fact(r.Year, s.ID)
			f.present = true
			switch res.Outcome {
			case Admonishment:
				consecutive[s.ID]++
				f.admonishments++
			case Reminder:
				consecutive[s.ID] = 0
				f.reminders++
			default:
				consecutive[s.ID] = 0
			}
			if res.Outcome != NoResult {
				f.rounds++
				if res.Outcome != Pass {
					f.allPass = false
				}
			}
			res.Consecutive = consecutive[s.ID]
			res.Document = res.Consecutive >= 2
			res.Referral = res.Consecutive >= 3
			if res.Referral {
				res.Reasons = append(res.Reasons, fmt.Sprintf("连续 %d 次诫勉谈话(连续两次实行诫勉),按干部管理权限由乡党委和上级组织人事、纪检部门给予组织处理", res.Consecutive))
			} else if res.Document {
				res.Reasons = append(res.Reasons, "连续两次诫勉谈话,下发诫勉文件")
			}
			rr.Results = append(rr.Results, res)
		}
		ev.Rounds = append(ev.Rounds, rr)
	}
	for y, ranks := range sc.Ranks {
		for subj := range ranks {
			fact(y, subj).present = true
		}
	}
	for _, t := range sc.Talks {
		f := fact(t.Year, t.Subject)
		f.present = true
		if t.Kind == ReminderTalk {
			f.reminders++
		} else {
			f.admonishments++
		}
	}

	years := make([]int, 0, len(facts))
	for y := range facts {
		years = append(years, y)
	}
	sort.Ints(years)
	streaks := map[int]map[string]int{}
	for _, y := range years {
		yr := YearResult{Year: y}
		streaks[y] = map[string]int{}
		for _, s := range sc.Subjects {
			f := facts[y][s.ID]
			if f == nil || !f.present {
				continue
			}
			sy := standing(sc, y, s, f)
			if sy.Excellent {
				sy.Streak = streaks[y-1][s.ID] + 1
				streaks[y][s.ID] = sy.Streak
				sy.Awards, sy.Reasons = awards(s, sy.Streak, sy.Reasons)
			}
			yr.Results = append(yr.Results, sy)
		}
		ev.Years = append(ev.Years, yr)
	}
	return ev
}

// standing decides eligibility and 一年一优 for one subject in one year.
func standing(sc Scenario, y int, s Subject, f *yearFacts) SubjectYear {
	sy := SubjectYear{Subject: s.ID, Reminders: f.reminders, Admonishments: f.admonishments, Eligible: true}
	if f.reminders >= 2 {
		sy.Eligible = false
		sy.Reasons = append(sy.Reasons, fmt.Sprintf("年度提醒谈话 %d 次,取消评先表优资格", f.reminders))
	}
	if f.admonishments >= 1 {
		sy.Eligible = false
		sy.Reasons = append(sy.Reasons, fmt.Sprintf("年度诫勉谈话 %d 次,取消评先表优资格", f.admonishments))
	}
	sy.Rank = sc.Ranks[y][s.ID]
	top := sc.Policy.TopRank
	rankOK := sy.Rank >= 1 && sy.Rank <= top
	switch {
	case sy.Rank == 0:
		sy.Reasons = append(sy.Reasons, "无年度绩效考核排名,不评一优")
	case !rankOK:
		sy.Reasons = append(sy.Reasons, fmt.Sprintf("年度绩效考核排名第 %d 名,未进入前 %d 名", sy.Rank, top))
	default:
		sy.Reasons = append(sy.Reasons, fmt.Sprintf("年度绩效考核排名第 %d 名,进入前 %d 名", sy.Rank, top))
	}
	roundsOK := f.rounds > 0 && f.allPass
	switch {
	case f.rounds == 0:
		sy.Reasons = append(sy.Reasons, "本年度无有效评议结果,不评一优")
	case !f.allPass:
		sy.Reasons = append(sy.Reasons, "本年度评议满意度未能每次均达到合格")
	default:
		sy.Reasons = append(sy.Reasons, fmt.Sprintf("本年度 %d 次评议均合格", f.rounds))
	}
	sy.Excellent = rankOK && roundsOK && sy.Eligible
	if sy.Excellent {
		sy.Reasons = append(sy.Reasons, "评为一年一优")
	}
	return sy
}

// awards lists the rewards of a streak of n 优 years, in the order of the Award constants.
func awards(s Subject, n int, reasons []string) ([]Award, []string) {
	villageCadre := s.Kind == Person && s.VillageCadre
	var a []Award
	if n >= 1 {
		a = append(a, TownshipCommendation)
	}
	if n >= 2 {
		a = append(a, CountyRecommendation)
		reasons = append(reasons, fmt.Sprintf("连续 %d 年一优(两年两优),向县以上推荐表彰", n))
		if villageCadre {
			a = append(a, PayRise10)
		}
	}
	if n >= 3 {
		if s.Kind == Person {
			a = append(a, ReserveCadre)
			reasons = append(reasons, "连续三年三优,列为后备干部或推荐提拔重用")
		}
		if villageCadre {
			a = append(a, CivilServiceRecommendation)
		}
	}
	return a, reasons
}
