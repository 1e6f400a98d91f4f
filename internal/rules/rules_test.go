package rules

import (
	"math/big"
	"testing"
)

func one(groups map[string]int, tallies map[string]Tally) (Outcome, Rates) {
	r := Weigh(groups, tallies)
	o, _ := Decide(DefaultPolicy(), r)
	return o, r
}

func TestThresholdsFromBothSides(t *testing.T) {
	only := map[string]int{"public": 100}
	cases := []struct {
		name string
		t    Tally
		want Outcome
		s, d string
	}{
		{"S 91 pass", Tally{91, 0, 9, 0, 0}, Pass, "91.00", "0.00"},
		{"S exactly 90 pass", Tally{90, 0, 10, 0, 0}, Pass, "90.00", "0.00"},
		{"S 89 reminder", Tally{89, 0, 11, 0, 0}, Reminder, "89.00", "0.00"},
		{"9 of 10 is 90", Tally{5, 4, 1, 0, 0}, Pass, "90.00", "0.00"},
		{"S 81 reminder", Tally{81, 0, 19, 0, 0}, Reminder, "81.00", "0.00"},
		{"S exactly 80 reminder", Tally{80, 0, 20, 0, 0}, Reminder, "80.00", "0.00"},
		{"S 79 admonishment", Tally{79, 0, 21, 0, 0}, Admonishment, "79.00", "0.00"},
		{"D 9 pass", Tally{91, 0, 0, 9, 0}, Pass, "91.00", "9.00"},
		{"D exactly 10 reminder", Tally{90, 0, 0, 10, 0}, Reminder, "90.00", "10.00"},
		{"D 11 reminder", Tally{89, 0, 0, 11, 0}, Reminder, "89.00", "11.00"},
		{"D 19 reminder", Tally{81, 0, 0, 19, 0}, Reminder, "81.00", "19.00"},
		{"D exactly 20 admonishment", Tally{80, 0, 0, 20, 0}, Admonishment, "80.00", "20.00"},
		{"D 21 admonishment", Tally{79, 0, 0, 21, 0}, Admonishment, "79.00", "21.00"},
		{"abstentions are not valid votes", Tally{9, 0, 1, 0, 50}, Pass, "90.00", "0.00"},
		{"just under 90 is not 90", Tally{8999, 0, 1001, 0, 0}, Reminder, "89.99", "0.00"},
		{"89.995 shows 90.00 but is below", Tally{17999, 0, 2001, 0, 0}, Reminder, "90.00", "0.00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, r := one(only, map[string]Tally{"public": c.t})
			if got != c.want {
				t.Errorf("outcome %s, want %s", got, c.want)
			}
			if Percent(r.S) != c.s || Percent(r.D) != c.d {
				t.Errorf("S=%s D=%s, want %s %s", Percent(r.S), Percent(r.D), c.s, c.d)
			}
		})
	}
}

func TestWeightedExactNinety(t *testing.T) {
	// 30% × 7/9 + 70% × 20/21 = 7/30 + 2/3 = 9/10 exactly.
	got, r := one(map[string]int{"peer": 30, "public": 70}, map[string]Tally{
		"peer": {7, 0, 2, 0, 0}, "public": {20, 0, 1, 0, 0},
	})
	if r.S.Cmp(big.NewRat(9, 10)) != 0 || got != Pass {
		t.Fatalf("S=%s outcome %s, want exactly 9/10 and pass", r.S.RatString(), got)
	}
}

func TestRenormalisesWithoutAGroup(t *testing.T) {
	_, r := one(map[string]int{"peer": 40, "public": 60}, map[string]Tally{
		"peer": {0, 0, 0, 0, 7}, "public": {17, 0, 3, 0, 0},
	})
	if Percent(r.S) != "85.00" {
		t.Fatalf("S=%s, want 85.00 from public alone", Percent(r.S))
	}
	o, _ := one(map[string]int{"peer": 40, "public": 60}, map[string]Tally{"peer": {0, 0, 0, 0, 3}})
	if o != NoResult {
		t.Fatalf("all abstain: %s, want no_result", o)
	}
}

