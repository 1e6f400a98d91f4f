package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/auth"
	"pingyi/internal/ballotbox"
	"pingyi/internal/cli"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// startYear starts an assessment year through the page and returns the year's subjects by name.
func startYear(t *testing.T, c *client, year int) map[string]store.ScoreSubject {
	t.Helper()
	if p := c.post("/scoring/new", url.Values{"year": {strconv.Itoa(year)}}); p.status != http.StatusSeeOther {
		t.Fatalf("start %d: %d", year, p.status)
	}
	tid := township(t, c.a)
	subs, err := c.a.store.ScoreSubjects(context.Background(), tid, year)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.ScoreSubject{}
	for _, s := range subs {
		out[s.Name] = s
	}
	return out
}

func township(t *testing.T, a *app) int64 {
	t.Helper()
	town, err := a.store.TownshipByName(context.Background(), "小漩乡")
	if err != nil {
		t.Fatal(err)
	}
	return town.ID
}

// scoreThroughPage fills a subject's sheet through the form: every clause at its
// maximum, less deficit points taken from the clauses in order.
func scoreThroughPage(t *testing.T, c *client, year int, sub store.ScoreSubject, deficit int64) {
	t.Helper()
	tpl, err := c.a.store.ScoreTemplate(context.Background(), sub.TownshipID, *sub.TemplateID)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	deficit *= 100
	for _, cl := range tpl.Clauses() {
		if cl.MaxPoints == 0 {
			continue
		}
		d := min(deficit, cl.MaxPoints)
		deficit -= d
		form.Set(fmt.Sprintf("p_%d", cl.ID), strconv.FormatFloat(float64(cl.MaxPoints-d)/100, 'f', 2, 64))
	}
	p := c.post(fmt.Sprintf("/scoring/%d/sheets/%d", year, sub.ID), form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("score %s %d: %d %v", sub.Name, year, p.status, texts(p, "sheet-errors"))
	}
}

