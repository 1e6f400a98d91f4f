package view

import (
	"sort"
	"strings"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/scoring"
	"pingyi/internal/store"
	"pingyi/internal/validator"
)

// ScoringHomeData is the list of assessment years.
type ScoringHomeData struct {
	Years   []store.ScoreYear
	NewYear string
	validator.Validator
}

// BandsForm is the year's band thresholds and appeal periods as typed.
type BandsForm struct {
	Advanced, Normal, AppealDays, ReviewDays string
}

// ScoringYearData is a year's overview.
type ScoringYearData struct {
	Year      store.ScoreYear
	Board     store.Board
	Templates []store.ScoreTemplate
	Events    []store.ScoreYearEvent
	validator.Validator
	Reopen      string
	Bands       BandsForm
	OpenAppeals int
}

// ScoringRanksData is a year's ranks and bands.
type ScoringRanksData struct {
	Board store.Board
}

// ClauseForm is one clause's fields on the scoresheet, as typed.
type ClauseForm struct {
	Points, Bonus, Deduction string
	Vetoed                   bool
	Note                     string
}

// SheetData is one subject's scoresheet.
type SheetData struct {
	Year     store.ScoreYear
	Subject  store.ScoreSubject
	Template store.ScoreTemplate
	Entries  map[int64]store.ScoreEntry
	Inputs   map[int64]ClauseForm
	validator.Validator
	History  []store.ScoreChange
	Row      store.BoardRow
	Editable bool
}

// ClauseEdit is the clause form of the template editor.
type ClauseEdit struct {
	ID, AreaID                                int64
	Code, Title, Rule, Department, Max, Bonus string
	Veto                                      bool
	validator.Validator
}

// TemplateData is a template's page.
type TemplateData struct {
	Template     store.ScoreTemplate
	Edit         ClauseEdit
	Editing      bool
	WeightErrors Errors
	Editable     bool
}

// AppealForm is the form to file an appeal.
type AppealForm struct {
	Subject, Kind, Clause, Reason string
	validator.Validator
}

// DecideForm is a decision form (an appeal's or a proposal's) as typed.
type DecideForm struct {
	Decision, Note, On               string
	Clause, Points, Bonus, Deduction string
	validator.Validator
}

// AppealsData is a year's appeals.
type AppealsData struct {
	Year      store.ScoreYear
	Appeals   []store.Appeal
	Subjects  []store.ScoreSubject
	Form      AppealForm
	Decide    map[int64]DecideForm
	Now       time.Time
	Open      bool
	CanFile   bool
	CanDecide bool
	Own       []store.BoardRow // a village secretary's own village's results
}

// ProposalsData is a year's 三争创 standings, proposals and decisions.
type ProposalsData struct {
	Year      store.ScoreYear
	Standings []store.Standing
	Proposals []store.Proposal
	Decide    map[int64]DecideForm
	Today     string
	CanDecide bool
}

// Excellent lists the 优 standings.
func (d ProposalsData) Excellent() []store.Standing {
	var out []store.Standing
	for _, s := range d.Standings {
		if s.Excellent {
			out = append(out, s)
		}
	}
	return out
}

