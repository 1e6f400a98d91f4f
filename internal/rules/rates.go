// Package rules applies the 一述双评 method exactly. The product states the same rules
// in Chinese on its 评议办法 page (/method, web/view/method.templ); in short:
//
//   - Rates (Weigh). Each rater group g counts levels 1–4 and abstentions for a subject.
//     Abstentions are not valid votes. With n_g = c1+c2+c3+c4 valid votes, the group's
//     satisfaction is s_g = (c1+c2)/n_g and its dissatisfaction d_g = c4/n_g. The
//     subject's S and D weigh them by the groups' whole-percent weights over the groups
//     with at least one valid vote, renormalised: S = Σ w_g·s_g / Σ w_g, likewise D. No
//     valid vote in any group: no result (无有效票).
//   - Outcome (Decide), at the policy's thresholds (default 90 / 80 / 10 / 20):
//     诫勉谈话 if S < admonish_below or D ≥ admonish_dissatisfied; otherwise 提醒谈话 if
//     S < pass or D ≥ reminder_dissatisfied; otherwise 合格. 以上/达到 include the number
//     itself, 不足 excludes it, and every comparison is exact.
//   - Escalation (Evaluate). k counts the consecutive rounds a subject took part in that
//     ended in 诫勉谈话 (any other outcome, no result included, resets it; a round it
//     was not in does not): k ≥ 2 issues an admonishment document (诫勉文件), k ≥ 3 refers
//     it for organisational handling (组织处理).
//   - Eligibility: in a calendar year, two or more reminder talks, or any admonishment
//     talk, from rounds or recorded by hand, cancel all award eligibility for that year.
//   - Awards (三争创). A year is 优 when the subject's annual performance rank is within
//     top_rank (default 3; competition ranking, 1, 2, 2, 4), every round of the year
//     with a result is 合格 and there is at least one, and it keeps its eligibility.
//     n consecutive 优 years (a year without data breaks the run) give: n ≥ 1 township
//     commendation; n ≥ 2 county recommendation, and a village cadre's pay +10% next
//     year; n ≥ 3 reserve cadre (persons), and for a village cadre a recommendation for
//     the civil-service exam or open selection into the township leadership.
//   - Commitments (Assess): an item's progress and status on a given day.
//
// It is pure: standard library only, no I/O, no clock, no database. Every number on
// the way from counts to a decision is an exact rational (math/big); nothing is float.
package rules

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
)

// Level indexes a Tally. The four levels are labelled by subject kind:
// 优秀/称职/基本称职/不称职 for persons, 非常满意/满意/基本满意/不满意 for organisations.
// Levels 1 and 2 count as satisfied (称职/满意以上), level 4 as dissatisfied.
const (
	Level1  = iota // 优秀 / 非常满意
	Level2         // 称职 / 满意
	Level3         // 基本称职 / 基本满意
	Level4         // 不称职 / 不满意
	Abstain        // 弃权: counted and shown, not a valid vote
)

// Tally is the count of votes for one subject in one group: levels 1–4, then abstentions.
type Tally [5]int64

// Valid is the number of valid votes (abstentions excluded).
func (t Tally) Valid() int64 { return t[Level1] + t[Level2] + t[Level3] + t[Level4] }

// GroupRate is one rater group's share of a subject's result.
type GroupRate struct {
	Group  string
	Weight int // whole percent, as stored with the round
	Tally  Tally
}

// Satisfaction is s_g = (c1+c2)/n_g; nil when the group has no valid vote.
func (g GroupRate) Satisfaction() *big.Rat {
	if n := g.Tally.Valid(); n > 0 {
		return big.NewRat(g.Tally[Level1]+g.Tally[Level2], n)
	}
	return nil
}

// Dissatisfaction is d_g = c4/n_g; nil when the group has no valid vote.
func (g GroupRate) Dissatisfaction() *big.Rat {
	if n := g.Tally.Valid(); n > 0 {
		return big.NewRat(g.Tally[Level4], n)
	}
	return nil
}

// Rates is a subject's result in one round: the per-group rates and the weighted S and D.
type Rates struct {
	Groups []GroupRate // sorted by group name
	// S and D are nil when no group with a positive weight has a valid vote (无有效票).
	S, D *big.Rat
}

// HasResult reports whether the subject has a weighted result at all.
func (r Rates) HasResult() bool { return r.S != nil }