func TestScoringRolesAndTownships(t *testing.T) {
	a := newApp(t)
	office := a.client()
	office.login("zzb")
	subs := startYear(t, office, 2024)
	xiao, he := subs["小漩村党支部"], subs["河口村党支部"]
	tpl, err := a.store.ScoreTemplate(context.Background(), xiao.TownshipID, *xiao.TemplateID)
	if err != nil {
		t.Fatal(err)
	}
	clause := tpl.Clauses()[0]

	// Leaders read every page and write none.
	leader := a.client()
	leader.login("lingdao")
	for _, path := range []string{"/scoring", "/scoring/2024", "/scoring/2024/ranks", "/scoring/2024/proposals", "/scoring/2024/appeals",
		fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID), fmt.Sprintf("/scoring/2024/templates/%d", tpl.ID), "/scoring/2024/proposals/print"} {
		if p := leader.get(path); p.status != http.StatusOK {
			t.Errorf("leader GET %s: %d", path, p.status)
		}
	}
	if p := leader.get(fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID)); len(p.find("save")) != 0 {
		t.Error("a leader sees the save button on a scoresheet")
	}
	for _, path := range []string{"/scoring/new", "/scoring/2024/finalise", fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID),
		"/scoring/2024/proposals/generate", fmt.Sprintf("/scoring/2024/templates/%d/clauses", tpl.ID), "/scoring/2024/bands"} {
		if p := leader.post(path, url.Values{"year": {"2025"}, fmt.Sprintf("p_%d", clause.ID): {"1"}}); !refused(p, http.StatusForbidden) {
			t.Errorf("leader POST %s: %d", path, p.status)
		}
	}
	if e, err := a.store.ScoreEntries(context.Background(), xiao.TownshipID, xiao.ID); err != nil {
		t.Fatal(err)
	} else if len(e) != 0 {
		t.Error("a leader's post wrote a score")
	}

	// A village secretary: no scoring pages; appeals only for its own village.
	sec := a.client()
	sec.login("xiaoxuan")
	for _, path := range []string{"/scoring", "/scoring/2024", "/scoring/2024/ranks", fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID)} {
		if p := sec.get(path); !refused(p, http.StatusForbidden) {
			t.Errorf("secretary GET %s: %d", path, p.status)
		}
	}
	scoreThroughPage(t, office, 2024, xiao, 3)
	scoreThroughPage(t, office, 2024, he, 5)
	office.post("/scoring/2024/finalise", nil)
	office.post("/scoring/2024/publish", nil)
	if home := sec.get("/"); textOf(home, "village-assessment") == "" {
		t.Error("the secretary's home does not point to the published results")
	}
	p := sec.get("/scoring/2024/appeals")
	if !strings.Contains(textOf(p, "own-results"), "小漩村党支部") {
		t.Error("the secretary does not see its village's results")
	}
	if p.status != http.StatusOK || strings.Contains(p.body, "河口村党支部") {
		t.Errorf("secretary's appeals page: %d, shows another village: %v", p.status, strings.Contains(p.body, "河口村党支部"))
	}
	if p := sec.post("/scoring/2024/appeals", url.Values{"subject_id": {strconv.FormatInt(he.ID, 10)}, "kind": {"score"}, "reason": {"x"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("secretary appeals for another village: %d", p.status)
	}
	if p := sec.post("/scoring/2024/appeals", url.Values{"subject_id": {strconv.FormatInt(xiao.ID, 10)}, "kind": {"score"}, "clause": {clause.Code}, "reason": {"第 1.1 条有会议记录"}}); p.status != http.StatusSeeOther {
		t.Errorf("secretary appeals for its own village: %d", p.status)
	}
	if p := sec.post("/scoring/2024/appeals/1/decide", url.Values{"decision": {"upheld"}, "note": {"x"}}); !refused(p, http.StatusForbidden) {
		t.Errorf("secretary decides an appeal: %d", p.status)
	}
	list, err := a.store.Appeals(context.Background(), xiao.TownshipID, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].OnBehalf || list[0].FiledByName != "刘志强" {
		t.Fatalf("appeals: %+v", list)
	}

	// Another township: its office sees none of this by URL or by form field.
	other, err := a.store.EnsureTownship(context.Background(), "河口乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.StartScoreYear(context.Background(), other.ID, 2024); err != nil {
		t.Fatal(err)
	}
	hash := mustHash(t)
	if _, err := a.store.SaveUser(context.Background(), other.ID, 0, store.UserInput{Username: "hkzzb", DisplayName: "王芳", Role: store.RoleOffice, PasswordHash: hash, Active: true}); err != nil {
		t.Fatal(err)
	}
	stranger := a.client()
	stranger.login("hkzzb")
	for _, path := range []string{fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID), fmt.Sprintf("/scoring/2024/templates/%d", tpl.ID),
		fmt.Sprintf("/scoring/2024/sheets/%d/files/%d", xiao.ID, clause.ID)} {
		if p := stranger.get(path); !refused(p, http.StatusNotFound) {
			t.Errorf("another township GET %s: %d", path, p.status)
		}
	}
	if p := stranger.get("/scoring/2024/proposals"); strings.Contains(p.body, "小漩村") {
		t.Error("another township's proposals page shows 小漩乡's subjects")
	}
	if p := stranger.post(fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID), url.Values{fmt.Sprintf("p_%d", clause.ID): {"0"}}); !refused(p, http.StatusNotFound) {
		t.Errorf("another township POST a sheet: %d", p.status)
	}
	if p := stranger.post("/scoring/2024/appeals/"+strconv.FormatInt(list[0].ID, 10)+"/decide", url.Values{"decision": {"upheld"}, "note": {"x"}}); !refused(p, http.StatusNotFound) {
		t.Errorf("another township decides an appeal: %d", p.status)
	}
	if p := stranger.post("/scoring/2024/appeals", url.Values{"subject_id": {strconv.FormatInt(xiao.ID, 10)}, "kind": {"score"}, "reason": {"x"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("another township appeals by form field: %d", p.status)
	}
	if got, err := a.store.Appeals(context.Background(), xiao.TownshipID, 2024); err != nil {
		t.Fatal(err)
	} else if len(got) != 1 {
		t.Errorf("appeals after the stranger: %d", len(got))
	}
}

func TestScoresheetValidationAndLock(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	subs := startYear(t, c, 2024)
	xiao := subs["小漩村党支部"]
	tpl, err := a.store.ScoreTemplate(context.Background(), xiao.TownshipID, *xiao.TemplateID)
	if err != nil {
		t.Fatal(err)
	}
	cl := tpl.Clauses()
	bonus, veto := cl[30], cl[31]
	path := fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID)
	bad := url.Values{
		fmt.Sprintf("p_%d", cl[0].ID): {"5"},     // over 4
		fmt.Sprintf("p_%d", cl[1].ID): {"1.234"}, // three decimals
		fmt.Sprintf("d_%d", cl[2].ID): {"-1"},    // negative deduction
		fmt.Sprintf("b_%d", cl[3].ID): {"1"},     // no bonus on this clause
		fmt.Sprintf("p_%d", cl[4].ID): {"3"},     // fine, but nothing is saved
		fmt.Sprintf("b_%d", bonus.ID): {"8"},     // over the +5 cap: counts 5
		fmt.Sprintf("n_%d", cl[5].ID): {"只有说明"},  // a note without points
	}
	p := c.post(path, bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad sheet: %d", p.status)
	}
	for _, id := range []int64{cl[0].ID, cl[1].ID, cl[2].ID, cl[3].ID, cl[5].ID} {
		if textOf(p, fmt.Sprintf("error-c%d", id)) == "" {
			t.Errorf("no message beside clause %d", id)
		}
	}
	if e, err := a.store.ScoreEntries(context.Background(), xiao.TownshipID, xiao.ID); err != nil {
		t.Fatal(err)
	} else if len(e) != 0 {
		t.Fatalf("a refused sheet saved %d entries", len(e))
	}
	good := url.Values{fmt.Sprintf("p_%d", cl[0].ID): {"3.5"}, fmt.Sprintf("b_%d", bonus.ID): {"8"}, fmt.Sprintf("v_%d", veto.ID): {"1"},
		fmt.Sprintf("n_%d", veto.ID): {"发生安全事故"}}
	if p := c.post(path, good); p.status != http.StatusSeeOther {
		t.Fatalf("good sheet: %d", p.status)
	}
	p = c.get(path)
	if got := textOf(p, "sheet-total"); got != "8.50" { // 3.5 + 5 (capped)
		t.Errorf("total %q, want 8.50", got)
	}
	r := c.get("/scoring/2024/ranks")
	if !strings.Contains(textOf(r, "backward-list"), "小漩村党支部") {
		t.Error("a vetoed village is not on the 后进 list")
	}
	// Finalised: the sheet is read-only and a post is refused; reopening needs a reason.
	c.post("/scoring/2024/finalise", nil)
	if p := c.post(path, good); p.status != http.StatusConflict {
		t.Errorf("post on a final year: %d", p.status)
	}
	if p := c.post("/scoring/2024/reopen", url.Values{"reason": {""}}); p.status != http.StatusUnprocessableEntity || textOf(p, "error-reason") == "" {
		t.Errorf("reopen without a reason: %d", p.status)
	}
	if p := c.post("/scoring/2024/reopen", url.Values{"reason": {"更正 1.1 条"}}); p.status != http.StatusSeeOther {
		t.Errorf("reopen: %d", p.status)
	}
	if !strings.Contains(textOf(c.get("/scoring/2024"), "events"), "更正 1.1 条") {
		t.Error("the reopening reason is not shown")
	}
}

