package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// roundSpec says what testRound makes.
type roundSpec struct {
	subjects     int   // 0: the level-1 subjects; n: subjects of every level, trimmed to n
	dissatisfied []int // nil: leave the round open; else cast the ballots and close it
}

// testRound is the one place these tests make a round, through the store's public API:
// reports filed, 10 public and 10 Party-committee codes. With spec.dissatisfied it casts
// every code and closes the round: subject k gets 不称职 / 不满意 on the first
// dissatisfied[k % len] ballots of each group and 优秀 on the rest, so 0 passes,
// 1 (10%) is a reminder talk and 3 (70%) an admonishment.
func testRound(t *testing.T, a *app, spec roundSpec) (int64, []store.RoundSubject, []string) {
	t.Helper()
	ctx := context.Background()
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	var public, peer int64
	for _, c := range cats {
		switch c.Name {
		case "群众代表":
			public, groups[c.ID] = c.ID, store.GroupPublic
		case "党委委员":
			peer, groups[c.ID] = c.ID, store.GroupPeer
		}
	}
	levels := []int{1}
	if spec.subjects > 0 {
		levels = []int{1, 2, 3, 4}
	}
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: levels, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := a.store.RoundSubjects(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	if spec.subjects > 0 {
		for _, s := range subs[spec.subjects:] {
			if err := a.store.RemoveSubject(ctx, 1, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		subs = subs[:spec.subjects]
	}
	for _, s := range subs {
		// A report of a usual length: the ballot shows its first lines.
		text := s.Name + "述职报告。" + strings.Repeat("本年度认真履行职责,完成各项目标任务。", 12)
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	for _, cat := range []int64{public, peer} {
		if err := a.store.GenerateCodes(ctx, 1, id, cat, 10); err != nil {
			t.Fatal(err)
		}
	}
	shares, err := voting.OpenRound(ctx, a.store, 1, id, "周敏")
	if err != nil {
		t.Fatal(err)
	}
	slips, err := a.store.Slips(ctx, 1, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, sl := range slips {
		codes = append(codes, sl.Code)
	}
	if spec.dissatisfied == nil {
		return id, subs, codes
	}
	seen := map[string]int{}
	for _, sl := range slips {
		b := seen[sl.Category]
		seen[sl.Category]++
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: 1}
			if b < spec.dissatisfied[k%len(spec.dissatisfied)] {
				marks[k].Choice = rules.Incompetent
			}
		}
		ci, err := a.store.Code(ctx, sl.Code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := voting.Cast(ctx, a.store, sl.Code, ci, voting.NewToken(), marks); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.store.EndVoting(ctx, 1, id); err != nil {
		t.Fatal(err)
	}
	round, err := a.store.Round(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, a.store, round, shares[:2], "监票人"); err != nil {
		t.Fatal(err)
	}
	return id, subs, codes
}

// TestResultsWorkbook reads the exported workbook back: a title row, a two-row header
// with a block per rater group, counts as numbers, rates as numbers in a percent format,
// a frozen header and name column.
func TestResultsWorkbook(t *testing.T) {
	a := newApp(t)
	id, subs, _ := testRound(t, a, roundSpec{dissatisfied: []int{0, 1, 3}})
	c := a.client()
	c.login("lingdao")
	p := c.get(fmt.Sprintf("/rounds/%d/results.xlsx", id))
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export: %d %q", p.status, p.header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(p.body)))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	get := func(cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get("A1") != "2025 年度述职评议测评结果汇总表" || !strings.Contains(get("A2"), "小漩乡") || !strings.Contains(get("A2"), "投票结束 ") {
		t.Fatalf("title rows: %q / %q", get("A1"), get("A2"))
	}
	// Header: fixed columns, then one block of seven per group, then the outcome.
	if get("A3") != "对象" || get("D3") != "党委票决(40%)" || get("K3") != "公众评议(60%)" || get("D4") != "优秀/非常满意" || get("I4") != "满意率" || get("R3") != "加权满意率" || get("T3") != "评定结果" {
		t.Fatalf("header: %q %q %q %q %q %q %q", get("A3"), get("D3"), get("K3"), get("D4"), get("I4"), get("R3"), get("T3"))
	}
	panes, err := f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 4 || panes.XSplit != 1 {
		t.Fatalf("panes: %+v", panes)
	}
	if w, err := f.GetColWidth(sheet, "W"); err != nil {
		t.Fatal(err)
	} else if w < 40 {
		t.Fatalf("reasons column width %v", w)
	}
	numeric := func(cell string) float64 {
		t.Helper()
		typ, err := f.GetCellType(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Fatalf("%s is of type %v, want a number", cell, typ)
		}
		raw, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Fatalf("%s = %q is not a number", cell, raw)
		}
		return v
	}
	percentFormat := func(cell string) {
		t.Helper()
		sid, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(sid)
		if err != nil {
			t.Fatal(err)
		}
		if st.NumFmt != 10 {
			t.Fatalf("%s has number format %d, want 10 (0.00%%)", cell, st.NumFmt)
		}
	}
	if len(subs) < 3 {
		t.Fatalf("%d subjects", len(subs))
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4+len(subs) {
		t.Fatalf("%d rows, want 4 + %d", len(rows), len(subs))
	}
	// Find each subject's row by name; its dissatisfied count follows the pattern.
	for k, s := range subs {
		r := 0
		for i := 4; i < len(rows); i++ {
			if rows[i][0] == s.Name {
				r = i + 1
			}
		}
		if r == 0 {
			t.Fatalf("%s not in the workbook", s.Name)
		}
		n := []int{0, 1, 3}[k%3]
		if typ, err := f.GetCellType(sheet, fmt.Sprintf("A%d", r)); err != nil {
			t.Fatal(err)
		} else if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Fatalf("name cell type %v", typ)
		}
		if got := numeric(fmt.Sprintf("D%d", r)); got != float64(10-n) {
			t.Fatalf("%s peer 优秀 = %v, want %d", s.Name, got, 10-n)
		}
		if got := numeric(fmt.Sprintf("G%d", r)); got != float64(n) {
			t.Fatalf("%s peer 不称职 = %v, want %d", s.Name, got, n)
		}
		for _, cell := range []string{"I", "J", "P", "Q", "R", "S"} {
			percentFormat(fmt.Sprintf("%s%d", cell, r))
		}
		if got, want := numeric(fmt.Sprintf("R%d", r)), float64(10-n)/10; got != want {
			t.Fatalf("%s weighted S = %v, want %v", s.Name, got, want)
		}
		if shown := get(fmt.Sprintf("R%d", r)); shown != fmt.Sprintf("%d.00%%", (10-n)*10) {
			t.Fatalf("%s weighted S shows %q", s.Name, shown)
		}
		if got := get(fmt.Sprintf("T%d", r)); got != []string{"合格", "提醒谈话", "诫勉谈话"}[k%3] {
			t.Fatalf("%s outcome %q", s.Name, got)
		}
	}
}

// TestResultsAtAGlance: the results page opens with the outcome counts and an SVG chart
// of every subject against the lines; ?show=talk keeps only the subjects needing a talk.
func TestResultsAtAGlance(t *testing.T) {
	a := newApp(t)
	id, subs, _ := testRound(t, a, roundSpec{dissatisfied: []int{0, 1, 3}})
	want := map[string]int{"pass": 0, "reminder": 0, "admonishment": 0}
	for k := range subs {
		want[[]string{"pass", "reminder", "admonishment"}[k%3]]++
	}
	c := a.client()
	c.login("lingdao")
	p := c.get(fmt.Sprintf("/rounds/%d/results", id))
	if p.status != http.StatusOK {
		t.Fatalf("results: %d", p.status)
	}
	for id, n := range map[string]int{"sum-total": len(subs), "sum-pass": want["pass"], "sum-reminder": want["reminder"],
		"sum-admonishment": want["admonishment"], "sum-noresult": 0, "sum-documents": 0, "sum-referrals": 0} {
		if got := textOf(p, id); got != strconv.Itoa(n) {
			t.Errorf("%s = %q, want %d", id, got, n)
		}
	}
	chart := p.find("results-chart")
	if len(chart) != 1 || chart[0].Data != "svg" || attr(chart[0], "role") != "img" {
		t.Fatalf("chart: %v", chart)
	}
	if rows := p.find("chart-row"); len(rows) != len(subs) {
		t.Fatalf("chart rows %d, want %d", len(rows), len(subs))
	}
	// Lowest first.
	values := texts(p, "chart-value")
	if values[0] != "70.00%" || values[len(values)-1] != "100.00%" {
		t.Fatalf("chart values %v", values)
	}
	if !strings.Contains(p.body, "合格线 90%") || !strings.Contains(p.body, "诫勉线 80%") {
		t.Fatal("the chart should draw the 90% and 80% lines")
	}
	svg := p.body[strings.Index(p.body, `<svg class="dotchart"`):]
	svg = svg[:strings.Index(svg, "</svg>")]
	if strings.Contains(svg, "<script") || strings.Contains(svg, " on") {
		t.Fatal("the chart is plain SVG, with no script")
	}
	// The filter.
	p = c.get(fmt.Sprintf("/rounds/%d/results?show=talk", id))
	outcomes := texts(p, "result-outcome")
	if len(outcomes) != want["reminder"]+want["admonishment"] {
		t.Fatalf("filtered rows %v", outcomes)
	}
	for _, o := range outcomes {
		if o != "提醒谈话" && o != "诫勉谈话" {
			t.Fatalf("filtered list shows %q", o)
		}
	}
	if rows := p.find("chart-row"); len(rows) != len(outcomes) {
		t.Fatalf("filtered chart rows %d", len(rows))
	}
	if textOf(p, "sum-total") != strconv.Itoa(len(subs)) {
		t.Fatal("the counts stay those of the whole round")
	}
	// The export and the print view are never filtered.
	if p := c.get(fmt.Sprintf("/rounds/%d/results/print?show=talk", id)); len(p.find("result-row")) != len(subs) {
		t.Fatalf("print view rows %d", len(p.find("result-row")))
	}
}
