package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"pingyi/internal/rules"
	"pingyi/internal/rulescli"
	"pingyi/internal/store"
	"pingyi/web/view"
)

const whatifRows = 5

// defaultWhatIf is the empty form over the township's groups and default weights.
func defaultWhatIf(groups []store.Group) view.WhatIfData {
	p := rules.DefaultPolicy()
	d := view.WhatIfData{Mode: "form", Groups: groupFields(groups, nil),
		Pass: itoa(p.PassPct), AdmBelow: itoa(p.AdmonishBelowPct), RemDis: itoa(p.ReminderDissatisfiedPct), AdmDis: itoa(p.AdmonishDissatisfiedPct)}
	d.Rows = make([]view.WhatIfRow, whatifRows)
	for i := range d.Rows {
		d.Rows[i].Counts = map[string][5]string{}
	}
	d.JSON = `{
  "groups": {"peer": 40, "public": 60},
  "subjects": [{"id": "王书记", "kind": "person", "village_cadre": true}],
  "rounds": [{"id": "2025年终", "year": 2025,
    "tallies": {"王书记": {"peer": [6, 3, 1, 0, 0], "public": [40, 45, 10, 5, 2]}}}],
  "ranks": {"2025": {"王书记": 2}},
  "talks": []
}`
	return d
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Server) whatifShow(w http.ResponseWriter, r *http.Request) {
	groups, err := s.store.TownshipGroups(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.WhatIf(s.chrome(r, "试算", "whatif"), defaultWhatIf(groups)))
}

// pctField reads a whole percentage 0–100.
func pctField(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 0 && n <= 100
}

func (s *Server) whatifPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	groups, err := s.store.TownshipGroups(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := defaultWhatIf(groups)
	var v Validator
	if f.Get("mode") == "json" {
		d.Mode, d.JSON = "json", f.Get("scenario")
		sc, err := rulescli.Decode(strings.NewReader(d.JSON))
		if err == nil {
			var ev rules.Evaluation
			if ev, err = rules.Evaluate(sc); err == nil {
				d.JSONResult = &ev
			}
		}
		if err != nil {
			v.Add("json", "场景有误:"+chineseError(err))
			d.Errors = v.Errors
			s.render(w, r, http.StatusUnprocessableEntity, view.WhatIf(s.chrome(r, "试算", "whatif"), d))
			return
		}
		s.render(w, r, http.StatusOK, view.WhatIf(s.chrome(r, "试算", "whatif"), d))
		return
	}

	d.Pass, d.AdmBelow, d.RemDis, d.AdmDis = f.Get("pass_pct"), f.Get("admonish_below_pct"), f.Get("reminder_dissatisfied_pct"), f.Get("admonish_dissatisfied_pct")
	used := parseGroups(&v, f, d.Groups)
	weights := map[string]int{}
	for _, g := range used {
		weights[g.Key] = g.Weight
	}
	var p rules.Policy
	var okP [4]bool
	p.PassPct, okP[0] = pctField(d.Pass)
	p.AdmonishBelowPct, okP[1] = pctField(d.AdmBelow)
	p.ReminderDissatisfiedPct, okP[2] = pctField(d.RemDis)
	p.AdmonishDissatisfiedPct, okP[3] = pctField(d.AdmDis)
	p.TopRank = rules.DefaultPolicy().TopRank
	if okP[0] && okP[1] && okP[2] && okP[3] {
		if err := p.Validate(); err != nil {
			v.Add("policy", "标准有误:诫勉满意率线不能高于合格线,提醒不满意率线不能高于诫勉线")
		}
	} else {
		v.Add("policy", "各项标准须为 0–100 的整数")
	}

	sc := rules.Scenario{Policy: p, Weights: weights, PriorAdmonishments: map[string]int{}}
	round := rules.Round{ID: "试算", Year: 1, Tallies: map[string]map[string]rules.Tally{}}
	names := map[string]bool{}
	for i := 0; i < whatifRows; i++ {
		row := view.WhatIfRow{Name: clean(f.Get(fmt.Sprintf("name_%d", i))), Kind: f.Get(fmt.Sprintf("kind_%d", i)), Prior: f.Get(fmt.Sprintf("prior_%d", i)),
			Counts: map[string][5]string{}}
		tallies := map[string]rules.Tally{}
		any, bad := false, false
		for _, g := range d.Groups {
			var texts [5]string
			var t rules.Tally
			for j := range texts {
				texts[j] = strings.TrimSpace(f.Get(fmt.Sprintf("c_%d_%s_%d", i, g.Key, j+1)))
				if texts[j] == "" {
					continue
				}
				n, err := strconv.ParseInt(texts[j], 10, 64)
				if err != nil || n < 0 || n > 1_000_000 {
					bad = true
					continue
				}
				t[j] = n
				any = true
			}
			row.Counts[g.Key] = texts
			if _, in := weights[g.Key]; in {
				tallies[g.Key] = t
			}
		}
		d.Rows[i] = row
		key := "row" + itoa(i)
		if row.Name == "" && !any {
			continue
		}
		v.Check(!bad, key, "票数须为不小于 0 的整数")
		v.Check(row.Name != "", key, "请填写对象名称")
		v.Check(!names[row.Name], key, "对象名称重复")
		names[row.Name] = true
		if !v.Valid() {
			continue
		}
		kind := rules.Person
		if row.Kind == "organisation" {
			kind = rules.Organisation
		}
		sc.Subjects = append(sc.Subjects, rules.Subject{ID: row.Name, Kind: kind})
		round.Tallies[row.Name] = tallies
		prior, _ := strconv.Atoi(row.Prior)
		sc.PriorAdmonishments[row.Name] = max(0, min(prior, 2))
	}
	if v.Valid() && len(sc.Subjects) == 0 {
		v.Add("row0", "请至少填写一个对象的票数")
	}
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.WhatIf(s.chrome(r, "试算", "whatif"), d))
		return
	}
	sc.Rounds = []rules.Round{round}
	ev, err := rules.Evaluate(sc)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i, res := range ev.Rounds[0].Results {
		d.Results = append(d.Results, view.WhatIfResult{Name: res.Subject, Kind: sc.Subjects[i].Kind, Result: res})
	}
	s.render(w, r, http.StatusOK, view.WhatIf(s.chrome(r, "试算", "whatif"), d))
}

// chineseError is the Chinese message of a scenario the rules refused.
func chineseError(err error) string {
	var ie *rules.InputError
	if errors.As(err, &ie) {
		return ie.Chinese()
	}
	return "无法计算该场景,请核对后重试"
}
