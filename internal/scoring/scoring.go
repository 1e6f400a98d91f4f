// Package scoring is the arithmetic of the year-end performance assessment (刚性绩效考核,
// method.md §7): a scoresheet's total from its clause scores (bonus caps, deductions,
// vetoes, weighted sections), competition ranks within a ranking group, and bands
// (定类升级). Like internal/rules it is pure and exact: points are integers in
// hundredths of a point and every total is a math/big rational, never a float.
package scoring

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Clause is one clause of a template. Points are hundredths of a point.
type Clause struct {
	ID       int64
	Area     int   // index into Template.Areas
	Max      int64 // 分值: the most its 得分 may be
	BonusCap int64 // 加分封顶: the most its 加分 may add (0: no bonus)
	Veto     bool  // 一票否决: a vetoed entry makes the subject 不合格 and last
}

// Area is a section of a template. Weight > 0 (whole percent) makes it a weighted
// section: it contributes Weight% of the weighted part of the template's total in
// proportion to its own score over its own maximum. Weight 0 adds its points as they are.
type Area struct {
	Name   string
	Weight int
}

// Template is a scoresheet (考核细则).
type Template struct {
	Areas         []Area
	Clauses       []Clause
	AllowNegative bool // deductions may take a clause below 0 (扣分不设下限)
}

// Entry is one clause's score for one subject, in hundredths of a point.
type Entry struct {
	Points    int64 // 得分, 0..Max
	Bonus     int64 // 加分 claimed; counts up to the clause's BonusCap
	Deduction int64 // 扣分
	Vetoed    bool
}

// Sheet is a subject's scored sheet.
type Sheet struct {
	Total  *big.Rat // exact total (bonus included)
	Max    *big.Rat // the template's nominal total (百分制 100, 千分制 1000)
	Vetoed bool
	Scored int        // how many clauses have an entry
	Areas  []*big.Rat // each area's raw points (before weighting)
}

// Percent is Total / Max as an exact fraction (nil when the template has no maximum).
func (s Sheet) Percent() *big.Rat {
	if s.Max == nil || s.Max.Sign() == 0 {
		return nil
	}
	return new(big.Rat).Quo(s.Total, s.Max)
}

// Validate reports the first thing wrong with a template, in Chinese for the office.
func (t Template) Validate() error {
	if len(t.Clauses) == 0 {
		return fmt.Errorf("细则至少要有一条")
	}
	weighted, sum := false, 0
	areaMax := make([]int64, len(t.Areas))
	for _, c := range t.Clauses {
		if c.Area < 0 || c.Area >= len(t.Areas) {
			return fmt.Errorf("条款不属于任何一项")
		}
		if c.Max < 0 || c.BonusCap < 0 {
			return fmt.Errorf("分值和加分上限不能为负")
		}
		areaMax[c.Area] += c.Max
	}
	for i, a := range t.Areas {
		if a.Weight < 0 || a.Weight > 100 {
			return fmt.Errorf("「%s」的权重须为 0–100", a.Name)
		}
		if a.Weight > 0 {
			weighted = true
			sum += a.Weight
			if areaMax[i] == 0 {
				return fmt.Errorf("加权的「%s」须有分值", a.Name)
			}
		}
	}
	if weighted && sum != 100 {
		return fmt.Errorf("各加权项的权重合计须为 100%%,现为 %d%%", sum)
	}
	return nil
}

// Max is the template's nominal total: the sum of every clause's maximum.
func (t Template) Max() int64 {
	var m int64
	for _, c := range t.Clauses {
		m += c.Max
	}
	return m
}

// MaxRat is the template's nominal total in points.
func (t Template) MaxRat() *big.Rat { return big.NewRat(t.Max(), 100) }

// ClauseScore is what one entry counts for: 得分 (held to 0..Max) plus 加分 up to the cap,
// minus 扣分, and not below 0 unless the template allows it.
func ClauseScore(c Clause, e Entry, allowNegative bool) int64 {
	p := min(max(e.Points, 0), c.Max)
	b := min(max(e.Bonus, 0), c.BonusCap)
	v := p + b - max(e.Deduction, 0)
	if v < 0 && !allowNegative {
		v = 0
	}
	return v
}

// Score totals a subject's sheet. Clauses without an entry count 0.
//
// Unweighted: Total = Σ clause scores. Weighted: each weighted area a contributes
// w_a/100 · score_a/max_a · W, where W is the sum of the weighted areas' maxima, and
// unweighted areas (bonus, veto sections) add their points as they are. Max is the sum
// of all clause maxima either way, so a 100-point sheet stays a 100-point sheet.
func Score(t Template, entries map[int64]Entry) Sheet {
	areas := make([]int64, len(t.Areas))
	areaMax := make([]int64, len(t.Areas))
	s := Sheet{Max: new(big.Rat).SetInt64(t.Max()), Total: new(big.Rat)}
	for _, c := range t.Clauses {
		areaMax[c.Area] += c.Max
		e, ok := entries[c.ID]
		if !ok {
			continue
		}
		s.Scored++
		areas[c.Area] += ClauseScore(c, e, t.AllowNegative)
		if c.Veto && e.Vetoed {
			s.Vetoed = true
		}
	}
	var weightedMax int64
	for i, a := range t.Areas {
		if a.Weight > 0 {
			weightedMax += areaMax[i]
		}
	}
	for i, a := range t.Areas {
		raw := new(big.Rat).SetInt64(areas[i])
		s.Areas = append(s.Areas, raw)
		if a.Weight > 0 && areaMax[i] > 0 {
			// w/100 · score/max · W as one fraction: w·score·W / (100·max).
			num := new(big.Int).Mul(big.NewInt(int64(a.Weight)), big.NewInt(areas[i]))
			num.Mul(num, big.NewInt(weightedMax))
			den := new(big.Int).Mul(big.NewInt(100), big.NewInt(areaMax[i]))
			s.Total.Add(s.Total, new(big.Rat).SetFrac(num, den))
		} else {
			s.Total.Add(s.Total, raw)
		}
	}
	// Everything above is in hundredths; the sheet speaks points.
	hundred := big.NewRat(100, 1)
	s.Total.Quo(s.Total, hundred)
	s.Max.Quo(s.Max, hundred)
	for _, a := range s.Areas {
		a.Quo(a, hundred)
	}
	return s
}

