package rules

import (
	"math/big"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAssessLeafStatusAtFixedDates(t *testing.T) {
	// From 1 March to 31 March: 30 days. A lag of 25 points or more is at risk.
	start, deadline := day("2026-03-01"), day("2026-03-31")
	cases := []struct {
		name    string
		entries []Entry
		on      string
		want    ItemStatus
		pct     string
	}{
		{"nothing yet, first day", nil, "2026-03-01", ItemOnTrack, "0.00"},
		{"nothing yet, 7 of 30 days gone (23.3%)", nil, "2026-03-08", ItemOnTrack, "0.00"},
		{"nothing yet, 7.5 days would be 25%: day 8 is 26.7%", nil, "2026-03-09", ItemAtRisk, "0.00"},
		{"lag exactly 25 points is at risk", []Entry{{day("2026-03-02"), 35}}, "2026-03-19", ItemAtRisk, "35.00"}, // 18/30 = 60%
		{"lag just under 25 points is on track", []Entry{{day("2026-03-02"), 36}}, "2026-03-19", ItemOnTrack, "36.00"},
		{"on the deadline, not done, is not yet overdue", []Entry{{day("2026-03-30"), 90}}, "2026-03-31", ItemOnTrack, "90.00"},
		{"on the deadline, half done, is at risk", []Entry{{day("2026-03-30"), 50}}, "2026-03-31", ItemAtRisk, "50.00"},
		{"the day after the deadline, not done, is overdue", []Entry{{day("2026-03-30"), 99}}, "2026-04-01", ItemOverdue, "99.00"},
		{"done late is done", []Entry{{day("2026-04-10"), 100}}, "2026-04-20", ItemDone, "100.00"},
		{"done early is done", []Entry{{day("2026-03-05"), 100}}, "2026-03-06", ItemDone, "100.00"},
		{"an entry dated after the day is not yet known", []Entry{{day("2026-03-05"), 40}, {day("2026-03-20"), 100}}, "2026-03-10", ItemOnTrack, "40.00"},
		{"the latest day wins, not the last made", []Entry{{day("2026-03-20"), 70}, {day("2026-03-10"), 30}}, "2026-03-21", ItemOnTrack, "70.00"},
		{"of one day's entries the last made wins", []Entry{{day("2026-03-20"), 70}, {day("2026-03-20"), 60}}, "2026-03-21", ItemOnTrack, "60.00"},
		{"before the start nothing is late", nil, "2026-02-01", ItemOnTrack, "0.00"},
		{"nothing ever done, long overdue", nil, "2026-12-31", ItemOverdue, "0.00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Assess([]Item{{ID: 1, Start: start, Deadline: deadline, Entries: c.entries}}, day(c.on))[1]
			if got.Status != c.want || Percent(got.Progress) != c.pct {
				t.Fatalf("on %s: %s %s%%, want %s %s%%", c.on, got.Status, Percent(got.Progress), c.want, c.pct)
			}
		})
	}
}

func TestAssessIgnoresTimeOfDayAndZone(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	it := Item{ID: 1, Start: day("2026-01-01"), Deadline: day("2026-06-30")}
	// 23:30 on the deadline in Beijing is still the deadline day.
	if got := Assess([]Item{it}, time.Date(2026, 6, 30, 23, 30, 0, 0, cst))[1].Status; got == ItemOverdue {
		t.Fatalf("late on the deadline day: %s", got)
	}
	if got := Assess([]Item{it}, time.Date(2026, 7, 1, 0, 10, 0, 0, cst))[1].Status; got != ItemOverdue {
		t.Fatalf("just after midnight the day after: %s, want overdue", got)
	}
}

func TestAssessZeroLengthSchedule(t *testing.T) {
	it := Item{ID: 1, Start: day("2026-05-01"), Deadline: day("2026-05-01")}
	if got := Assess([]Item{it}, day("2026-04-30"))[1].Status; got != ItemOnTrack {
		t.Fatalf("before a same-day item: %s", got)
	}
	if got := Assess([]Item{it}, day("2026-05-01"))[1].Status; got != ItemAtRisk {
		t.Fatalf("on the day, nothing done: %s, want at risk", got)
	}
	// A deadline before the start (approved late) is simply due.
	late := Item{ID: 1, Start: day("2026-06-01"), Deadline: day("2026-05-01")}
	if got := Assess([]Item{late}, day("2026-06-01"))[1].Status; got != ItemOverdue {
		t.Fatalf("approved after its deadline: %s, want overdue", got)
	}
}

