package demo

import (
	"testing"

	"pingyi/internal/store"
)

// TestCountyYearsPlanned: every other township has a year, its talk plan names one fate
// per talk its outcomes make, and its commitments fit its six villages.
func TestCountyYearsPlanned(t *testing.T) {
	if len(countyYears) != len(CountyTownships) {
		t.Fatalf("%d years for %d townships", len(countyYears), len(CountyTownships))
	}
	withTalks := 0
	for i, y := range countyYears {
		name := CountyTownships[i].Name
		if len(y.talks) != y.reminders+y.admonishments {
			t.Errorf("%s: %d talk fates for %d talks", name, len(y.talks), y.reminders+y.admonishments)
		}
		if y.turnout < 80 || y.turnout > 98 || y.doubt <= 0 || y.doubt > 80 || y.stalled > 6 {
			t.Errorf("%s: %+v", name, y)
		}
		if len(y.tiers(i)) != y.reminders+y.admonishments {
			t.Errorf("%s: weak subjects %v", name, y.tiers(i))
		}
		if y.talks != "" {
			withTalks++
		}
	}
	if withTalks == 0 || withTalks > len(countyYears)/2 {
		t.Errorf("%d townships with talks: a few, not most", withTalks)
	}
}

// TestSpread: the voters marked down are exactly the share asked for, whatever the offset.
func TestSpread(t *testing.T) {
	for _, tc := range []struct{ n, perMille, offset, want int }{
		{7, 143, 0, 1}, {7, 286, 0, 2}, {7, 0, 0, 0}, {80, 110, 500, 9}, {93, 25, 999, 3}, {100, 1000, 0, 100},
	} {
		got := 0
		for j := range tc.n {
			if spread(j, tc.perMille, tc.offset) {
				got++
			}
		}
		if got != tc.want {
			t.Errorf("spread over %d at %d‰ from %d: %d, want %d", tc.n, tc.perMille, tc.offset, got, tc.want)
		}
	}
	// The Party committee's seven: a reminder marks one down, an admonishment two.
	y := countyYears[0]
	if s := y.shares(tierReminder, store.GroupPeer, 0); s.c3*7/1000 != 1 {
		t.Errorf("reminder: %+v", s)
	}
	if s := y.shares(tierPass, store.GroupPeer, 50); s != (share{}) {
		t.Errorf("pass, peers: %+v", s)
	}
}
