package view

import (
	"strings"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// The mass evaluation of commitments (评诺): the parts of the round form, round page,
// ballot, results and commitment pages that differ for a round of kind
// store.KindCommitment. pingnuo.templ renders them.

// PledgeForm is the 评诺 part of the round form: the year whose published commitments
// are evaluated, what the subjects are, and which commitments.
type PledgeForm struct {
	Year    int
	Years   []int // years with published commitments, newest first
	Scope   string
	Options []store.PublishedCommitment
	Chosen  map[int64]bool
	// Unpublished names the owners with no published commitment that year (未公开).
	Unpublished []string
	// Fixed: editing a draft, whose year and subject choice stay as created (its
	// subjects are changed on the round page).
	Fixed bool
}

// MassEvaluationView is one 评诺 round's result for a commitment, as its pages show it.
type MassEvaluationView struct {
	store.MassEvaluation
	// Link is the round's results for staff, its 公示 page on public pages ("" for none).
	Link string
}

// pledgeTitleDefault is the title a new 评诺 round starts with.
func pledgeTitleDefault(year int) string {
	return itoa(year) + " 年度村级承诺群众评议(评诺)"
}

// PledgeTitleDefault is the title a new 评诺 round of the year starts with.
func PledgeTitleDefault(year int) string { return pledgeTitleDefault(year) }

// isPledge reports whether the round is a 评诺 round.
func isPledge(r store.Round) bool { return r.IsPledge() }

// gradeLabel names the pass / reminder / admonishment band as a round of its kind grades
// it: 合格 / 提醒谈话 / 诫勉谈话, or for 评诺 满意 / 基本满意 / 不满意.
func gradeLabel(pledge bool, band rules.Outcome) string {
	if pledge {
		switch band {
		case rules.Pass:
			return rules.Satisfied.Label()
		case rules.Reminder:
			return rules.FairlySatisfied.Label()
		case rules.Admonishment:
			return rules.Unsatisfied.Label()
		}
	}
	return band.Label()
}

// pledgeDeadline shows a frozen item's deadline ("2025-10-31") as 2025 年 10 月 31 日.
func pledgeDeadline(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return cnDate(t)
}

// pledgeSelf is an item's self-evaluation (述诺) as a ballot names it, or "".
func pledgeSelf(it store.PledgeItem) string {
	if it.Self == "" {
		return ""
	}
	return store.SelfRatingLabel(it.Self)
}

func selfBadgeClass(k string) string {
	switch k {
	case store.SelfFulfilled:
		return "badge ok"
	case store.SelfPartly:
		return "badge warn"
	case store.SelfUnfulfilled:
		return "badge bad"
	}
	return "badge"
}

// ownerHeading reports whether subject i of a 逐项评议 ballot starts another owner's items.
func ownerHeading(subjects []store.BallotSubject, i int) bool {
	s := subjects[i]
	if s.Pledge == nil || s.Pledge.Whole {
		return false
	}
	return i == 0 || subjects[i-1].Title != s.Title
}

// massResultsPeriod is when a 评诺 round's results were public, for a page's caption.
func massResultsPeriod(m store.MassEvaluation) string {
	var b strings.Builder
	b.WriteString(PledgeScopeText(m.Scope))
	if m.PublishFrom != nil && m.PublishTo != nil {
		b.WriteString(" · 公示期 " + fmtDate(m.PublishFrom) + " 至 " + fmtDate(m.PublishTo))
	}
	return b.String()
}

// PledgeScopeText is a 评诺 round's subject choice in Chinese.
func PledgeScopeText(scope string) string { return store.PledgeScopeLabel(scope) }

// massLabel names a result row: the item, or the commitment as a whole.
func massLabel(m store.MassEvaluation, r store.MassEvaluationResult) string {
	if r.ItemID == nil {
		return "承诺整体"
	}
	return r.Name
}

// MassSummary is a commitment's latest 评诺 result in one line, for the year's overview:
// the grade of the whole, or how many items got each grade.
func MassSummary(ms []store.MassEvaluation) (text, class string) {
	if len(ms) == 0 {
		return "", ""
	}
	m := ms[0]
	if len(m.Rows) == 1 && m.Rows[0].ItemID == nil {
		r := m.Rows[0]
		if r.Satisfaction == nil {
			return r.Outcome.Label(), "badge"
		}
		return r.Outcome.Label() + " " + *r.Satisfaction + "%", outcomeClass(r.Outcome)
	}
	counts := map[rules.Outcome]int{}
	worst := rules.Satisfied
	for _, r := range m.Rows {
		counts[r.Outcome]++
		if r.Outcome.Severity() > worst.Severity() {
			worst = r.Outcome
		}
	}
	var parts []string
	for _, o := range []rules.Outcome{rules.Satisfied, rules.FairlySatisfied, rules.Unsatisfied, rules.NoResult} {
		if counts[o] > 0 {
			parts = append(parts, o.Label()+" "+itoa(counts[o]))
		}
	}
	return itoa(len(m.Rows)) + " 项:" + strings.Join(parts, ","), outcomeClass(worst)
}

// wholeSelf sums up a whole commitment's self-evaluations: "已兑现 2 · 部分兑现 1".
func wholeSelf(p *store.Pledge) string {
	counts := map[string]int{}
	for _, it := range p.Items {
		counts[it.Self]++
	}
	var parts []string
	for _, r := range store.SelfRatings {
		if counts[r.Key] > 0 {
			parts = append(parts, r.Label+" "+itoa(counts[r.Key]))
		}
	}
	if counts[""] > 0 {
		parts = append(parts, "未自评 "+itoa(counts[""]))
	}
	return strings.Join(parts, " · ")
}

// glanceSubjects names a results summary's total.
func glanceSubjects(g ResultsGlance) string {
	if g.Pledge {
		return "评诺对象"
	}
	return "述职对象"
}

// glanceFilter names the results filter to what needs attention.
func glanceFilter(g ResultsGlance) string {
	if g.Pledge {
		return "只看未达满意的"
	}
	return "只看需谈话的"
}

// lineName names the chart's pass line (合格线 / 满意线) or admonishment line (诫勉线 /
// 不满意线).
func lineName(pledge, pass bool) string {
	switch {
	case pledge && pass:
		return "满意线"
	case pledge:
		return "不满意线"
	case pass:
		return "合格线"
	}
	return "诫勉线"
}

// legendNote is what follows a subject's name on the ballot: its title, which for an
// item evaluated on its own is the owner its heading names already.
func legendNote(s store.BallotSubject) string {
	if s.Pledge != nil && !s.Pledge.Whole {
		return ""
	}
	return s.Title
}
