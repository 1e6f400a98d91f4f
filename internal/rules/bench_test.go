package rules

import (
	"fmt"
	"testing"
)

// countyScenario is a county-scale history: 2,000 subjects, 10 rounds over 5 years,
// 3 rater groups, 5 years of ranks.
func countyScenario() Scenario {
	sc := Scenario{Policy: DefaultPolicy(), Weights: map[string]int{"peer": 30, "public": 50, "masses": 20}, Ranks: map[int]map[string]int{}}
	const n = 2000
	for i := 0; i < n; i++ {
		kind := Person
		if i%5 == 0 {
			kind = Organisation
		}
		sc.Subjects = append(sc.Subjects, Subject{ID: fmt.Sprintf("s%04d", i), Kind: kind, VillageCadre: i%3 == 0})
	}
	seed := uint32(7)
	next := func(m int64) int64 { seed = seed*1664525 + 1013904223; return int64(seed>>8) % m }
	for r := 0; r < 10; r++ {
		year := 2021 + r/2
		tallies := make(map[string]map[string]Tally, n)
		for _, s := range sc.Subjects {
			tallies[s.ID] = map[string]Tally{
				"peer":   {next(10) + 3, next(6), next(3), next(2), next(2)},
				"public": {next(40) + 20, next(20), next(8), next(5), next(3)},
				"masses": {next(20) + 5, next(10), next(4), next(3), next(2)},
			}
		}
		sc.Rounds = append(sc.Rounds, Round{ID: fmt.Sprintf("r%d", r), Year: year, Tallies: tallies})
	}
	for y := 2021; y <= 2025; y++ {
		ranks := map[string]int{}
		for i, s := range sc.Subjects {
			ranks[s.ID] = i%40 + 1
		}
		sc.Ranks[y] = ranks
	}
	return sc
}

func BenchmarkEvaluateCounty(b *testing.B) {
	sc := countyScenario()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Evaluate(sc); err != nil {
			b.Fatal(err)
		}
	}
}
