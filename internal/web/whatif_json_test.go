package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestWhatIfJSONErrorsInChinese: every way a pasted scenario can be wrong is reported in
// Chinese, saying where, with no English left in the message.
func TestWhatIfJSONErrorsInChinese(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	latin := regexp.MustCompile(`[A-Za-z]{3,}`)
	for _, tc := range []struct{ scenario, want string }{
		{``, "内容为空"},
		{`{"groups": {"peer": 40, "public": 60},}`, "第 1 行第 39 列附近有语法错误"},
		{"{\n  \"groups\": {\"peer\": \"四十\"}\n}", "「groups」应为整数,不能是文字"},
		{`{"grops": {}}`, "不认识的键「grops」"},
		{`{"groups": {"peer": 40, "public": 50}, "subjects": [{"id": "王", "kind": "person"}]}`, "各计票组权重合计须为 100,现为 90"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王", "kind": "person"}], "rounds": [{"id": "r", "year": 2025, "tallies": {"李": {"peer": [1,0,0,0,0]}}}]}`, "票数中的对象「李」不在"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王", "kind": "person"}], "rounds": [{"id": "r", "year": 2025, "tallies": {"王": {"peer": [1,0,0]}}}]}`, "票数须为 5 个数"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王", "kind": "人"}]}`, "类型「人」不认识"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王", "kind": "person"}]} {}`, "多余的内容"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王", "kind": "person"}]`, "内容不完整"},
	} {
		p := c.post("/whatif", url.Values{"mode": {"json"}, "scenario": {tc.scenario}})
		msg := textOf(p, "error-json")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(msg, tc.want) {
			t.Errorf("%q: %d %q, want %q", tc.scenario, p.status, msg, tc.want)
			continue
		}
		// Only JSON key names and the words person/organisation/reminder/admonishment
		// may appear in Latin letters.
		rest := latin.ReplaceAllStringFunc(msg, func(w string) string {
			switch w {
			case "grops", "peer": // names from the pasted scenario
				return ""
			case "JSON", "groups", "subjects", "policy", "rounds", "ranks", "talks", "tallies", "person", "organisation":
				return ""
			}
			return w
		})
		if latin.MatchString(rest) {
			t.Errorf("%q: English left in %q", tc.scenario, msg)
		}
	}
}

// TestWhatIfExactInputInChinese: what the paste box refuses because encoding/json would
// have read it other than as written (a miscased or repeated key, null, a year not in
// plain digits, half a surrogate pair) is said in Chinese, with where.
func TestWhatIfExactInputInChinese(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ok := `"groups": {"peer": 40, "public": 60}, "subjects": [{"id": "王", "kind": "person"}]`
	latin := regexp.MustCompile(`[A-Za-z]{3,}`)
	for _, tc := range []struct{ scenario, want string }{
		{"{\n  \"policy\": {\"PASS_PCT\": 80},\n  " + ok + "\n}", "第 2 行第 14 列:「policy」中不认识的键「PASS_PCT」(键名区分大小写,应为「pass_pct」)"},
		{`{"groups": {"peer": 40, "peer": 60}, "subjects": [{"id": "王", "kind": "person"}]}`, "第 1 行第 25 列:「groups」中的键「peer」重复出现"},
		{`{"policy": {"pass_pct": null}, ` + ok + `}`, "第 1 行第 25 列:「pass_pct」的值不能为 null"},
		{`{` + ok + `, "ranks": {"02025": {"王": 1}}}`, "排名(ranks):「02025」不是年度"},
		{`{"groups": {"peer": 100}, "subjects": [{"id": "王\ud800", "kind": "person"}]}`, "转义 \\ud800 只是 UTF-16 代理对的一半"},
	} {
		p := c.post("/whatif", url.Values{"mode": {"json"}, "scenario": {tc.scenario}})
		msg := textOf(p, "error-json")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(msg, tc.want) {
			t.Errorf("%q: %d %q, want %q", tc.scenario, p.status, msg, tc.want)
			continue
		}
		// Latin letters only in the pasted keys, JSON words and the escape itself.
		rest := latin.ReplaceAllStringFunc(msg, func(w string) string {
			switch w {
			case "JSON", "PASS", "PCT", "pass", "pct", "policy", "groups", "peer", "ranks", "null", "UTF":
				return ""
			}
			return w
		})
		if latin.MatchString(rest) {
			t.Errorf("%q: English left in %q", tc.scenario, msg)
		}
	}
}