func TestPercentRoundsHalfUp(t *testing.T) {
	for _, c := range []struct {
		n, d int64
		want string
	}{{1, 3, "33.33"}, {2, 3, "66.67"}, {1, 8, "12.50"}, {1, 80000, "0.00"}, {1, 20000, "0.01"}, {1, 1, "100.00"}, {0, 1, "0.00"}, {7, 200, "3.50"}} {
		if got := Percent(big.NewRat(c.n, c.d)); got != c.want {
			t.Errorf("Percent(%d/%d)=%s, want %s", c.n, c.d, got, c.want)
		}
	}
}

var (
	pass  = map[string]Tally{"g": {10, 0, 0, 0, 0}}
	remi  = map[string]Tally{"g": {85, 0, 15, 0, 0}}
	admo  = map[string]Tally{"g": {5, 0, 5, 0, 0}}
	blank = map[string]Tally{"g": {0, 0, 0, 0, 4}}
)

func history(subject Subject, years []int, tallies []map[string]Tally) Scenario {
	sc := Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"g": 100}, Subjects: []Subject{subject}, Ranks: map[int]map[string]int{}}
	for i, tl := range tallies {
		sc.Rounds = append(sc.Rounds, Round{ID: string(rune('a' + i)), Year: years[i], Tallies: map[string]map[string]Tally{subject.ID: tl}})
	}
	return sc
}

func TestEscalationResets(t *testing.T) {
	li := Subject{ID: "li", Kind: Person}
	cases := []struct {
		name    string
		rounds  []map[string]Tally
		k       []int
		docs    []bool
		referal []bool
	}{
		{"reminder resets", []map[string]Tally{admo, admo, remi, admo}, []int{1, 2, 0, 1}, []bool{false, true, false, false}, []bool{false, false, false, false}},
		{"no result resets", []map[string]Tally{admo, blank, admo, admo}, []int{1, 0, 1, 2}, []bool{false, false, false, true}, []bool{false, false, false, false}},
		{"three in a row refers", []map[string]Tally{admo, admo, admo, admo}, []int{1, 2, 3, 4}, []bool{false, true, true, true}, []bool{false, false, true, true}},
		{"pass resets", []map[string]Tally{admo, admo, pass, admo}, []int{1, 2, 0, 1}, []bool{false, true, false, false}, []bool{false, false, false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Evaluate(history(li, []int{2021, 2022, 2023, 2024}, c.rounds))
			if err != nil {
				t.Fatal(err)
			}
			for i, rr := range ev.Rounds {
				res := rr.Results[0]
				if res.Consecutive != c.k[i] || res.Document != c.docs[i] || res.Referral != c.referal[i] {
					t.Errorf("round %d: k=%d doc=%v ref=%v, want k=%d doc=%v ref=%v", i, res.Consecutive, res.Document, res.Referral, c.k[i], c.docs[i], c.referal[i])
				}
			}
		})
	}
}

func TestAbsentRoundDoesNotBreakEscalation(t *testing.T) {
	sc := Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"g": 100},
		Subjects: []Subject{{ID: "a", Kind: Person}, {ID: "b", Kind: Person}},
		Rounds: []Round{
			{ID: "1", Year: 2024, Tallies: map[string]map[string]Tally{"a": admo}},
			{ID: "2", Year: 2024, Tallies: map[string]map[string]Tally{"b": pass}},
			{ID: "3", Year: 2025, Tallies: map[string]map[string]Tally{"a": admo}},
		}}
	ev, err := Evaluate(sc)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Rounds[2].Results[0].Document {
		t.Fatal("a round the subject did not take part in must not reset its escalation")
	}
}

func yearOf(t *testing.T, ev Evaluation, year int, subj string) SubjectYear {
	t.Helper()
	for _, y := range ev.Years {
		if y.Year != year {
			continue
		}
		for _, s := range y.Results {
			if s.Subject == subj {
				return s
			}
		}
	}
	t.Fatalf("no year %d result for %s", year, subj)
	return SubjectYear{}
}