func TestScoreImportAllOrNothingThroughPages(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	subs := startYear(t, c, 2024)
	xiao, he := subs["小漩村党支部"], subs["河口村党支部"]
	header := []string{"对象编号", "考核对象", "条款编号", "条款", "分值", "得分", "加分", "扣分", "一票否决(是/否)", "说明"}
	id := func(s store.ScoreSubject) string { return strconv.FormatInt(s.ID, 10) }
	bad := xlsxRows(t, header, [][]string{
		{id(xiao), "小漩村党支部", "1.1", "", "4", "4", "", "", "", ""},
		{id(he), "河口村党支部", "1.1", "", "4", "9", "", "", "", ""},     // over the maximum
		{"", "不存在村", "1.1", "", "4", "4", "", "", "", ""},           // unknown subject
		{id(he), "河口村党支部", "9.9", "", "", "1", "", "", "", ""},      // unknown clause
		{id(he), "河口村党支部", "1.2", "", "3", "", "", "", "", ""},      // skipped: nothing entered
		{id(he), "河口村党支部", "6.2", "", "0", "", "", "", "是", "安全事故"}, // a veto: fine
	})
	p := c.upload("/scoring/2024/import/scores", "file", "s.xlsx", bad)
	if p.status != http.StatusUnprocessableEntity || len(p.find("import-row-error")) != 3 {
		t.Fatalf("bad import: %d, %v", p.status, texts(p, "import-row-error"))
	}
	for _, s := range []store.ScoreSubject{xiao, he} {
		if e, err := a.store.ScoreEntries(context.Background(), s.TownshipID, s.ID); err != nil {
			t.Fatal(err)
		} else if len(e) != 0 {
			t.Fatalf("a refused import wrote %d entries for %s", len(e), s.Name)
		}
	}
	good := xlsxRows(t, header, [][]string{
		{id(xiao), "小漩村党支部", "1.1", "", "4", "4", "", "", "", ""},
		{id(he), "河口村党支部", "1.1", "", "4", "3.5", "", "0.5", "", "台账不全"},
		{id(he), "河口村党支部", "6.2", "", "0", "", "", "", "是", "安全事故"},
	})
	if p := c.upload("/scoring/2024/import/scores", "file", "s.xlsx", good); p.status != http.StatusSeeOther {
		t.Fatalf("good import: %d %v %s", p.status, texts(p, "import-row-error"), textOf(p, "import-error"))
	}
	if e, err := a.store.ScoreEntries(context.Background(), he.TownshipID, he.ID); err != nil {
		t.Fatal(err)
	} else if len(e) != 2 {
		t.Errorf("河口村 entries after import: %d", len(e))
	}
	// County ranks: all or nothing too, and the imported rank replaces the computed one.
	cheader := []string{"对象编号", "考核对象", "排名组", "县考核得分", "县考核名次"}
	if p := c.upload("/scoring/2024/import/county", "file", "c.xlsx", xlsxRows(t, cheader, [][]string{
		{id(xiao), "小漩村党支部", "", "", "2"}, {id(he), "", "", "", "第一"}})); p.status != http.StatusUnprocessableEntity {
		t.Errorf("bad county import: %d", p.status)
	}
	if p := c.upload("/scoring/2024/import/county", "file", "c.xlsx", xlsxRows(t, cheader, [][]string{
		{id(xiao), "小漩村党支部", "", "96.5", "2"}})); p.status != http.StatusSeeOther {
		t.Fatalf("county import: %d %v", p.status, texts(p, "import-row-error"))
	}
	r := c.get("/scoring/2024/ranks")
	if !strings.Contains(r.body, "县考核") || !strings.Contains(r.body, "本乡计算第 1 名") {
		t.Error("the ranks page does not say the county's rank applies over the computed one")
	}
}

