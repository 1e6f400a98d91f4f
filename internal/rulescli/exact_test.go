package rulescli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"pingyi/internal/rules"
)

// TestInputExactlyAsWritten: what encoding/json would read other than as written is
// refused with exit 2, one line naming it, and nothing on stdout.
func TestInputExactlyAsWritten(t *testing.T) {
	subj := `"subjects":[{"id":"a","kind":"person"}]`
	round := func(tally string) string {
		return `{"groups":{"peer":100},` + subj + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"peer":` + tally + `}}}]}`
	}
	cases := []struct{ name, in, en, zh string }{
		{"miscased policy key", `{"policy":{"PASS_PCT":80},"groups":{"peer":100},` + subj + `}`,
			`line 1, column 12: unknown key "PASS_PCT" in "policy" (keys are case-sensitive: write "pass_pct")`,
			`第 1 行第 12 列:「policy」中不认识的键「PASS_PCT」(键名区分大小写,应为「pass_pct」)`},
		{"miscased top-level key", `{"Groups":{"peer":100},` + subj + `}`,
			`unknown key "Groups" in the scenario (keys are case-sensitive: write "groups")`, `场景中不认识的键「Groups」`},
		{"duplicate field", `{"groups":{"peer":100},"subjects":[{"id":"a","kind":"person","village_cadre":true,"village_cadre":false}]}`,
			`key "village_cadre" appears twice in "subjects"`, `「subjects」中的键「village_cadre」重复出现`},
		{"long s", `{"groups":{"peer":100},"ſubjects":[{"id":"a","kind":"person"}]}`,
			`unknown key "ſubjects" in the scenario (keys are case-sensitive: write "subjects")`, `不认识的键「ſubjects」`},
		{"duplicate group", `{"groups":{"peer":60,"peer":40},` + subj + `}`,
			`line 1, column 22: key "peer" appears twice in "groups"`, `第 1 行第 22 列:「groups」中的键「peer」重复出现`},
		{"duplicate top-level key", `{"groups":{"peer":100},"groups":{"peer":100},` + subj + `}`,
			`key "groups" appears twice in the scenario`, `场景中的键「groups」重复出现`},
		{"duplicate tally", `{"groups":{"peer":100},` + subj + `,"rounds":[{"id":"r","year":2024,"tallies":{"a":{"peer":[1,0,0,0,0]},"a":{"peer":[0,0,0,1,0]}}}]}`,
			`key "a" appears twice in "tallies"`, `「tallies」中的键「a」重复出现`},
		{"null policy value", `{"policy":{"pass_pct":null},"groups":{"peer":100},` + subj + `}`,
			`line 1, column 23: null is not allowed (under "pass_pct")`, `第 1 行第 23 列:「pass_pct」的值不能为 null`},
		{"null policy", `{"policy":null,"groups":{"peer":100},` + subj + `}`, `null is not allowed (under "policy")`, `「policy」的值不能为 null`},
		{"null in a tally", round(`[1,null,0,0,0]`), `null is not allowed (under "peer")`, `「peer」的值不能为 null`},
		{"null tally", round(`null`), `null is not allowed (under "peer")`, `「peer」的值不能为 null`},
		{"null talks", `{"groups":{"peer":100},` + subj + `,"talks":null}`, `null is not allowed (under "talks")`, `「talks」的值不能为 null`},
		{"null flag", `{"groups":{"peer":100},"subjects":[{"id":"a","kind":"person","village_cadre":null}]}`,
			`null is not allowed (under "village_cadre")`, `「village_cadre」的值不能为 null`},
		{"null scenario", `null`, `line 1, column 1: the scenario is null`, `场景不能为 null`},
		{"padded year", `{"groups":{"peer":100},` + subj + `,"ranks":{"02024":{"a":1}}}`,
			`ranks: "02024" is not a year (write it in plain digits, like "2024")`, `排名(ranks):「02024」不是年度`},
		{"signed year", `{"groups":{"peer":100},` + subj + `,"ranks":{"+2024":{"a":1}}}`, `ranks: "+2024" is not a year`, `「+2024」不是年度`},
		{"spaced year", `{"groups":{"peer":100},` + subj + `,"ranks":{" 2024":{"a":1}}}`, `ranks: " 2024" is not a year`, `「 2024」不是年度`},
		{"two spellings of a year", `{"groups":{"peer":100},` + subj + `,"ranks":{"2024":{"a":5},"02024":{"a":1}}}`,
			`ranks: "02024" is not a year`, `「02024」不是年度`},
		{"invalid UTF-8", "{\"groups\":{\"peer\":100},\n\"subjects\":[{\"id\":\"\xff\",\"kind\":\"person\"}]}",
			`line 2, column 20: the input is not valid UTF-8 (byte 0xff)`, `第 2 行第 20 列:内容不是有效的 UTF-8 文字`},
		{"overlong UTF-8", "{\"groups\":{\"peer\":100},\"subjects\":[{\"id\":\"\xc0\xaf\",\"kind\":\"person\"}]}",
			`not valid UTF-8 (byte 0xc0)`, `不是有效的 UTF-8`},
		{"lone high surrogate", `{"groups":{"peer":100},"subjects":[{"id":"x\ud800","kind":"person"}]}`,
			`line 1, column 44: \ud800 is half of a UTF-16 surrogate pair`, `第 1 行第 44 列:转义 \ud800 只是 UTF-16 代理对的一半`},
		{"lone low surrogate in a key", `{"groups":{"peer":100,"\udc00":0},` + subj + `}`, `\udc00 is half`, `转义 \udc00`},
		{"reversed pair", `{"groups":{"peer":100},"subjects":[{"id":"\ude00\ud83d","kind":"person"}]}`, `\ude00 is half`, `\ude00`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(strings.NewReader(c.in), &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2 (stdout %q)", code, stdout.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout.String())
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") || !strings.HasPrefix(line, "pingyi rules: ") || !strings.Contains(line, c.en) {
				t.Errorf("stderr %q, want one line with %q", line, c.en)
			}
			_, err := Decode(strings.NewReader(c.in))
			var ie *rules.InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Chinese(), c.zh) {
				t.Errorf("Chinese: %v, want %q", err, c.zh)
			}
		})
	}
}

// TestWrittenAsMeant: what is exact already still decodes: escapes that name the same
// characters, a surrogate pair, keys in maps that differ only in case (group names are
// the user's own), and a year written plainly.
func TestWrittenAsMeant(t *testing.T) {
	in := `{"groups":{"Peer":50,"peer":50},"subjects":[{"id":"\u738b\ud83d\ude00","kind":"pers\u006fn"}],` +
		`"rounds":[{"id":"r","year":2024,"tallies":{"王😀":{"Peer":[9,1,0,0,0],"peer":[9,1,0,0,0]}}}],"ranks":{"2024":{"王😀":1}}}`
	var stdout, stderr bytes.Buffer
	if code := Run(strings.NewReader(in), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"subject": "王😀"`) {
		t.Errorf("output %s", stdout.String())
	}
}