func TestParentProgressWeightedOrPlain(t *testing.T) {
	start, deadline, on := day("2026-01-01"), day("2026-12-31"), day("2026-02-01")
	leaf := func(id int64, weight, pct int) Item {
		return Item{ID: id, Parent: 1, Start: start, Deadline: deadline, Weight: weight, Entries: []Entry{{day("2026-01-15"), pct}}}
	}
	parent := Item{ID: 1, Start: start, Deadline: deadline, Entries: []Entry{{day("2026-01-15"), 5}}} // ignored
	cases := []struct {
		name     string
		subs     []Item
		pct      string
		exact    *big.Rat
		weighted bool
	}{
		{"plain average of three", []Item{leaf(2, 0, 100), leaf(3, 0, 0), leaf(4, 0, 0)}, "33.33", big.NewRat(1, 3), false},
		{"weights 3:1", []Item{leaf(2, 30, 100), leaf(3, 10, 0)}, "75.00", big.NewRat(3, 4), true},
		{"one weight missing: plain", []Item{leaf(2, 30, 100), leaf(3, 0, 0)}, "50.00", big.NewRat(1, 2), false},
		{"weights 1:2, 50% and 80%", []Item{leaf(2, 1, 50), leaf(3, 2, 80)}, "70.00", big.NewRat(7, 10), true},
		{"weights 2:1 of thirds stay exact", []Item{leaf(2, 2, 1), leaf(3, 1, 0)}, "0.67", big.NewRat(2, 300), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Assess(append([]Item{parent}, c.subs...), on)[1]
			if Percent(got.Progress) != c.pct || got.Progress.Cmp(c.exact) != 0 || got.Weighted != c.weighted || got.Children != len(c.subs) {
				t.Fatalf("parent %s%% (%s) weighted=%v children=%d, want %s%% (%s) weighted=%v",
					Percent(got.Progress), got.Progress, got.Weighted, got.Children, c.pct, c.exact, c.weighted)
			}
		})
	}
}

func TestParentStatusIsItsWorst(t *testing.T) {
	start := day("2026-01-01")
	items := []Item{
		{ID: 1, Start: start, Deadline: day("2026-12-31")},
		{ID: 2, Parent: 1, Start: start, Deadline: day("2026-03-31"), Entries: []Entry{{day("2026-03-01"), 100}}},
		{ID: 3, Parent: 1, Start: start, Deadline: day("2026-06-30"), Entries: []Entry{{day("2026-03-01"), 40}}},
	}
	st := Assess(items, day("2026-07-02"))
	if st[2].Status != ItemDone || st[3].Status != ItemOverdue {
		t.Fatalf("sub-items %s %s", st[2].Status, st[3].Status)
	}
	if st[1].Status != ItemOverdue || Percent(st[1].Progress) != "70.00" {
		t.Fatalf("parent %s %s%%, want overdue at 70%%", st[1].Status, Percent(st[1].Progress))
	}
	if !st[1].LastUpdate.Equal(day("2026-03-01")) {
		t.Fatalf("parent last update %v", st[1].LastUpdate)
	}
	// Both done: the parent is done, even past its own deadline.
	items[2].Entries = append(items[2].Entries, Entry{day("2026-07-01"), 100})
	st = Assess(items, day("2027-01-05"))
	if st[1].Status != ItemDone {
		t.Fatalf("parent with every sub-item done: %s", st[1].Status)
	}
}

func TestFulfilmentCountsTopLevelItems(t *testing.T) {
	start := day("2026-01-01")
	items := []Item{
		{ID: 1, Start: start, Deadline: day("2026-06-30"), Entries: []Entry{{day("2026-06-01"), 100}}},
		{ID: 2, Start: start, Deadline: day("2026-12-31")},
		{ID: 3, Parent: 2, Start: start, Deadline: day("2026-12-31"), Entries: []Entry{{day("2026-06-01"), 100}}},
		{ID: 4, Parent: 2, Start: start, Deadline: day("2026-12-31"), Entries: []Entry{{day("2026-06-01"), 90}}},
		{ID: 5, Start: start, Deadline: day("2026-12-31"), Entries: []Entry{{day("2026-12-30"), 100}}},
	}
	f := FulfilmentOf(items, Assess(items, day("2026-12-31")))
	if f.Done != 2 || f.Total != 3 || f.Rate().Cmp(big.NewRat(2, 3)) != 0 || Percent(f.Rate()) != "66.67" {
		t.Fatalf("fulfilment %+v rate %s", f, f.Rate())
	}
	// On 30 June only the first is done; 1 of 3 exactly.
	f = FulfilmentOf(items, Assess(items, day("2026-06-30")))
	if f.Done != 1 || f.Rate().Cmp(big.NewRat(1, 3)) != 0 {
		t.Fatalf("at mid-year %+v", f)
	}
	if (Fulfilment{}).Rate() != nil {
		t.Fatal("no items: no rate")
	}
}

func TestDueInMonthAndQuarter(t *testing.T) {
	on := day("2026-11-23")
	cases := []struct {
		deadline string
		status   ItemStatus
		want     bool
	}{
		{"2026-11-30", ItemOnTrack, true},
		{"2026-11-23", ItemAtRisk, true},
		{"2026-11-30", ItemDone, false},
		{"2026-11-20", ItemOverdue, false},
		{"2026-12-01", ItemOnTrack, false},
		{"2025-11-30", ItemOnTrack, false},
	}
	for _, c := range cases {
		if got := DueInMonth(day(c.deadline), c.status, on); got != c.want {
			t.Errorf("DueInMonth(%s, %s) = %v", c.deadline, c.status, got)
		}
	}
	for s, q := range map[string]int{"2026-01-01": 1, "2026-03-31": 1, "2026-04-01": 2, "2026-09-30": 3, "2026-10-01": 4, "2026-12-31": 4} {
		if Quarter(day(s)) != q {
			t.Errorf("Quarter(%s) = %d, want %d", s, Quarter(day(s)), q)
		}
	}
}
