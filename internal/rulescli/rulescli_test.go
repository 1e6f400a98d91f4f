package rulescli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// exampleDirs are the project's copy of the worked examples and, when present beside
// the checkout, the shared spec's own folder (which may have gained examples).
func exampleDirs() []string {
	dirs := []string{"testdata/examples"}
	if _, err := os.Stat("../../../shared/spec/examples"); err == nil {
		dirs = append(dirs, "../../../shared/spec/examples")
	}
	return dirs
}

func TestGoldenExamples(t *testing.T) {
	n := 0
	for _, dir := range exampleDirs() {
		ins, err := filepath.Glob(filepath.Join(dir, "*.in.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			n++
			t.Run(in, func(t *testing.T) {
				input, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(strings.TrimSuffix(in, ".in.json") + ".out.json")
				if err != nil {
					t.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				if code := Run(bytes.NewReader(input), &stdout, &stderr); code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				var got, exp any
				if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(want, &exp); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, exp) {
					t.Errorf("output differs\n got: %s\nwant: %s", stdout.String(), want)
				}
			})
		}
	}
	if n < 4 {
		t.Fatalf("found %d examples, want at least 4", n)
	}
}

func TestBadInput(t *testing.T) {
	ok := `"groups":{"peer":40,"public":60},"subjects":[{"id":"a","kind":"person"}]`
	cases := map[string]string{
		"empty":              ``,
		"blank":              "  \n",
		"malformed":          `{"groups":`,
		"trailing":           `{` + ok + `} {}`,
		"weights not 100":    `{"groups":{"peer":40,"public":50},"subjects":[{"id":"a","kind":"person"}]}`,
		"round weights":      `{` + ok + `,"rounds":[{"id":"r","year":2024,"groups":{"peer":10},"tallies":{}}]}`,
		"unknown subject":    `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{"b":{"peer":[1,0,0,0,0]}}}]}`,
		"unknown group":      `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"boss":[1,0,0,0,0]}}}]}`,
		"negative count":     `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"peer":[1,-1,0,0,0]}}}]}`,
		"four counts":        `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"peer":[1,0,0,0]}}}]}`,
		"fraction count":     `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"peer":[1.5,0,0,0,0]}}}]}`,
		"unknown kind":       `{"groups":{"peer":100},"subjects":[{"id":"a","kind":"robot"}]}`,
		"duplicate subject":  `{"groups":{"peer":100},"subjects":[{"id":"a","kind":"person"},{"id":"a","kind":"person"}]}`,
		"unknown key":        `{` + ok + `,"tallys":{}}`,
		"rank unknown subj":  `{` + ok + `,"ranks":{"2024":{"zz":1}}}`,
		"rank not a year":    `{` + ok + `,"ranks":{"soon":{"a":1}}}`,
		"talk unknown kind":  `{` + ok + `,"talks":[{"subject":"a","year":2024,"kind":"chat"}]}`,
		"talk unknown subj":  `{` + ok + `,"talks":[{"subject":"q","year":2024,"kind":"reminder"}]}`,
		"negative weight":    `{"groups":{"peer":-10,"public":110},"subjects":[{"id":"a","kind":"person"}]}`,
		"bad policy":         `{"policy":{"pass_pct":120},` + ok + `}`,
		"not an object":      `[1,2,3]`,
		"duplicate round id": `{` + ok + `,"rounds":[{"id":"r","year":2024,"tallies":{}},{"id":"r","year":2025,"tallies":{}}]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(strings.NewReader(in), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout.String())
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || lines[0] == "" {
				t.Errorf("stderr should be exactly one line, got %q", stderr.String())
			}
		})
	}
}