// LeftOut lists the standings that are not 优: first those ranked in the top three
// (the ones a committee member will ask about), then by rank, unranked last.
func (d ProposalsData) LeftOut() []store.Standing {
	var out []store.Standing
	for _, s := range d.Standings {
		if !s.Excellent {
			out = append(out, s)
		}
	}
	key := func(s store.Standing) int {
		switch {
		case s.Rank >= 1 && s.Rank <= 3:
			return s.Rank
		case s.Rank > 3:
			return 100 + s.Rank
		}
		return 1 << 20
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// blocking reports whether a reason is one that keeps a subject from 一优.
func blocking(reason string) bool {
	for _, w := range []string{"未进入", "未能", "取消", "无年度", "无有效"} {
		if strings.Contains(reason, w) {
			return true
		}
	}
	return false
}

// Stale reports whether a stored proposal no longer matches the current evaluation.
func (d ProposalsData) Stale(p store.Proposal) bool {
	for _, s := range d.Standings {
		if s.Key == p.Key() {
			return !s.Excellent || s.Streak != p.Streak
		}
	}
	return true
}

// Pending counts the 优 standings without a stored proposal.
func (d ProposalsData) Unproposed() int {
	have := map[string]bool{}
	for _, p := range d.Proposals {
		have[p.Key()] = true
	}
	n := 0
	for _, s := range d.Excellent() {
		if !have[s.Key] {
			n++
		}
	}
	return n
}

// HonourRollData is the printed 表彰名单.
type HonourRollData struct {
	Township  string
	Year      int
	Proposals []store.Proposal
	Date      string
}

// Section lists the approved proposals of one streak level (3 means three or more).
func (d HonourRollData) Section(n int) []store.Proposal {
	var out []store.Proposal
	for _, p := range d.Proposals {
		if min(p.Streak, 3) == n {
			out = append(out, p)
		}
	}
	return out
}

func yearStatusLabel(y store.ScoreYear) string {
	switch {
	case y.Final() && y.PublishedAt != nil:
		return "已定稿 · 已公布"
	case y.Final():
		return "已定稿"
	}
	return "评分中"
}

func yearStatusClass(y store.ScoreYear) string {
	if y.Final() {
		return "badge ok"
	}
	return "badge warn"
}

func bandClass(b scoring.Band) string {
	switch b {
	case scoring.Advanced:
		return "badge ok"
	case scoring.Normal:
		return "badge info"
	case scoring.Backward:
		return "badge bad"
	}
	return "badge"
}

func moveClass(m string) string {
	switch {
	case strings.HasPrefix(m, "↑"), m == "升级":
		return "move up"
	case strings.HasPrefix(m, "↓"), m == "降级":
		return "move down"
	}
	return "move"
}

func rankText(n int) string {
	if n == 0 {
		return "—"
	}
	return itoa(n)
}

func orDashS(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func pts(h int64) string { return scoring.FormatPoints(h) }

func eventLabel(k string) string {
	switch k {
	case "finalise":
		return "定稿"
	case "reopen":
		return "解除定稿"
	case "publish":
		return "公布结果"
	}
	return k
}

func sourceLabel(s string) string {
	switch s {
	case "form":
		return "评分表"
	case "import":
		return "Excel 导入"
	case "appeal":
		return "复核更正"
	}
	return s
}

func fmtTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

func fmtTimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func clauseScore(t store.ScoreTemplate, c store.ScoreClause, e store.ScoreEntry) string {
	return pts(scoring.ClauseScore(scoring.Clause{Max: c.MaxPoints, BonusCap: c.BonusCap}, e.Scoring(), t.AllowNegative))
}

func groupTemplateName(tpls []store.ScoreTemplate, appliesTo string) string {
	for _, t := range tpls {
		if t.AppliesTo == appliesTo {
			return t.Name
		}
	}
	return ""
}

func groupAppliesTo(key string) string {
	for _, g := range store.ScoreGroups {
		if g.Key == key {
			return g.AppliesTo
		}
	}
	return ""
}

func scoredCount(b store.Board, g store.BoardGroup) (int, int) {
	n := 0
	for _, r := range g.Rows {
		if r.Scored {
			n++
		}
	}
	return n, len(g.Rows)
}

func backward(b store.Board) []store.BoardRow {
	var out []store.BoardRow
	for _, g := range b.Groups {
		for _, r := range g.Rows {
			if r.Band == scoring.Backward {
				out = append(out, r)
			}
		}
	}
	return out
}

func rankSourceLabel(src string) string {
	switch src {
	case "county":
		return "县考核"
	case "computed":
		return "本乡计算"
	}
	return ""
}

func awardLabels(a []rules.Award) string {
	var out []string
	for _, x := range a {
		out = append(out, x.Label())
	}
	return strings.Join(out, ";")
}

func joinLines(s []string) string { return strings.Join(s, ";") }

func appealStatus(a store.Appeal, now time.Time) (string, string) {
	switch {
	case a.Status == "decided" && a.Decision != nil && *a.Decision == store.DecisionChanged:
		return "已答复 · 予以更正", "badge ok"
	case a.Status == "decided":
		return "已答复 · 维持原结果", "badge"
	case a.Overdue(now):
		return "逾期未答复", "badge bad"
	}
	return "待答复", "badge warn"
}

func decisionClass(d string) string {
	switch d {
	case "approved":
		return "badge ok"
	case "rejected":
		return "badge bad"
	}
	return "badge warn"
}

func fmtDay(t time.Time) string { return t.Format("2006-01-02") }

func streakLabel(n int) string { return store.StreakLabel(n) }

func orToday(v, today string) string {
	if v == "" {
		return today
	}
	return v
}
