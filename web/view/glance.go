package view

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// ResultsGlance is the top of the results page: how many subjects got each outcome,
// and a chart of each subject's weighted satisfaction against the round's lines.
type ResultsGlance struct {
	RoundID      int64
	Total        int
	Pass         int
	Reminder     int
	Admonishment int
	NoResult     int
	Documents    int // 诫勉文件
	Referrals    int // 组织处理
	Talks        int // reminder + admonishment
	Filter       string
	Chart        Chart
	// Pledge: a 评诺 round, whose counts are grades (满意 / 基本满意 / 不满意), not talks.
	Pledge bool
}

// Results filters: everyone, or only the subjects that need a talk.
const (
	FilterAll   = ""
	FilterTalks = "talk"
)

// NewResultsGlance counts outcomes over all results and charts those shown.
func NewResultsGlance(round store.Round, all, shown []store.SubjectResult, filter string) ResultsGlance {
	g := ResultsGlance{RoundID: round.ID, Total: len(all), Filter: filter, Pledge: round.IsPledge()}
	for _, r := range all {
		switch r.Outcome.Band() {
		case rules.Pass:
			g.Pass++
		case rules.Reminder:
			g.Reminder++
		case rules.Admonishment:
			g.Admonishment++
		default:
			g.NoResult++
		}
		if r.Document {
			g.Documents++
		}
		if r.Referral {
			g.Referrals++
		}
	}
	g.Talks = g.Reminder + g.Admonishment
	g.Chart = newChart(shown, round.PassPct, round.AdmonishBelowPct)
	return g
}

// NeedsTalk reports whether a result calls for a talk (提醒谈话 or 诫勉谈话).
func NeedsTalk(r store.SubjectResult) bool {
	o := r.Outcome.Band() // of a 评诺 round: graded below 满意
	return o == rules.Reminder || o == rules.Admonishment
}

// Chart is a server-rendered dot plot: one row per subject, its weighted satisfaction
// as a mark against the pass and admonishment lines. Positions are for drawing only;
// every decision was made on exact fractions before.
type Chart struct {
	Width, Height    int
	PlotX0, PlotX1   float64
	Top, Bottom      float64
	Rows             []ChartRow
	Ticks            []ChartTick
	PassX, AdmonishX float64
	PassPct          int
	AdmonishPct      int
}

// ChartRow is one subject in the chart.
type ChartRow struct {
	Name, Label, Value string
	Outcome            rules.Outcome
	Y, X               float64
	HasValue           bool
}

// ChartTick is a gridline with its percentage.
type ChartTick struct {
	X     float64
	Label string
}

const (
	chartWidth  = 680
	chartLabelW = 140 // names, right-aligned
	chartValueW = 72  // the value after the plot
	chartRowH   = 21
	chartTop    = 34
	chartBottom = 34
)

func newChart(results []store.SubjectResult, passPct, admonishPct int) Chart {
	c := Chart{Width: chartWidth, PlotX0: chartLabelW + 8, PlotX1: chartWidth - chartValueW, Top: chartTop, PassPct: passPct, AdmonishPct: admonishPct}
	type item struct {
		r store.SubjectResult
		v float64
		k bool
	}
	items := make([]item, 0, len(results))
	lo := 100.0
	for _, r := range results {
		it := item{r: r}
		if r.Satisfaction != nil {
			if v, err := strconv.ParseFloat(*r.Satisfaction, 64); err == nil {
				it.v, it.k = v, true
				lo = min(lo, v)
			}
		}
		items = append(items, it)
	}
	// Lowest first: whoever needs a talk is at the top. No result at the very end.
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].k != items[j].k {
			return items[i].k
		}
		return items[i].v < items[j].v
	})
	// The axis starts at a round ten below both the lowest mark and the admonishment
	// line, so the lines and every mark are in view; a dot plot needs no zero baseline.
	from := float64(int(min(lo-2, float64(admonishPct)-5)/10) * 10)
	from = max(0, min(from, 70))
	x := func(v float64) float64 { return c.PlotX0 + (v-from)/(100-from)*(c.PlotX1-c.PlotX0) }
	for t := from; t <= 100; t += 10 {
		c.Ticks = append(c.Ticks, ChartTick{X: x(t), Label: fmt.Sprintf("%g%%", t)})
	}
	c.PassX, c.AdmonishX = x(float64(passPct)), x(float64(admonishPct))
	for i, it := range items {
		row := ChartRow{Name: it.r.Name, Label: shorten(it.r.Name, 8), Outcome: it.r.Outcome, Y: chartTop + float64(i)*chartRowH + chartRowH/2, HasValue: it.k}
		if it.k {
			row.X, row.Value = x(it.v), *it.r.Satisfaction+"%"
		} else {
			row.X, row.Value = c.PlotX0, "无有效票"
		}
		c.Rows = append(c.Rows, row)
	}
	c.Bottom = chartTop + float64(len(items))*chartRowH
	c.Height = int(c.Bottom) + chartBottom
	return c
}

// shorten keeps a name to n characters, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// markPoints is a diamond (reminder) or the corners of a square (admonishment) at x, y;
// the pass mark is a circle. Shapes differ as well as colours, for readers who do not
// tell red from green.
func markPoints(outcome rules.Outcome, x, y float64) string {
	const r = 6.0
	switch outcome.Band() {
	case rules.Reminder:
		return fmt.Sprintf("%s,%s %s,%s %s,%s %s,%s", f1(x), f1(y-r-1), f1(x+r+1), f1(y), f1(x), f1(y+r+1), f1(x-r-1), f1(y))
	default:
		return fmt.Sprintf("%s,%s %s,%s %s,%s %s,%s", f1(x-r), f1(y-r), f1(x+r), f1(y-r), f1(x+r), f1(y+r), f1(x-r), f1(y+r))
	}
}

func markClass(outcome rules.Outcome) string {
	return "mark mark-" + strings.ReplaceAll(string(outcome.Band()), "_", "-")
}

// chartSummary is the chart's text alternative.
func chartSummary(g ResultsGlance) string {
	if g.Pledge {
		return fmt.Sprintf("共 %d 个对象:满意 %d,基本满意 %d,不满意 %d,无有效票 %d。图中按加权满意率由低到高排列,竖线为满意线 %d%% 和不满意线 %d%%;各对象的数值见下方表格。",
			g.Total, g.Pass, g.Reminder, g.Admonishment, g.NoResult, g.Chart.PassPct, g.Chart.AdmonishPct)
	}
	return fmt.Sprintf("共 %d 个对象:合格 %d,提醒谈话 %d,诫勉谈话 %d,无有效票 %d。图中按加权满意率由低到高排列,竖线为合格线 %d%% 和诫勉线 %d%%;各对象的数值见下方表格。",
		g.Total, g.Pass, g.Reminder, g.Admonishment, g.NoResult, g.Chart.PassPct, g.Chart.AdmonishPct)
}
