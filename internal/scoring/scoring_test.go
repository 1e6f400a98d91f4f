package scoring

import (
	"math/big"
	"strings"
	"testing"
)

func TestClauseScore(t *testing.T) {
	c := Clause{ID: 1, Max: 500, BonusCap: 200}
	for _, tc := range []struct {
		name  string
		e     Entry
		neg   bool
		want  int64
		veto  bool
		extra string
	}{
		{name: "full marks", e: Entry{Points: 500}, want: 500},
		{name: "points held to the maximum", e: Entry{Points: 900}, want: 500},
		{name: "bonus under the cap", e: Entry{Points: 500, Bonus: 150}, want: 650},
		{name: "bonus exactly the cap", e: Entry{Points: 500, Bonus: 200}, want: 700},
		{name: "bonus over the cap counts the cap", e: Entry{Points: 500, Bonus: 700}, want: 700},
		{name: "deduction", e: Entry{Points: 500, Deduction: 125}, want: 375},
		{name: "deduction stops at zero (扣完为止)", e: Entry{Points: 100, Deduction: 400}, want: 0},
		{name: "deduction below zero when the template allows it", e: Entry{Points: 100, Deduction: 400}, neg: true, want: -300},
		{name: "bonus and deduction", e: Entry{Points: 300, Bonus: 300, Deduction: 100}, want: 400},
	} {
		if got := ClauseScore(c, tc.e, tc.neg); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := ClauseScore(Clause{Max: 0, BonusCap: 500}, Entry{Bonus: 800}, false); got != 500 {
		t.Errorf("pure bonus clause (+5 cap): got %d", got)
	}
}

func TestScoreTotals(t *testing.T) {
	plain := Template{
		Areas: []Area{{Name: "党建"}, {Name: "发展"}, {Name: "加分"}, {Name: "否决"}},
		Clauses: []Clause{
			{ID: 1, Area: 0, Max: 4000},
			{ID: 2, Area: 1, Max: 6000},
			{ID: 3, Area: 2, Max: 0, BonusCap: 500},
			{ID: 4, Area: 3, Max: 0, Veto: true},
		},
	}
	weighted := plain
	weighted.Areas = []Area{{Name: "党建", Weight: 30}, {Name: "发展", Weight: 70}, {Name: "加分"}, {Name: "否决"}}
	for _, tc := range []struct {
		name    string
		tpl     Template
		entries map[int64]Entry
		total   string
		pct     string // exact fraction of the maximum
		vetoed  bool
	}{
		{"empty sheet", plain, map[int64]Entry{}, "0", "0", false},
		{"sum of clauses", plain, map[int64]Entry{1: {Points: 3550}, 2: {Points: 5825}}, "375/4", "15/16", false},
		{"bonus capped at +5", plain, map[int64]Entry{1: {Points: 4000}, 2: {Points: 6000}, 3: {Bonus: 800}}, "105", "21/20", false},
		{"veto keeps the total but marks the sheet", plain, map[int64]Entry{1: {Points: 4000}, 2: {Points: 6000}, 4: {Vetoed: true}}, "100", "1", true},
		{"a veto clause without a veto is no veto", plain, map[int64]Entry{1: {Points: 4000}, 4: {Vetoed: false}}, "40", "2/5", false},
		// Weighted: 党建 30% of 100 by 20/40, 发展 70% of 100 by 60/60: 15 + 70 = 85.
		{"weighted sections", weighted, map[int64]Entry{1: {Points: 2000}, 2: {Points: 6000}}, "85", "17/20", false},
		// 党建 full, 发展 1/3: 30 + 70/3 = 160/3, exactly, not 53.33.
		{"weighted thirds stay exact", weighted, map[int64]Entry{1: {Points: 4000}, 2: {Points: 2000}}, "160/3", "8/15", false},
		{"weighted plus bonus", weighted, map[int64]Entry{1: {Points: 4000}, 2: {Points: 6000}, 3: {Bonus: 300}}, "103", "103/100", false},
	} {
		s := Score(tc.tpl, tc.entries)
		if s.Total.RatString() != tc.total {
			t.Errorf("%s: total %s, want %s", tc.name, s.Total.RatString(), tc.total)
		}
		if got := s.Percent().RatString(); got != tc.pct {
			t.Errorf("%s: share %s, want %s", tc.name, got, tc.pct)
		}
		if s.Vetoed != tc.vetoed {
			t.Errorf("%s: vetoed %v", tc.name, s.Vetoed)
		}
		if s.Max.RatString() != "100" {
			t.Errorf("%s: max %s", tc.name, s.Max.RatString())
		}
	}
}

func TestTemplateValidate(t *testing.T) {
	ok := Template{Areas: []Area{{Name: "a", Weight: 30}, {Name: "b", Weight: 70}, {Name: "c"}},
		Clauses: []Clause{{Area: 0, Max: 1}, {Area: 1, Max: 1}, {Area: 2, BonusCap: 5}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Areas = []Area{{Name: "a", Weight: 30}, {Name: "b", Weight: 60}, {Name: "c"}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "合计须为 100%,现为 90%") {
		t.Errorf("weights summing to 90: %v", err)
	}
	bad.Areas = []Area{{Name: "a", Weight: 30}, {Name: "b", Weight: 70}, {Name: "c", Weight: 0}}
	bad.Clauses = []Clause{{Area: 0, Max: 1}, {Area: 2, Max: 1}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "加权的「b」须有分值") {
		t.Errorf("a weighted area without points: %v", err)
	}
}

func rat(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }

func TestRankCompetitionTiesAndVetoes(t *testing.T) {
	got := Rank([]Ranked{
		{Key: "a", Total: rat("95")},
		{Key: "b", Total: rat("97.5")},
		{Key: "c", Total: rat("95")},
		{Key: "d", Total: rat("90")},
		{Key: "v", Total: rat("99"), Vetoed: true}, // best total, vetoed: last
		{Key: "w", Total: rat("10"), Vetoed: true},
		{Key: "n"},                      // not scored
		{Key: "x", Total: rat("190/2")}, // 95 exactly: ties a and c
		{Key: "y", Total: rat("9499999/100000")},
	})
	want := map[string]int{"b": 1, "a": 2, "c": 2, "x": 2, "y": 5, "d": 6, "v": 7, "w": 7, "n": 0}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: rank %d, want %d", k, got[k], w)
		}
	}
}

func TestBandsAtTheBoundaries(t *testing.T) {
	b := DefaultBands()
	sheet := func(total string, vetoed bool) Sheet {
		return Sheet{Total: rat(total), Max: rat("100"), Vetoed: vetoed}
	}
	for _, tc := range []struct {
		total  string
		vetoed bool
		want   Band
	}{
		{"90", false, Advanced},
		{"8999999/100000", false, Normal}, // 89.99999 is not 90
		{"75", false, Normal},
		{"7499/100", false, Backward},
		{"100", true, Backward},
		{"0", false, Backward},
	} {
		if got := b.Classify(sheet(tc.total, tc.vetoed), true); got != tc.want {
			t.Errorf("%s vetoed=%v: %s, want %s", tc.total, tc.vetoed, got, tc.want)
		}
	}
	if got := b.Classify(sheet("95", false), false); got != "" {
		t.Errorf("unscored: %q", got)
	}
	// A 1000-point sheet: 900 is 90%.
	if got := b.Classify(Sheet{Total: rat("900"), Max: rat("1000")}, true); got != Advanced {
		t.Errorf("900/1000: %s", got)
	}
}

func TestMovement(t *testing.T) {
	for _, tc := range []struct {
		prev, cur Band
		want      string
	}{
		{Normal, Advanced, "升级"}, {Backward, Normal, "升级"}, {Advanced, Backward, "降级"}, {Normal, Normal, "持平"}, {"", Advanced, ""},
	} {
		if got := Movement(tc.prev, tc.cur); got != tc.want {
			t.Errorf("%s→%s: %q", tc.prev, tc.cur, got)
		}
	}
	for _, tc := range []struct {
		prev, cur int
		want      string
	}{{3, 1, "↑2"}, {1, 4, "↓3"}, {2, 2, "持平"}, {0, 2, ""}} {
		if got := RankMove(tc.prev, tc.cur); got != tc.want {
			t.Errorf("%d→%d: %q", tc.prev, tc.cur, got)
		}
	}
}

func TestPointsParseAndFormat(t *testing.T) {
	for in, want := range map[string]int64{"12.5": 1250, "3": 300, "0.05": 5, "1000": 100000, " 7.25 ": 725, "-2": -200} {
		if got, ok := ParsePoints(in); !ok || got != want {
			t.Errorf("ParsePoints(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "1.234", "1e3", "abc", "1.", ".5", "1,5", "NaN", "99999999"} {
		if _, ok := ParsePoints(bad); ok {
			t.Errorf("ParsePoints(%q) accepted", bad)
		}
	}
	for h, want := range map[int64]string{1250: "12.5", 300: "3", 5: "0.05", 0: "0", -150: "-1.5"} {
		if got := FormatPoints(h); got != want {
			t.Errorf("FormatPoints(%d) = %q", h, got)
		}
	}
	for in, want := range map[string]string{"160/3": "53.33", "1/200": "0.01", "1/201": "0.00", "-1/3": "-0.33", "105": "105.00"} {
		if got := Format(rat(in)); got != want {
			t.Errorf("Format(%s) = %q, want %q", in, got, want)
		}
	}
}
