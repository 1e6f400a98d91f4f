// Package rulescli is the JSON face of internal/rules: `pingyi rules` reads one
// scenario on standard input and writes the outcomes on standard output, and the
// what-if page's (试算) paste box reads the same format.
//
// Input: {"policy": {...}, "groups": {"peer": 40, "public": 60}, "subjects": [...],
// "rounds": [...], "ranks": {"2024": {...}}, "talks": [...]}. policy is optional, each
// missing threshold taking the default (pass_pct 90, admonish_below_pct 80,
// reminder_dissatisfied_pct 10, admonish_dissatisfied_pct 20, top_rank 3). groups are
// whole-percent weights summing to 100; a round may carry its own. A subject is
// {"id", "kind": "person"|"organisation", "village_cadre"}. A round is {"id", "year",
// "groups"?, "tallies": {subject: {group: [level1, level2, level3, level4, abstain]}}},
// in chronological order; a subject absent from tallies did not take part. ranks maps
// a year, written as plain digits ("2024"), to each subject's annual performance rank.
// talks are talks recorded by hand: {"subject", "year", "kind": "reminder"|"admonishment"}.
//
// Output: {"rounds": [{"id", "results": [{"subject", "satisfaction", "dissatisfaction",
// "outcome", "document", "referral"}]}], "years": [{"year", "results": [{"subject",
// "eligible", "excellent", "streak", "awards"}]}]}, rates as strings rounded half up to
// two decimals (null when the outcome is no_result), subjects in input order, years
// ascending. The same input always gives the same bytes.
//
// Input is read exactly as written: unknown or miscased keys, a key written twice,
// null, invalid UTF-8 and a year written other than as plain digits are refused. Bad
// input is an *rules.InputError: one line in English for the command's standard error,
// and the same in Chinese for the what-if page.
package rulescli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"pingyi/internal/rules"
)

type policyIn struct {
	PassPct                 *int `json:"pass_pct"`
	AdmonishBelowPct        *int `json:"admonish_below_pct"`
	ReminderDissatisfiedPct *int `json:"reminder_dissatisfied_pct"`
	AdmonishDissatisfiedPct *int `json:"admonish_dissatisfied_pct"`
	TopRank                 *int `json:"top_rank"`
}

type subjectIn struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	VillageCadre bool   `json:"village_cadre"`
}

type roundIn struct {
	ID      string                        `json:"id"`
	Year    int                           `json:"year"`
	Groups  map[string]int                `json:"groups"`
	Tallies map[string]map[string][]int64 `json:"tallies"`
}

type talkIn struct {
	Subject string `json:"subject"`
	Year    int    `json:"year"`
	Kind    string `json:"kind"`
}

type scenarioIn struct {
	Policy   *policyIn                 `json:"policy"`
	Groups   map[string]int            `json:"groups"`
	Subjects []subjectIn               `json:"subjects"`
	Rounds   []roundIn                 `json:"rounds"`
	Ranks    map[string]map[string]int `json:"ranks"`
	Talks    []talkIn                  `json:"talks"`
}

