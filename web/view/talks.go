package view

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// Helpers of the talk ledger, documents and dossier pages.

func day(t time.Time) string { return t.Format("2006-01-02") }

func dayOr(t *time.Time, empty string) string {
	if t == nil {
		return empty
	}
	return t.Format("2006-01-02")
}

func isOffice(c Chrome) bool { return c.User != nil && c.User.Role == store.RoleOffice }

func isSecretary(c Chrome) bool { return c.User != nil && c.User.Role == store.RoleSecretary }

// subjectHref is the dossier of a talk's, document's or result's subject; "" when none.
func subjectHref(personID, orgID *int64) string {
	switch {
	case personID != nil:
		return "/people/" + i64(*personID) + "/dossier"
	case orgID != nil:
		return "/orgs/" + i64(*orgID) + "/dossier"
	}
	return ""
}

func talkHref(id int64) string { return "/talks/" + i64(id) }

func talkStatus(t store.Talk, today time.Time) (string, string) {
	switch {
	case t.Held():
		return "badge ok", "已谈话"
	case t.Overdue(today):
		return "badge bad", "逾期未谈"
	}
	return "badge warn", "待谈话"
}

func rectStatus(x store.Rectification, today time.Time) (string, string) {
	switch {
	case x.Status == "done":
		return "badge ok", "已完成"
	case x.Overdue(today):
		return "badge bad", "已逾期"
	}
	return "badge warn", "整改中"
}

func periodClass(p store.Period, today time.Time) string {
	switch {
	case p.FollowupDue(today):
		return "badge bad"
	case p.Status == "active":
		return "badge warn"
	case p.Status == "lifted":
		return "badge ok"
	}
	return "badge bad"
}

func referralState(r store.Referral) (string, string) {
	switch r.State() {
	case "concluded":
		return "badge ok", "已办结"
	case "sent":
		return "badge info", "已移送"
	}
	return "badge warn", "待移送"
}

func bodiesLabel(bs []string) string {
	var out []string
	for _, b := range bs {
		out = append(out, store.ReferralBodyLabel(b))
	}
	if len(out) == 0 {
		return "(未选择)"
	}
	return strings.Join(out, "、")
}

func hasBody(bs []string, k string) bool {
	for _, b := range bs {
		if b == k {
			return true
		}
	}
	return false
}

// trigger is what set a talk off, in words.
func trigger(t store.Talk) string {
	if t.RoundTitle == nil {
		if t.TriggerText != "" {
			return "手工记录:" + t.TriggerText
		}
		return "手工记录"
	}
	s := *t.RoundTitle
	if t.Satisfaction != nil {
		s += fmt.Sprintf(" · 满意率 %s%%,不满意率 %s%%", *t.Satisfaction, deref(t.Dissatisfaction))
	}
	if t.Consecutive != nil && *t.Consecutive >= 2 {
		s += fmt.Sprintf(" · 连续第 %d 次诫勉", *t.Consecutive)
	}
	return s
}

func fileSize(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.Itoa(n>>10) + " KB"
	}
	return strconv.Itoa(n) + " B"
}

func pctOr(s *string) string {
	if s == nil {
		return "—"
	}
	return *s + "%"
}

// YearEligibility is a year's award eligibility as the talks decide it (method.md §5:
// two or more reminder talks, or one or more admonishment talks, lose it).
type YearEligibility struct {
	Year          int
	Reminders     int
	Admonishments int
}

// Lost reports whether the year's award eligibility is lost.
func (y YearEligibility) Lost() bool { return y.Reminders >= 2 || y.Admonishments >= 1 }

// TrendChart is the dossier's trend chart, laid out in SVG user units.
type TrendChart struct {
	W, H                   float64
	Left, Right, Top, Base float64
	Points                 []ChartPoint
	Ticks                  []TrendTick
	SPath, DPath, AvgPath  string
	PassSteps, AdmSteps    string
}

// ChartPoint is one round on the chart.
type ChartPoint struct {
	X          float64
	SY, DY, AY float64
	HasS, HasA bool
	Label      string
	Sub        string
	Tip        string
	Outcome    rules.Outcome
}

// TrendTick is a horizontal grid line.
type TrendTick struct {
	Y     float64
	Label string
}

func pctValue(s *string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(*s, 64)
	return v, err == nil
}

// NewTrendChart lays out S, D, the level average and the round's 90 % / 80 % lines over the
// rounds, oldest first. Floats are fine here: it is a picture, nothing is decided by it.
func NewTrendChart(rounds []store.DossierRound) TrendChart {
	c := TrendChart{W: 760, H: 300, Left: 46, Right: 16, Top: 14, Base: 250}
	plotW := c.W - c.Left - c.Right
	y := func(pct float64) float64 { return c.Base - (c.Base-c.Top)*pct/100 }
	for _, v := range []int{0, 20, 40, 60, 80, 100} {
		c.Ticks = append(c.Ticks, TrendTick{Y: y(float64(v)), Label: itoa(v) + "%"})
	}
	n := len(rounds)
	step := plotW
	if n > 1 {
		step = plotW / float64(n)
	}
	var sp, dp, ap, pass, adm []string
	for i, r := range rounds {
		x := c.Left + step*(float64(i)+0.5)
		if n == 1 {
			x = c.Left + plotW/2
		}
		p := ChartPoint{X: x, Label: itoa(r.Year), Sub: shortKind(r.Kind), Outcome: r.Outcome}
		if s, ok := pctValue(r.Satisfaction); ok {
			d, _ := pctValue(r.Dissatisfaction)
			p.HasS, p.SY, p.DY = true, y(s), y(d)
			sp = append(sp, xy(x, p.SY))
			dp = append(dp, xy(x, p.DY))
		}
		if a, ok := pctValue(r.LevelAverage); ok {
			p.HasA, p.AY = true, y(a)
			ap = append(ap, xy(x, p.AY))
		}
		p.Tip = fmt.Sprintf("%s:满意率 %s,不满意率 %s,同层次平均 %s,%s", r.Title, pctOr(r.Satisfaction), pctOr(r.Dissatisfaction), pctOr(r.LevelAverage), outcomeLabel(r.Outcome))
		x0, x1 := x-step/2, x+step/2
		if n == 1 {
			x0, x1 = c.Left, c.W-c.Right
		}
		pass = append(pass, xy(x0, y(float64(r.PassPct))), xy(x1, y(float64(r.PassPct))))
		adm = append(adm, xy(x0, y(float64(r.AdmonishBelowPct))), xy(x1, y(float64(r.AdmonishBelowPct))))
		c.Points = append(c.Points, p)
	}
	c.SPath, c.DPath, c.AvgPath = strings.Join(sp, " "), strings.Join(dp, " "), strings.Join(ap, " ")
	c.PassSteps, c.AdmSteps = strings.Join(pass, " "), strings.Join(adm, " ")
	return c
}

func shortKind(k string) string {
	switch k {
	case "year_end":
		return "年终"
	case "mid_year":
		return "年中"
	case "special":
		return "专项"
	}
	return k
}

func xy(x, y float64) string { return ff(x) + "," + ff(y) }

func ff(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func viewBox(c TrendChart) string { return "0 0 " + ff(c.W) + " " + ff(c.H) }

func outcomeDot(o rules.Outcome) string {
	switch o {
	case rules.Pass:
		return "dot pass"
	case rules.Reminder:
		return "dot reminder"
	case rules.Admonishment:
		return "dot admonishment"
	}
	return "dot"
}