func xlsxRows(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	return xlsx(t, header, rows)
}

// TestThreeYearHistoryMatchesPingyiRules enters three years through the pages — scores on
// the scoresheets, talks on the talks page, rounds through the store's public API — and
// checks that the proposals pages say exactly what `pingyi rules` says for the same data,
// written out independently as its JSON scenario.
func TestThreeYearHistoryMatchesPingyiRules(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	tid := township(t, a)

	people, err := a.store.AllPeople(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	var cadres []store.Person // village cadres, level 3
	for _, p := range people {
		if p.Level == 3 {
			cadres = append(cadres, p)
		}
	}
	sort.Slice(cadres, func(i, j int) bool { return cadres[i].ID < cadres[j].ID })
	A, B, C, D, E := cadres[0], cadres[1], cadres[2], cadres[3], cadres[4]
	key := func(p store.Person) string { return fmt.Sprintf("p%d", p.ID) }

	// Deficits (points below 1000, weighted): lower is better. Ties share a rank.
	deficits := map[int]map[int64]int64{
		2022: {A.ID: 0, B.ID: 10, C.ID: 20, D.ID: 30, E.ID: 40},
		2023: {A.ID: 0, B.ID: 10, C.ID: 10, D.ID: 30, E.ID: 40},
		2024: {B.ID: 0, A.ID: 10, D.ID: 20, C.ID: 30, E.ID: 40},
	}
	ranks := map[string]map[string]int{ // as the scenario states them, by hand
		"2022": {key(A): 1, key(B): 2, key(C): 3, key(D): 4, key(E): 5},
		"2023": {key(A): 1, key(B): 2, key(C): 2, key(D): 4, key(E): 5},
		"2024": {key(B): 1, key(A): 2, key(D): 3, key(C): 4, key(E): 5},
	}
	weak := map[int]map[int64]bool{2023: {E.ID: true}, 2024: {D.ID: true}}

	scenario := map[string]any{"groups": map[string]int{"peer": 40, "public": 60}, "ranks": ranks}
	var subjects []map[string]any
	for _, p := range cadres {
		subjects = append(subjects, map[string]any{"id": key(p), "kind": "person", "village_cadre": p.VillageCadre})
	}
	scenario["subjects"] = subjects
	var rounds []map[string]any
	for _, y := range []int{2022, 2023, 2024} {
		tallies := historyRound(t, a.store, tid, y, weak[y])
		rounds = append(rounds, map[string]any{"id": strconv.Itoa(y), "year": y, "tallies": tallies})
		subs := startYear(t, c, y)
		for _, p := range []store.Person{A, B, C, D, E} {
			var sub store.ScoreSubject
			for _, s := range subs {
				if s.PersonID != nil && *s.PersonID == p.ID {
					sub = s
				}
			}
			scoreThroughPage(t, c, y, sub, deficits[y][p.ID])
		}
	}
	scenario["rounds"] = rounds
	// C had two reminder talks by hand in 2024: no award that year.
	var talks []map[string]any
	for _, on := range []string{"2024-03-02", "2024-09-15"} {
		p := c.post("/talks/new", url.Values{"subject": {key(C)}, "year": {"2024"}, "kind": {"reminder"}, "held_on": {on}, "held_by": {"赵丽娟"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("record talk: %d", p.status)
		}
		talks = append(talks, map[string]any{"subject": key(C), "year": 2024, "kind": "reminder"})
	}
	scenario["talks"] = talks

	in, err := json.Marshal(scenario)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := cli.Run(ctx, []string{"pingyi", "rules"}, func(string) string { return "" }, bytes.NewReader(in), &out, &errb); code != 0 {
		t.Fatalf("pingyi rules: %d %s", code, errb.String())
	}
	var res struct {
		Years []struct {
			Year    int `json:"year"`
			Results []struct {
				Subject   string   `json:"subject"`
				Excellent bool     `json:"excellent"`
				Streak    int      `json:"streak"`
				Awards    []string `json:"awards"`
			} `json:"results"`
		} `json:"years"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, p := range cadres {
		names[key(p)] = p.Name
	}
	excellent := 0
	for _, y := range res.Years {
		if p := c.post(fmt.Sprintf("/scoring/%d/proposals/generate", y.Year), nil); p.status != http.StatusSeeOther {
			t.Fatalf("generate %d: %d", y.Year, p.status)
		}
		page := c.get(fmt.Sprintf("/scoring/%d/proposals", y.Year))
		got := map[string]string{}
		for _, row := range page.find("proposal-row") {
			rp := page
			rp.doc = row
			got[textOf(rp, "proposal-name")] = textOf(rp, "proposal-level") + "|" + textOf(rp, "proposal-awards")
		}
		want := map[string]string{}
		leftWant := map[string]bool{}
		for _, r := range y.Results {
			if !r.Excellent {
				leftWant[names[r.Subject]] = true
				continue
			}
			excellent++
			var labels []string
			for _, aw := range r.Awards {
				labels = append(labels, rules.Award(aw).Label())
			}
			want[names[r.Subject]] = store.StreakLabel(r.Streak) + "|" + strings.Join(labels, "") + "授予“人民满意干部”称号"
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d proposals page:\n got %v\nwant %v", y.Year, got, want)
		}
		left := map[string]bool{}
		for _, n := range texts(page, "leftout-name") {
			left[n] = true
		}
		if fmt.Sprint(left) != fmt.Sprint(leftWant) {
			t.Errorf("%d left out:\n got %v\nwant %v", y.Year, left, leftWant)
		}
	}
	// Not vacuous: A is 三年三优, C is left out in 2024 for the talks, D for the round.
	last := res.Years[len(res.Years)-1]
	for _, r := range last.Results {
		switch r.Subject {
		case key(A):
			if r.Streak != 3 {
				t.Errorf("A's streak %d, want 3", r.Streak)
			}
		case key(C), key(D), key(E):
			if r.Excellent {
				t.Errorf("%s should be left out in 2024", names[r.Subject])
			}
		}
	}
	if excellent < 6 {
		t.Errorf("only %d excellent standings over three years", excellent)
	}
	last24 := c.get("/scoring/2024/proposals")
	if !strings.Contains(last24.body, "年度提醒谈话 2 次,取消评先表优资格") {
		t.Error("C's reason (two reminder talks) is not on the page")
	}

	// The committee decides: a refusal needs its reason; the approved list exports and prints.
	props, err := a.store.Proposals(ctx, tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) < 2 {
		t.Fatalf("2024 proposals: %d", len(props))
	}
	decide := func(id int64, v url.Values) page {
		return c.post(fmt.Sprintf("/scoring/2024/proposals/%d/decide", id), v)
	}
	if p := decide(props[1].ID, url.Values{"decision": {"rejected"}, "on": {"2025-01-20"}}); p.status != http.StatusUnprocessableEntity || textOf(p, "error-note") == "" {
		t.Errorf("a refusal without a reason: %d", p.status)
	}
	if p := decide(props[0].ID, url.Values{"decision": {"approved"}, "on": {"2025-01-20"}, "note": {"党委会研究同意"}}); p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.status)
	}
	if p := decide(props[1].ID, url.Values{"decision": {"rejected"}, "on": {"2025-01-20"}, "note": {"名额所限"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reject: %d", p.status)
	}
	roll := c.get("/scoring/2024/proposals/print")
	if n := len(roll.find("roll-row")); n != 1 || !strings.Contains(roll.body, "中共小漩乡委员会") || textOf(roll, "roll-date") != "2025 年 1 月 20 日" {
		t.Errorf("表彰名单: %d rows, date %q", n, textOf(roll, "roll-date"))
	}
	x := c.get("/scoring/2024/proposals/list.xlsx")
	wb, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("表彰名单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][1] != props[0].SubjectName {
		t.Errorf("exported list: %v", rows)
	}
	// Generating again keeps the committee's decisions.
	c.post("/scoring/2024/proposals/generate", nil)
	after, err := a.store.Proposals(ctx, tid, 2024)
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, p := range after {
		if p.Decision != "pending" {
			decided++
		}
	}
	if decided != 2 || len(after) != len(props) {
		t.Errorf("after regenerating: %d proposals, %d decided", len(after), decided)
	}
}

// historyRound is the one place this test casts ballots: a year-end round of the village
// cadres through the store's public API (adapt here when that API changes). Weak subjects
// draw a reminder; the others pass. It returns the tallies in the `pingyi rules` format.
func historyRound(t *testing.T, st *store.Store, tid int64, year int, weak map[int64]bool) map[string]map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	groupOf := map[string]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		groupOf[c.Name] = c.DefaultGroup
	}
	id, err := st.CreateRound(ctx, tid, store.RoundInput{Title: fmt.Sprintf("%d 年度述职评议", year), Year: year, Kind: "year_end",
		Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 0, Levels: []int{3}, People: true,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, tid, s.ID, store.ReportInput{Text: "述职"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cats {
		if c.Name == "党委委员" || c.Name == "群众代表" {
			if err := st.GenerateCodes(ctx, tid, id, c.ID, 10); err != nil {
				t.Fatal(err)
			}
		}
	}
	shares, err := voting.OpenRound(ctx, st, tid, id, "周敏")
	if err != nil {
		t.Fatal(err)
	}
	slips, err := st.Slips(ctx, tid, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	tallies := map[string]map[string][]int64{}
	good := []int{1, 1, 1, 1, 1, 1, 1, 1, 2, 2}
	poor := []int{4, 1, 1, 1, 1, 1, 2, 2, 3, 3}
	for i, slip := range slips {
		var marks []ballotbox.Mark
		for _, s := range subs {
			ch := good[i%10]
			if weak[*s.PersonID] {
				ch = poor[i%10]
			}
			marks = append(marks, ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(ch)})
			k := fmt.Sprintf("p%d", *s.PersonID)
			if tallies[k] == nil {
				tallies[k] = map[string][]int64{"peer": make([]int64, 5), "public": make([]int64, 5)}
			}
			tallies[k][groupOf[slip.Category]][ch-1]++
		}
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.EndVoting(ctx, tid, id); err != nil {
		t.Fatal(err)
	}
	round, err := st.Round(ctx, tid, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := voting.OpenBox(ctx, st, round, shares[:round.KeyThreshold], "周敏"); err != nil {
		t.Fatal(err)
	}
	return tallies
}

func mustHash(t *testing.T) string {
	t.Helper()
	h, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestEvidenceFilesCheckedByContent: a 台账 must be a real PDF / Word / JPEG / PNG,
// whatever its name; a good one is kept with the entry and downloads again.
func TestEvidenceFilesCheckedByContent(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	subs := startYear(t, c, 2024)
	xiao := subs["小漩村党支部"]
	tpl, err := a.store.ScoreTemplate(context.Background(), xiao.TownshipID, *xiao.TemplateID)
	if err != nil {
		t.Fatal(err)
	}
	cl := tpl.Clauses()[0]
	path := fmt.Sprintf("/scoring/2024/sheets/%d", xiao.ID)
	send := func(name string, data []byte) page {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField(fmt.Sprintf("p_%d", cl.ID), "4")
		mw.WriteField(fmt.Sprintf("n_%d", cl.ID), "会议记录")
		fw, err := mw.CreateFormFile(fmt.Sprintf("f_%d", cl.ID), name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
		mw.Close()
		req, err := http.NewRequest(http.MethodPost, a.url+path, &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return c.do(req)
	}
	if p := send("记录.pdf", []byte("MZ\x90\x00 not a pdf")); p.status != http.StatusUnprocessableEntity || textOf(p, fmt.Sprintf("error-c%d", cl.ID)) == "" {
		t.Fatalf("a fake PDF: %d", p.status)
	}
	if e, err := a.store.ScoreEntries(context.Background(), xiao.TownshipID, xiao.ID); err != nil {
		t.Fatal(err)
	} else if len(e) != 0 {
		t.Fatal("a refused evidence file still saved the score")
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	if p := send("会议记录.pdf", pdf); p.status != http.StatusSeeOther {
		t.Fatalf("a PDF: %d", p.status)
	}
	p := c.get(path)
	if len(p.find("evidence-link")) != 1 {
		t.Fatal("no evidence link on the sheet")
	}
	f := c.get(fmt.Sprintf("/scoring/2024/sheets/%d/files/%d", xiao.ID, cl.ID))
	if f.status != http.StatusOK || f.header.Get("Content-Type") != "application/pdf" || f.body != string(pdf) {
		t.Errorf("download: %d %s", f.status, f.header.Get("Content-Type"))
	}
	// Leaders read the sheet and its evidence, and file no appeal.
	l := a.client()
	l.login("lingdao")
	if f := l.get(fmt.Sprintf("/scoring/2024/sheets/%d/files/%d", xiao.ID, cl.ID)); f.status != http.StatusOK {
		t.Errorf("leader download: %d", f.status)
	}
	if p := l.post("/scoring/2024/appeals", url.Values{"subject_id": {strconv.FormatInt(xiao.ID, 10)}, "kind": {"score"}, "reason": {"x"}}); !refused(p, http.StatusForbidden) {
		t.Errorf("leader files an appeal: %d", p.status)
	}
}