// TestSameBytesEveryRun runs one scenario (several years of ranks, several groups and
// rounds: every map the input has) 100 times, and one with several faults: the same
// bytes every time.
func TestSameBytesEveryRun(t *testing.T) {
	good, err := os.ReadFile("testdata/examples/three-years.in.json")
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	if err := json.Unmarshal(good, &sc); err != nil {
		t.Fatal(err)
	}
	if ranks, _ := sc["ranks"].(map[string]any); len(ranks) < 3 {
		t.Fatalf("the example should rank several years, has %v", sc["ranks"])
	}
	subj := `"subjects":[{"id":"a","kind":"person"}]`
	bad := [][]byte{
		[]byte(`{"groups":{"z":-1,"y":-2,"x":203},` + subj + `}`),
		[]byte(`{"groups":{"peer":100},` + subj + `,"rounds":[{"id":"r","year":2024,"tallies":{"q":{"peer":[1]},"p":{"peer":[1,2]}}}]}`),
		[]byte(`{"groups":{"peer":100},` + subj + `,"ranks":{"soon":{"a":1},"later":{"a":1},"02024":{"a":1}}}`),
	}
	for _, in := range append([][]byte{good}, bad...) {
		var first []byte
		for i := range 100 {
			var stdout, stderr bytes.Buffer
			code := Run(bytes.NewReader(in), &stdout, &stderr)
			got := append(append([]byte{byte(code)}, stdout.Bytes()...), stderr.Bytes()...)
			if i == 0 {
				first = got
				continue
			}
			if !bytes.Equal(got, first) {
				t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i+1, got[1:], first[1:])
			}
		}
	}
}