// Ranked is one subject in a ranking group.
type Ranked struct {
	Key    string
	Total  *big.Rat // nil: not scored, not ranked
	Vetoed bool
}

// Rank gives competition ranks (1, 2, 2, 4) by total, highest first. Vetoed subjects
// come after every other scored subject whatever their totals, all sharing the last
// rank. Unscored subjects (nil total) get no rank (0).
func Rank(items []Ranked) map[string]int {
	out := make(map[string]int, len(items))
	var ok, vetoed []Ranked
	for _, it := range items {
		switch {
		case it.Total == nil:
			out[it.Key] = 0
		case it.Vetoed:
			vetoed = append(vetoed, it)
		default:
			ok = append(ok, it)
		}
	}
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].Total.Cmp(ok[j].Total) > 0 })
	for i, it := range ok {
		if i > 0 && it.Total.Cmp(ok[i-1].Total) == 0 {
			out[it.Key] = out[ok[i-1].Key]
		} else {
			out[it.Key] = i + 1
		}
	}
	for _, it := range vetoed {
		out[it.Key] = len(ok) + 1
	}
	return out
}

// Band is a 定类升级 class.
type Band string

// Bands, best first.
const (
	Advanced Band = "advanced" // 先进
	Normal   Band = "normal"   // 一般
	Backward Band = "backward" // 后进
)

// Label is the band in Chinese.
func (b Band) Label() string {
	switch b {
	case Advanced:
		return "先进"
	case Normal:
		return "一般"
	case Backward:
		return "后进"
	}
	return ""
}

func (b Band) order() int {
	switch b {
	case Advanced:
		return 3
	case Normal:
		return 2
	case Backward:
		return 1
	}
	return 0
}

// Bands holds the year's thresholds in whole percent of the template's maximum.
type Bands struct {
	AdvancedPct int // 先进: at least this
	NormalPct   int // 一般: at least this; 后进 below
}

// DefaultBands is 先进 ≥ 90%, 一般 ≥ 75%, 后进 below.
func DefaultBands() Bands { return Bands{AdvancedPct: 90, NormalPct: 75} }

// Classify puts a sheet in its band by its exact share of the maximum. A vetoed sheet
// is 后进 whatever its total; an unscored one has no band ("").
func (b Bands) Classify(s Sheet, scored bool) Band {
	if !scored {
		return ""
	}
	if s.Vetoed {
		return Backward
	}
	p := s.Percent()
	if p == nil {
		return ""
	}
	switch {
	case p.Cmp(big.NewRat(int64(b.AdvancedPct), 100)) >= 0:
		return Advanced
	case p.Cmp(big.NewRat(int64(b.NormalPct), 100)) >= 0:
		return Normal
	}
	return Backward
}

// Movement is a band's change against last year: 升级, 降级, 持平, or "" without one of them.
func Movement(prev, cur Band) string {
	if prev == "" || cur == "" {
		return ""
	}
	switch d := cur.order() - prev.order(); {
	case d > 0:
		return "升级"
	case d < 0:
		return "降级"
	}
	return "持平"
}

// RankMove describes a rank against last year's: ↑2, ↓1, 持平, or "" without both.
func RankMove(prev, cur int) string {
	if prev == 0 || cur == 0 {
		return ""
	}
	switch {
	case cur < prev:
		return fmt.Sprintf("↑%d", prev-cur)
	case cur > prev:
		return fmt.Sprintf("↓%d", cur-prev)
	}
	return "持平"
}

// Format shows an exact number of points rounded half up to two decimals ("97.50").
func Format(x *big.Rat) string {
	if x == nil {
		return ""
	}
	neg := x.Sign() < 0
	a := new(big.Rat).Abs(x)
	num := new(big.Int).Mul(a.Num(), big.NewInt(200))
	num.Add(num, a.Denom())
	den := new(big.Int).Mul(a.Denom(), big.NewInt(2))
	q := new(big.Int).Div(num, den)
	whole, frac := new(big.Int).QuoRem(q, big.NewInt(100), new(big.Int))
	s := fmt.Sprintf("%s.%02d", whole.String(), frac.Int64())
	if neg && q.Sign() != 0 {
		s = "-" + s
	}
	return s
}

// FormatPoints shows hundredths of a point as a number: 1250 -> "12.5", 300 -> "3".
func FormatPoints(h int64) string {
	neg := h < 0
	if neg {
		h = -h
	}
	s := strconv.FormatInt(h/100, 10)
	if f := h % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParsePoints reads a number of points with at most two decimals ("12.5", "3") into
// hundredths. It refuses anything else, including more decimals: no float is involved.
func ParsePoints(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	var f int64
	if hasDot {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, true
}
