package rules

import (
	"math/big"
	"testing"
)

func TestCriteriaForEachKind(t *testing.T) {
	cases := []struct {
		kind    Kind
		persons CriteriaSet
		want    CriteriaSet
		first   string
	}{
		{Organisation, FiveHaves, FiveGoods, "领导班子好"},
		{Organisation, FiveLeads, FiveGoods, "领导班子好"},
		{Person, FiveHaves, FiveHaves, "事业有建树"},
		{Person, "", FiveHaves, "事业有建树"},
		{Person, FiveLeads, FiveLeads, "带头学习提高"},
	}
	for _, c := range cases {
		got := CriteriaFor(c.kind, c.persons)
		if got != c.want || got.Criteria()[0] != c.first || !got.Valid() {
			t.Errorf("%s with persons on %q: %q (%s), want %q", c.kind, c.persons, got, got.Criteria()[0], c.want)
		}
	}
	for _, s := range []CriteriaSet{FiveGoods, FiveHaves, FiveLeads} {
		seen := map[string]bool{}
		for _, c := range s.Criteria() {
			if c == "" || seen[c] {
				t.Errorf("%s: criterion %q empty or repeated", s.Label(), c)
			}
			seen[c] = true
		}
	}
	if CriteriaSet("x").Valid() || CriteriaSet("x").Label() != "" {
		t.Error("an unknown set is valid")
	}
}

func TestCriterionSatisfactionIsWeighedLikeTheOverallRating(t *testing.T) {
	w := map[string]int{"peer": 30, "public": 70}
	cases := []struct {
		name    string
		tallies map[string]CriterionTally
		want    *big.Rat // nil: no result
	}{
		// 30% × 7/9 + 70% × 20/21 = 9/10 exactly, as in TestWeightedExactNinety.
		{"exact ninety", map[string]CriterionTally{"peer": {7, 0, 2, 0}, "public": {20, 0, 1, 0}}, big.NewRat(9, 10)},
		// A group nobody rated drops out; the other's weight is renormalised to 1.
		{"one group rated", map[string]CriterionTally{"peer": {0, 0, 0, 0}, "public": {1, 1, 1, 1}}, big.NewRat(1, 2)},
		{"absent group", map[string]CriterionTally{"public": {3, 0, 0, 1}}, big.NewRat(3, 4)},
		{"nobody rated", map[string]CriterionTally{"peer": {}, "public": {}}, nil},
		{"no tallies", nil, nil},
	}
	for _, c := range cases {
		got := CriterionSatisfaction(w, c.tallies)
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: %s, want no result", c.name, got.RatString())
		case c.want != nil && (got == nil || got.Cmp(c.want) != 0):
			t.Errorf("%s: %v, want %s", c.name, got, c.want.RatString())
		}
	}
	if n := (CriterionTally{1, 2, 3, 4}).Rated(); n != 10 {
		t.Errorf("rated %d", n)
	}
}
