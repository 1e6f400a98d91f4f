package rules

// Policy holds a round's thresholds in whole percent, as Decide applies them, and the
// annual rank that counts as 进三 for the 优 year (top_rank or better). A round stores
// the values in force when it opened.
type Policy struct {
	PassPct                 int `json:"pass_pct"`                  // 满意率达到 90% 方为合格
	AdmonishBelowPct        int `json:"admonish_below_pct"`        // 满意率不足 80% 诫勉谈话
	ReminderDissatisfiedPct int `json:"reminder_dissatisfied_pct"` // 不满意率达到 10% 提醒谈话
	AdmonishDissatisfiedPct int `json:"admonish_dissatisfied_pct"` // 不满意率达到 20% 诫勉谈话
	TopRank                 int `json:"top_rank"`                  // 进三: rank 3 or better
}

// DefaultPolicy is the method's own policy: 90 / 80 / 10 / 20, top 3.
func DefaultPolicy() Policy {
	return Policy{PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, TopRank: 3}
}

// Validate checks that the thresholds are percentages in a sensible order.
func (p Policy) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"pass_pct", p.PassPct}, {"admonish_below_pct", p.AdmonishBelowPct},
		{"reminder_dissatisfied_pct", p.ReminderDissatisfiedPct}, {"admonish_dissatisfied_pct", p.AdmonishDissatisfiedPct},
	} {
		if f.v < 0 || f.v > 100 {
			return bad("policy %s must be between 0 and 100, got %d", "标准 %s 须为 0–100 的整数,现为 %d", f.name, f.v)
		}
	}
	if p.AdmonishBelowPct > p.PassPct {
		return bad("policy admonish_below_pct must not exceed pass_pct", "诫勉满意率线(admonish_below_pct)不能高于合格线(pass_pct)")
	}
	if p.ReminderDissatisfiedPct > p.AdmonishDissatisfiedPct {
		return bad("policy reminder_dissatisfied_pct must not exceed admonish_dissatisfied_pct", "提醒不满意率线(reminder_dissatisfied_pct)不能高于诫勉不满意率线(admonish_dissatisfied_pct)")
	}
	if p.TopRank < 1 {
		return bad("policy top_rank must be at least 1, got %d", "前几名(top_rank)至少为 1,现为 %d", p.TopRank)
	}
	return nil
}

// ValidateWeights checks that group weights are whole, non-negative percentages
// summing to 100 over at least one group.
func ValidateWeights(w map[string]int) error {
	if len(w) == 0 {
		return bad("at least one rater group is required", "至少需要一个计票组(groups)")
	}
	sum := 0
	for _, g := range sortedKeys(w) { // in order: the same weights name the same fault
		v := w[g]
		if g == "" {
			return bad("a group name must not be empty", "计票组名称不能为空")
		}
		if v < 0 || v > 100 {
			return bad("group %q weight must be between 0 and 100, got %d", "计票组「%s」的权重须为 0–100 的整数,现为 %d", g, v)
		}
		sum += v
	}
	if sum != 100 {
		return bad("group weights must sum to 100, got %d", "各计票组权重合计须为 100,现为 %d", sum)
	}
	return nil
}
