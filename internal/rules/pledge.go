package rules

import "fmt"

// The mass evaluation of commitments (评诺, the third 评 of 一诺三评三公开, method.md §8):
// residents' representatives rate each commitment item, or a village's commitment as a
// whole, on the organisation scale (非常满意 / 满意 / 基本满意 / 不满意, or abstain). The
// rates are the same as a 述职评议's (Weigh); the round's four thresholds grade the
// commitment instead of deciding a talk:
//
//   - 不满意 (Unsatisfied) if S < admonish_below or D ≥ admonish_dissatisfied;
//   - otherwise 基本满意 (FairlySatisfied) if S < pass or D ≥ reminder_dissatisfied;
//   - otherwise 满意 (Satisfied); no valid vote: 无有效票 (NoResult).
//
// A grade never calls for a talk, never counts toward escalation (诫勉文件, 组织处理) and
// never toward award eligibility. The method ties talks to the satisfaction with a cadre or
// an organisation in its 述职评议 (seed 000); 评诺 rates what was promised, not a person,
// and the seeds make its result public (三公开) and the ground for rectification (seed
// 002, 评议整改) and for the village's year-end assessment (seed 001, 双考评), all of which
// are the office's to decide from the published result.

// Grades of a mass evaluation of commitments, best first.
const (
	Satisfied       Outcome = "satisfied"   // 满意
	FairlySatisfied Outcome = "fair"        // 基本满意
	Unsatisfied     Outcome = "unsatisfied" // 不满意
)

// IsGrade reports whether o is a grade of a mass evaluation of commitments (评诺).
func (o Outcome) IsGrade() bool {
	return o == Satisfied || o == FairlySatisfied || o == Unsatisfied
}

// Band is the 述职评议 outcome at the same thresholds as a grade (满意 is where 合格 is,
// 基本满意 where 提醒谈话 is, 不满意 where 诫勉谈话 is): pages draw both alike. Any other
// outcome is its own band.
func (o Outcome) Band() Outcome {
	switch o {
	case Satisfied:
		return Pass
	case FairlySatisfied:
		return Reminder
	case Unsatisfied:
		return Admonishment
	}
	return o
}

// DecidePledge grades one commitment subject's rates at the policy's thresholds and says
// why, in Chinese: 不满意 if S < AdmonishBelowPct or D ≥ AdmonishDissatisfiedPct;
// otherwise 基本满意 if S < PassPct or D ≥ ReminderDissatisfiedPct; otherwise 满意.
// Without a weighted result it is 无有效票. Every comparison is exact, as in Decide.
func DecidePledge(p Policy, r Rates) (Outcome, []string) {
	if !r.HasResult() {
		return NoResult, []string{"无有效票,不作评定"}
	}
	var low, fair []string
	if below(r.S, p.AdmonishBelowPct) {
		low = append(low, fmt.Sprintf("加权满意率 %s%% 不足 %d%%", explainPercent(r.S, p.AdmonishBelowPct), p.AdmonishBelowPct))
	}
	if !below(r.D, p.AdmonishDissatisfiedPct) {
		low = append(low, fmt.Sprintf("加权不满意率 %s%% 达到 %d%%", explainPercent(r.D, p.AdmonishDissatisfiedPct), p.AdmonishDissatisfiedPct))
	}
	if len(low) > 0 {
		return Unsatisfied, withGrade(low, Unsatisfied)
	}
	if below(r.S, p.PassPct) {
		fair = append(fair, fmt.Sprintf("加权满意率 %s%% 不足 %d%%", explainPercent(r.S, p.PassPct), p.PassPct))
	}
	if !below(r.D, p.ReminderDissatisfiedPct) {
		fair = append(fair, fmt.Sprintf("加权不满意率 %s%% 达到 %d%%", explainPercent(r.D, p.ReminderDissatisfiedPct), p.ReminderDissatisfiedPct))
	}
	if len(fair) > 0 {
		return FairlySatisfied, withGrade(fair, FairlySatisfied)
	}
	return Satisfied, []string{fmt.Sprintf("加权满意率 %s%% 达到 %d%%,不满意率 %s%% 不足 %d%%,评为满意",
		explainPercent(r.S, p.PassPct), p.PassPct, explainPercent(r.D, p.ReminderDissatisfiedPct), p.ReminderDissatisfiedPct)}
}

// withGrade ends the last reason with the grade it leads to.
func withGrade(reasons []string, o Outcome) []string {
	reasons[len(reasons)-1] += ",评为" + o.Label()
	return reasons
}