func TestStreakGapAndVillageAwards(t *testing.T) {
	zhao := Subject{ID: "zhao", Kind: Person, VillageCadre: true}
	sc := history(zhao, []int{2021, 2022, 2024, 2025, 2026}, []map[string]Tally{pass, pass, pass, pass, pass})
	for _, y := range []int{2021, 2022, 2024, 2025, 2026} {
		sc.Ranks[y] = map[string]int{"zhao": 1}
	}
	ev, err := Evaluate(sc)
	if err != nil {
		t.Fatal(err)
	}
	wantStreak := map[int]int{2021: 1, 2022: 2, 2024: 1, 2025: 2, 2026: 3}
	for y, n := range wantStreak {
		if got := yearOf(t, ev, y, "zhao").Streak; got != n {
			t.Errorf("%d streak %d, want %d", y, got, n)
		}
	}
	aw := yearOf(t, ev, 2026, "zhao").Awards
	want := []Award{TownshipCommendation, CountyRecommendation, PayRise10, ReserveCadre, CivilServiceRecommendation}
	if len(aw) != len(want) {
		t.Fatalf("awards %v, want %v", aw, want)
	}
	for i := range want {
		if aw[i] != want[i] {
			t.Fatalf("awards %v, want %v", aw, want)
		}
	}
}

func TestTiesInRank(t *testing.T) {
	sc := Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"g": 100}, Ranks: map[int]map[string]int{2025: {"a": 1, "b": 2, "c": 2, "d": 4}}}
	tallies := map[string]map[string]Tally{}
	for _, id := range []string{"a", "b", "c", "d"} {
		sc.Subjects = append(sc.Subjects, Subject{ID: id, Kind: Organisation})
		tallies[id] = pass
	}
	sc.Rounds = []Round{{ID: "r", Year: 2025, Tallies: tallies}}
	ev, err := Evaluate(sc)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"a": true, "b": true, "c": true, "d": false} {
		if got := yearOf(t, ev, 2025, id).Excellent; got != want {
			t.Errorf("%s excellent=%v, want %v", id, got, want)
		}
	}
}

func TestEligibilityCountsHandTalks(t *testing.T) {
	wang := Subject{ID: "wang", Kind: Person}
	base := history(wang, []int{2025}, []map[string]Tally{remi})
	base.Ranks[2025] = map[string]int{"wang": 1}
	ev, err := Evaluate(base)
	if err != nil {
		t.Fatal(err)
	}
	if s := yearOf(t, ev, 2025, "wang"); !s.Eligible || s.Excellent {
		t.Errorf("one reminder: eligible=%v excellent=%v, want eligible, not excellent", s.Eligible, s.Excellent)
	}
	base.Talks = []Talk{{Subject: "wang", Year: 2025, Kind: ReminderTalk}}
	ev, err = Evaluate(base)
	if err != nil {
		t.Fatal(err)
	}
	if s := yearOf(t, ev, 2025, "wang"); s.Eligible {
		t.Error("a round's reminder and a hand-recorded one make two: not eligible")
	}
	passing := history(wang, []int{2025}, []map[string]Tally{pass})
	passing.Ranks[2025] = map[string]int{"wang": 1}
	passing.Talks = []Talk{{Subject: "wang", Year: 2025, Kind: AdmonishmentTalk}}
	ev, err = Evaluate(passing)
	if err != nil {
		t.Fatal(err)
	}
	if s := yearOf(t, ev, 2025, "wang"); s.Eligible || s.Excellent {
		t.Error("a hand-recorded admonishment removes eligibility and so 优")
	}
	// Talks do not count toward round escalation.
	esc := history(wang, []int{2025}, []map[string]Tally{admo})
	esc.Talks = []Talk{{Subject: "wang", Year: 2024, Kind: AdmonishmentTalk}}
	ev, err = Evaluate(esc)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Rounds[0].Results[0].Document {
		t.Error("a hand-recorded talk must not count toward the consecutive-round escalation")
	}
}