// Decode reads one scenario exactly as written: unknown keys (in any case), a key
// written twice, null, invalid UTF-8 and non-canonical years are refused, so nothing
// that was not meant can change a result.
func Decode(r io.Reader) (rules.Scenario, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return rules.Scenario{}, fmt.Errorf("read input: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return rules.Scenario{}, rules.NewInputError("empty input: expected one JSON scenario", "内容为空:请粘贴一个 JSON 场景")
	}
	if err := checkUTF8(data); err != nil {
		return rules.Scenario{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in scenarioIn
	if err := dec.Decode(&in); err != nil {
		return rules.Scenario{}, rules.NewInputError("malformed JSON: "+oneLine(err.Error()), "JSON 格式有误:"+jsonErrorChinese(data, err))
	}
	if dec.More() {
		return rules.Scenario{}, rules.NewInputError("malformed JSON: unexpected data after the scenario", "JSON 格式有误:场景之后还有多余的内容(只能粘贴一个 {…})")
	}
	if err := exact(data); err != nil {
		return rules.Scenario{}, err
	}
	return in.scenario()
}

// jsonErrorChinese says in Chinese what encoding/json found wrong, and where.
func jsonErrorChinese(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Sprintf("第 %d 行第 %d 列附近有语法错误(请检查引号、逗号和括号是否成对;最后一项后面不能有逗号)", line, col)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "内容不完整,缺少结尾的括号或引号"
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		where := typ.Field
		if where == "" {
			where = "场景"
		}
		return fmt.Sprintf("第 %d 行第 %d 列附近,「%s」应为%s,不能是%s", line, col, where, goTypeChinese(typ.Type.Kind().String()), jsonTypeChinese(typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return "不认识的键「" + field + "」(键名须与说明一致,如 policy、groups、subjects、rounds、ranks、talks、tallies)"
	}
	return "无法读取(" + oneLine(err.Error()) + ")"
}

// position turns a byte offset into a 1-based line and column (in characters).
func position(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:max(offset-1, 0)]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return line, col
}

func goTypeChinese(kind string) string {
	switch kind {
	case "int", "int64", "int32":
		return "整数"
	case "string":
		return "文字(带引号的字符串)"
	case "bool":
		return " true 或 false"
	case "slice", "array":
		return "数组 […]"
	case "map", "struct", "ptr":
		return "对象 {…}"
	}
	return kind
}

func jsonTypeChinese(v string) string {
	switch {
	case v == "string":
		return "文字"
	case v == "number" || strings.HasPrefix(v, "number "):
		return "数字 " + strings.TrimPrefix(v, "number ")
	case v == "bool":
		return "true / false"
	case v == "array":
		return "数组"
	case v == "object":
		return "对象"
	case v == "null":
		return "null"
	}
	return v
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (in scenarioIn) scenario() (rules.Scenario, error) {
	sc := rules.Scenario{Policy: rules.DefaultPolicy(), Weights: in.Groups, Ranks: map[int]map[string]int{}}
	if p := in.Policy; p != nil {
		set := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		set(&sc.Policy.PassPct, p.PassPct)
		set(&sc.Policy.AdmonishBelowPct, p.AdmonishBelowPct)
		set(&sc.Policy.ReminderDissatisfiedPct, p.ReminderDissatisfiedPct)
		set(&sc.Policy.AdmonishDissatisfiedPct, p.AdmonishDissatisfiedPct)
		set(&sc.Policy.TopRank, p.TopRank)
	}
	for _, s := range in.Subjects {
		sc.Subjects = append(sc.Subjects, rules.Subject{ID: s.ID, Kind: rules.Kind(s.Kind), VillageCadre: s.VillageCadre})
	}
	for i, r := range in.Rounds {
		rr := rules.Round{ID: r.ID, Year: r.Year, Weights: r.Groups, Tallies: map[string]map[string]rules.Tally{}}
		for _, subj := range slices.Sorted(maps.Keys(r.Tallies)) { // sorted: the same input names the same error
			groups := r.Tallies[subj]
			m := map[string]rules.Tally{}
			for _, g := range slices.Sorted(maps.Keys(groups)) {
				counts := groups[g]
				if len(counts) != 5 {
					return sc, rules.NewInputError(
						fmt.Sprintf("round %q: subject %q: group %q: a tally needs five counts [level1, level2, level3, level4, abstain], got %d", name(r.ID, i), subj, g, len(counts)),
						fmt.Sprintf("评议「%s」:对象「%s」:计票组「%s」:票数须为 5 个数 [第一档, 第二档, 第三档, 第四档, 弃权],现为 %d 个", name(r.ID, i), subj, g, len(counts)))
				}
				var t rules.Tally
				copy(t[:], counts)
				m[g] = t
			}
			rr.Tallies[subj] = m
		}
		sc.Rounds = append(sc.Rounds, rr)
	}
	for _, ys := range slices.Sorted(maps.Keys(in.Ranks)) {
		// Only the canonical spelling: "02024" and "+2024" would otherwise both be 2024,
		// and which of them won would depend on map order.
		y, err := strconv.Atoi(ys)
		if err != nil || strconv.Itoa(y) != ys {
			return sc, rules.NewInputError(
				fmt.Sprintf("ranks: %q is not a year (write it in plain digits, like \"2024\")", ys),
				fmt.Sprintf("排名(ranks):「%s」不是年度(请只写数字,如 \"2024\")", ys))
		}
		sc.Ranks[y] = in.Ranks[ys]
	}
	for _, t := range in.Talks {
		sc.Talks = append(sc.Talks, rules.Talk{Subject: t.Subject, Year: t.Year, Kind: rules.TalkKind(t.Kind)})
	}
	return sc, sc.Validate()
}

func name(id string, i int) string {
	if id == "" {
		return fmt.Sprintf("#%d", i+1)
	}
	return id
}

// Output is the JSON written by `pingyi rules`.
type Output struct {
	Rounds []RoundOut `json:"rounds"`
	Years  []YearOut  `json:"years"`
}

// RoundOut is one round's results.
type RoundOut struct {
	ID      string      `json:"id"`
	Results []ResultOut `json:"results"`
}

// ResultOut is one subject's result in a round.
type ResultOut struct {
	Subject         string  `json:"subject"`
	Satisfaction    *string `json:"satisfaction"`
	Dissatisfaction *string `json:"dissatisfaction"`
	Outcome         string  `json:"outcome"`
	Document        bool    `json:"document"`
	Referral        bool    `json:"referral"`
}

// YearOut is one year's standings.
type YearOut struct {
	Year    int       `json:"year"`
	Results []YearRes `json:"results"`
}

// YearRes is one subject's standing in a year.
type YearRes struct {
	Subject   string   `json:"subject"`
	Eligible  bool     `json:"eligible"`
	Excellent bool     `json:"excellent"`
	Streak    int      `json:"streak"`
	Awards    []string `json:"awards"`
}

// Encode turns an evaluation into the output format.
func Encode(ev rules.Evaluation) Output {
	out := Output{Rounds: []RoundOut{}, Years: []YearOut{}}
	for _, r := range ev.Rounds {
		ro := RoundOut{ID: r.ID, Results: []ResultOut{}}
		for _, res := range r.Results {
			x := ResultOut{Subject: res.Subject, Outcome: string(res.Outcome), Document: res.Document, Referral: res.Referral}
			if res.Rates.HasResult() {
				s, d := rules.Percent(res.Rates.S), rules.Percent(res.Rates.D)
				x.Satisfaction, x.Dissatisfaction = &s, &d
			}
			ro.Results = append(ro.Results, x)
		}
		out.Rounds = append(out.Rounds, ro)
	}
	for _, y := range ev.Years {
		yo := YearOut{Year: y.Year, Results: []YearRes{}}
		for _, s := range y.Results {
			aw := make([]string, 0, len(s.Awards))
			for _, a := range s.Awards {
				aw = append(aw, string(a))
			}
			yo.Results = append(yo.Results, YearRes{Subject: s.Subject, Eligible: s.Eligible, Excellent: s.Excellent, Streak: s.Streak, Awards: aw})
		}
		out.Years = append(out.Years, yo)
	}
	sort.SliceStable(out.Years, func(i, j int) bool { return out.Years[i].Year < out.Years[j].Year })
	return out
}

// Run is `pingyi rules`: scenario on stdin, outcomes on stdout. Bad input exits 2 with
// one line on stderr and nothing on stdout.
func Run(stdin io.Reader, stdout, stderr io.Writer) int {
	sc, err := Decode(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "pingyi rules: %s\n", oneLine(err.Error()))
		return 2
	}
	ev, err := rules.Evaluate(sc)
	if err != nil {
		fmt.Fprintf(stderr, "pingyi rules: %s\n", oneLine(err.Error()))
		return 2
	}
	data, err := json.MarshalIndent(Encode(ev), "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "pingyi rules: %s\n", oneLine(err.Error()))
		return 1
	}
	stdout.Write(append(data, '\n'))
	return 0
}
