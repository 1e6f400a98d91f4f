package rulescli

import (
	"bytes"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"pingyi/internal/rules"
)

// FuzzEvaluate feeds scenarios to the decoder and the rules and checks the method's
// invariants on everything that decodes.
func FuzzEvaluate(f *testing.F) {
	ins, err := filepath.Glob("testdata/examples/*.in.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range ins {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"groups":{"g":100},"subjects":[{"id":"a","kind":"person"}],"rounds":[{"id":"r","year":2024,"tallies":{"a":{"g":[0,0,0,0,3]}}}]}`))
	// What encoding/json alone would read other than as written.
	f.Add([]byte(`{"policy":{"PASS_PCT":50},"groups":{"g":100,"g":0},"subjects":[{"id":"a\ud800","kind":"person","village_cadre":null}],"ranks":{"02024":{"a":1},"2024":{"a":9}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out, errb bytes.Buffer
		code := Run(bytes.NewReader(data), &out, &errb) // must not panic on any input
		var out2, errb2 bytes.Buffer
		if code2 := Run(bytes.NewReader(data), &out2, &errb2); code2 != code || !bytes.Equal(out.Bytes(), out2.Bytes()) || !bytes.Equal(errb.Bytes(), errb2.Bytes()) {
			t.Fatalf("two runs differ:\n%d %s%s\n%d %s%s", code, out.Bytes(), errb.Bytes(), code2, out2.Bytes(), errb2.Bytes())
		}
		if code != 0 && (out.Len() != 0 || bytes.Count(errb.Bytes(), []byte("\n")) != 1) {
			t.Fatalf("exit %d: stdout %q, stderr %q: want nothing and one line", code, out.Bytes(), errb.Bytes())
		}
		sc, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		ev, err := rules.Evaluate(sc)
		if err != nil {
			t.Fatalf("decoded scenario failed to evaluate: %v", err)
		}
		checkBounds(t, ev)
		checkReorder(t, sc, ev)
		checkMonotone(t, sc, ev)
	})
}

func checkBounds(t *testing.T, ev rules.Evaluation) {
	zero, one := new(big.Rat), big.NewRat(1, 1)
	for _, r := range ev.Rounds {
		for _, res := range r.Results {
			if !res.Rates.HasResult() {
				continue
			}
			s, d := res.Rates.S, res.Rates.D
			if s.Cmp(zero) < 0 || s.Cmp(one) > 0 || d.Cmp(zero) < 0 || d.Cmp(one) > 0 {
				t.Fatalf("rates out of [0,1]: S=%s D=%s", s, d)
			}
			if new(big.Rat).Add(s, d).Cmp(one) > 0 {
				t.Fatalf("S+D > 1: S=%s D=%s", s, d)
			}
		}
	}
}

// checkReorder reverses the subjects and renames the groups so they sort the other way:
// every subject's results must be the same.
func checkReorder(t *testing.T, sc rules.Scenario, ev rules.Evaluation) {
	rename := func(w map[string]int) map[string]int {
		if w == nil {
			return nil
		}
		m := map[string]int{}
		for g, v := range w {
			m[flip(g)] = v
		}
		return m
	}
	alt := sc
	alt.Subjects = slices.Clone(sc.Subjects)
	slices.Reverse(alt.Subjects)
	alt.Weights = rename(sc.Weights)
	alt.Rounds = nil
	for _, r := range sc.Rounds {
		nr := r
		nr.Weights = rename(r.Weights)
		nr.Tallies = map[string]map[string]rules.Tally{}
		for s, gs := range r.Tallies {
			m := map[string]rules.Tally{}
			for g, tl := range gs {
				m[flip(g)] = tl
			}
			nr.Tallies[s] = m
		}
		alt.Rounds = append(alt.Rounds, nr)
	}
	ev2, err := rules.Evaluate(alt)
	if err != nil {
		t.Fatalf("reordered scenario: %v", err)
	}
	if !reflect.DeepEqual(summary(ev), summary(ev2)) {
		t.Fatalf("reordering changed results:\n%v\n%v", summary(ev), summary(ev2))
	}
}

// flip maps a group name to one that sorts in the opposite order among its peers.
func flip(g string) string {
	b := []byte(g)
	for i := range b {
		b[i] = 255 - b[i]
	}
	return "x" + string(b)
}

func summary(ev rules.Evaluation) map[string]string {
	m := map[string]string{}
	for _, r := range ev.Rounds {
		for _, res := range r.Results {
			m[r.ID+"/"+res.Subject] = rules.Percent(res.Rates.S) + " " + rules.Percent(res.Rates.D) + " " + string(res.Outcome) + " " + boolStr(res.Document) + boolStr(res.Referral)
		}
	}
	for _, y := range ev.Years {
		for _, s := range y.Results {
			m[string(rune(y.Year))+"/"+s.Subject] = boolStr(s.Eligible) + boolStr(s.Excellent) + string(rune('0'+s.Streak)) + " " + awardsStr(s.Awards)
		}
	}
	return m
}

func awardsStr(a []rules.Award) string {
	s := ""
	for _, x := range a {
		s += string(x) + ","
	}
	return s
}

func boolStr(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

// checkMonotone adds one level-1 vote to the first subject in each round's first group
// with a positive weight: its outcome in that round must not get worse.
func checkMonotone(t *testing.T, sc rules.Scenario, ev rules.Evaluation) {
	for i, r := range sc.Rounds {
		w := sc.Weights
		if r.Weights != nil {
			w = r.Weights
		}
		for _, res := range ev.Rounds[i].Results {
			for g := range w {
				bumped := sc
				bumped.Rounds = slices.Clone(sc.Rounds)
				nr := r
				nr.Tallies = map[string]map[string]rules.Tally{}
				for s, gs := range r.Tallies {
					nr.Tallies[s] = gs
				}
				gs := map[string]rules.Tally{}
				for k, v := range r.Tallies[res.Subject] {
					gs[k] = v
				}
				tl := gs[g]
				tl[rules.Level1]++
				gs[g] = tl
				nr.Tallies[res.Subject] = gs
				bumped.Rounds[i] = nr
				ev2, err := rules.Evaluate(bumped)
				if err != nil {
					t.Fatalf("bumped scenario: %v", err)
				}
				for _, res2 := range ev2.Rounds[i].Results {
					if res2.Subject != res.Subject {
						continue
					}
					if res.Outcome != rules.NoResult && res2.Outcome.Severity() > res.Outcome.Severity() {
						t.Fatalf("one more level-1 vote in %q made %s worse: %s -> %s", g, res.Subject, res.Outcome, res2.Outcome)
					}
				}
				break // one group per subject keeps the fuzzer fast
			}
		}
	}
}