func TestNoResultRoundDoesNotSpoilTheYear(t *testing.T) {
	s := Subject{ID: "s", Kind: Organisation}
	sc := history(s, []int{2025, 2025}, []map[string]Tally{pass, blank})
	sc.Ranks[2025] = map[string]int{"s": 3}
	ev, err := Evaluate(sc)
	if err != nil {
		t.Fatal(err)
	}
	if !yearOf(t, ev, 2025, "s").Excellent {
		t.Error("a round with no result is not counted against 优")
	}
	only := history(s, []int{2025}, []map[string]Tally{blank})
	only.Ranks[2025] = map[string]int{"s": 1}
	ev, err = Evaluate(only)
	if err != nil {
		t.Fatal(err)
	}
	if yearOf(t, ev, 2025, "s").Excellent {
		t.Error("a year needs at least one round with a result to be 优")
	}
}

func TestExplanations(t *testing.T) {
	_, reasons := Decide(DefaultPolicy(), Weigh(map[string]int{"peer": 30, "public": 70}, map[string]Tally{
		"peer": {6, 3, 1, 0, 0}, "public": {40, 45, 10, 5, 2},
	}))
	if len(reasons) != 1 || reasons[0] != "加权满意率 86.50% 不足 90%,触发提醒谈话" {
		t.Fatalf("reasons %q", reasons)
	}
	_, reasons = Decide(DefaultPolicy(), Weigh(map[string]int{"g": 100}, map[string]Tally{"g": {17999, 0, 2001, 0, 0}}))
	if reasons[0] != "加权满意率 89.9950…% 不足 90%,触发提醒谈话" {
		t.Fatalf("a figure that rounds to the threshold must not read as the threshold: %q", reasons)
	}
}

func TestPriorAdmonishmentsEscalate(t *testing.T) {
	sc := history(Subject{ID: "li", Kind: Person}, []int{2025}, []map[string]Tally{admo})
	sc.PriorAdmonishments = map[string]int{"li": 1}
	ev, err := Evaluate(sc)
	if err != nil {
		t.Fatal(err)
	}
	if r := ev.Rounds[0].Results[0]; !r.Document || r.Referral || r.Consecutive != 2 {
		t.Fatalf("one prior admonishment + this one: k=%d doc=%v ref=%v, want 2 true false", r.Consecutive, r.Document, r.Referral)
	}
}

// TestValidateNamesTheSameFault: a scenario with several faults in its maps names the
// same one on every call, whatever order Go's maps are visited in.
func TestValidateNamesTheSameFault(t *testing.T) {
	subjects := []Subject{{ID: "b", Kind: Person}, {ID: "a", Kind: Person}}
	cases := map[string]struct {
		sc   Scenario
		want string
	}{
		"weights": {Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"z": -1, "y": -2, "x": 203}, Subjects: subjects},
			`group "x" weight must be between 0 and 100, got 203`},
		"counts, in subject order": {Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"p": 50, "q": 50}, Subjects: subjects,
			Rounds: []Round{{ID: "r", Year: 2024, Tallies: map[string]map[string]Tally{
				"a": {"p": {-1, 0, 0, 0, 0}}, "b": {"q": {-2, 0, 0, 0, 0}, "p": {-3, 0, 0, 0, 0}}}}}},
			`round "r": subject "b": group "p": negative count -3`},
		"unknown groups": {Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"p": 100}, Subjects: subjects,
			Rounds: []Round{{ID: "r", Year: 2024, Tallies: map[string]map[string]Tally{"a": {"n": {}, "m": {}, "o": {}}}}}},
			`round "r": subject "a": unknown group "m"`},
		"unknown subjects": {Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"p": 100}, Subjects: subjects,
			Rounds: []Round{{ID: "r", Year: 2024, Tallies: map[string]map[string]Tally{"d": {}, "c": {}, "e": {}}}}},
			`round "r": unknown subject "c"`},
		"ranks": {Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"p": 100}, Subjects: subjects,
			Ranks: map[int]map[string]int{2025: {"zz": 1}, 2024: {"y": 1, "x": 2, "a": 1}}},
			`ranks 2024: unknown subject "x"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			for range 100 {
				err := c.sc.Validate()
				if err == nil || err.Error() != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
			}
		})
	}
}