// Weigh computes per-group and weighted rates: s_g = (c1+c2)/n_g and d_g = c4/n_g over
// the n_g valid votes (abstentions excluded), then S = Σ w_g·s_g / Σ w_g and likewise D.
// Groups without a valid vote, or with weight 0, drop out and the remaining weights are
// renormalised to sum to 1. Tallies of groups absent from weights are ignored here;
// Evaluate rejects them before calling Weigh.
//
// S = Σ w_g·a_g/n_g / Σ w_g is summed as one exact fraction: in int64 while every
// product provably fits, in math/big otherwise.
func Weigh(weights map[string]int, tallies map[string]Tally) Rates {
	names := make([]string, 0, len(weights))
	for g := range weights {
		names = append(names, g)
	}
	sort.Strings(names)
	r := Rates{Groups: make([]GroupRate, 0, len(names))}
	var s, d sum
	var wSum int64
	for _, g := range names {
		t := tallies[g]
		r.Groups = append(r.Groups, GroupRate{Group: g, Weight: weights[g], Tally: t})
		n, w := t.Valid(), int64(weights[g])
		if n == 0 || w <= 0 {
			continue
		}
		s.add(w*(t[Level1]+t[Level2]), n)
		d.add(w*t[Level4], n)
		wSum += w
	}
	if wSum > 0 {
		r.S, r.D = s.over(wSum), d.over(wSum)
	}
	return r
}

// sum is an exact running sum of fractions num/den (den > 0).
type sum struct {
	num, den int64 // the int64 form, valid while big == nil
	big      *big.Rat
	started  bool
}

func (s *sum) add(num, den int64) {
	if !s.started {
		s.num, s.den, s.started = num, den, true
		return
	}
	if s.big == nil {
		// num/den + s.num/s.den = (num*s.den + s.num*den) / (den*s.den)
		a, ok1 := mul(num, s.den)
		b, ok2 := mul(s.num, den)
		c, ok3 := mul(den, s.den)
		if ok1 && ok2 && ok3 && a <= math.MaxInt64-b {
			s.num, s.den = a+b, c
			return
		}
		s.big = big.NewRat(s.num, s.den)
	}
	s.big.Add(s.big, big.NewRat(num, den))
}

func (s *sum) over(w int64) *big.Rat {
	if s.big == nil {
		if den, ok := mul(s.den, w); ok {
			return big.NewRat(s.num, den)
		}
		s.big = big.NewRat(s.num, s.den)
	}
	return new(big.Rat).Quo(s.big, new(big.Rat).SetInt64(w))
}

// mul multiplies two non-negative int64s and reports whether the product fits.
func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// Percent formats a fraction in [0, 1] as a percentage rounded half up to two decimals
// ("86.50"). It returns "" for nil.
func Percent(x *big.Rat) string {
	if x == nil {
		return ""
	}
	var q int64
	// hundredths of a percent = x * 10000, rounded half up: floor((20000*num + den) / (2*den)).
	if x.Num().IsInt64() && x.Denom().IsInt64() && x.Sign() >= 0 {
		n, d := x.Num().Int64(), x.Denom().Int64()
		a, ok1 := mul(n, 20000)
		b, ok2 := mul(d, 2)
		if ok1 && ok2 && a <= math.MaxInt64-d {
			q = (a + d) / b
			return fmt.Sprintf("%d.%02d", q/100, q%100)
		}
	}
	num := new(big.Int).Mul(x.Num(), big.NewInt(20000))
	num.Add(num, x.Denom())
	den := new(big.Int).Mul(x.Denom(), big.NewInt(2))
	qb := new(big.Int).Div(num, den)
	whole, frac := new(big.Int).QuoRem(qb, big.NewInt(100), new(big.Int))
	return fmt.Sprintf("%s.%02d", whole.String(), frac.Int64())
}

// below reports whether x < p/100, exactly.
func below(x *big.Rat, p int) bool { return cmpPct(x, p) < 0 }

// cmpPct compares x with p/100 by cross-multiplying: x.num*100 against p*x.den.
func cmpPct(x *big.Rat, p int) int {
	if x.Num().IsInt64() && x.Denom().IsInt64() && x.Sign() >= 0 && p >= 0 {
		a, ok1 := mul(x.Num().Int64(), 100)
		b, ok2 := mul(int64(p), x.Denom().Int64())
		if ok1 && ok2 {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	}
	return x.Cmp(pct(p))
}

// pct returns p/100 as an exact rational.
func pct(p int) *big.Rat { return big.NewRat(int64(p), 100) }

// explainPercent shows x for a sentence that compares it with threshold p: where the
// rounded figure would read as the threshold itself (79.996% shown as 80.00%), it shows
// four decimals, cut, with an ellipsis, so the sentence never says "80.00% 不足 80%".
func explainPercent(x *big.Rat, p int) string {
	s := Percent(x)
	if cmpPct(x, p) != 0 && s == fmt.Sprintf("%d.00", p) {
		t := new(big.Int).Mul(x.Num(), big.NewInt(1000000))
		t.Quo(t, x.Denom())
		return fmt.Sprintf("%d.%04d…", t.Int64()/10000, t.Int64()%10000)
	}
	return s
}
