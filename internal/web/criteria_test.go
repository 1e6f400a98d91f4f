package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// criteriaRound is the one place these tests make a round: the level-1 subjects (乡党委,
// 乡政府, eight leaders) with the given criteria setting, reports filed, 10 public and 10
// Party-committee codes, open.
func criteriaRound(t *testing.T, a *app, mode string, persons rules.CriteriaSet) fixture {
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
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1}, People: true, Organisations: true, Criteria: mode, PersonCriteria: persons})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{id: id}
	if f.subs, err = a.store.RoundSubjects(ctx, 1, id); err != nil {
		t.Fatal(err)
	}
	for _, s := range f.subs {
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []int64{public, peer} {
		if err := a.store.GenerateCodes(ctx, 1, id, c, 10); err != nil {
			t.Fatal(err)
		}
	}
	if f.shares, err = voting.OpenRound(ctx, a.store, 1, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	slips, err := a.store.Slips(ctx, 1, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slips {
		f.codes = append(f.codes, s.Code)
	}
	return f
}

// withCriteria sets every criterion of every subject to rating in a ballot form.
func withCriteria(form url.Values, subs []store.RoundSubject, rating int) url.Values {
	for _, s := range subs {
		for k := 1; k <= 5; k++ {
			form.Set(fmt.Sprintf("c%d_%d", s.ID, k), fmt.Sprint(rating))
		}
	}
	return form
}

func TestBallotAsksForCriteriaAndNamesTheMissingOnes(t *testing.T) {
	a := newApp(t)
	f := criteriaRound(t, a, store.CriteriaRequired, "")
	phone := a.client()
	p := phone.scan(f.codes[0])
	boxes := p.find("criteria")
	if p.status != http.StatusOK || len(boxes) != len(f.subs) || textOf(p, "criteria-note") == "" {
		t.Fatalf("ballot: %d, %d criteria blocks for %d subjects", p.status, len(boxes), len(f.subs))
	}
	// Collapsed, with the kind's set; required: no 不评, nothing chosen.
	for i, s := range f.subs {
		b := text(boxes[i])
		want := "事业有建树"
		if s.IsOrganisation() {
			want = "领导班子好"
		}
		if hasAttr(boxes[i], "open") || !strings.Contains(b, want) || strings.Contains(b, "不评") {
			t.Fatalf("%s's criteria: %q (open %v)", s.Name, b, hasAttr(boxes[i], "open"))
		}
	}
	if strings.Contains(p.body, `value="0" checked`) {
		t.Fatal("a required criterion starts answered")
	}

	// Every overall rating given, subject 3 abstained on, criteria of subjects 0 and 5 not
	// all rated: refused, both named with their missing criteria, nothing cast.
	form := withCriteria(ballotForm(f.subs, 2, "cast"), f.subs, 1)
	form.Set(fmt.Sprintf("s%d", f.subs[3].ID), "5")
	for k := 1; k <= 5; k++ {
		form.Del(fmt.Sprintf("c%d_%d", f.subs[3].ID, k))
	}
	form.Del(fmt.Sprintf("c%d_2", f.subs[0].ID))
	form.Set(fmt.Sprintf("c%d_4", f.subs[5].ID), "0")
	form.Set(fmt.Sprintf("c%d_5", f.subs[5].ID), "9")
	p = phone.post("/v/ballot", form)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("missing criteria: %d", p.status)
	}
	missing := textOf(p, "criteria-missing")
	for _, want := range []string{"还有 2 个对象", "1. " + f.subs[0].Name + "(党员队伍好)", "6. " + f.subs[5].Name + "(做人有品位、自律有原则)"} {
		if !strings.Contains(missing, want) {
			t.Errorf("missing criteria %q, want %q", missing, want)
		}
	}
	if strings.Contains(missing, f.subs[3].Name) || textOf(p, "ballot-missing") != "" {
		t.Errorf("an abstention's criteria asked for, or an answered subject named: %q", missing)
	}
	boxes = p.find("criteria")
	if !hasAttr(boxes[0], "open") || !hasAttr(boxes[5], "open") || hasAttr(boxes[1], "open") {
		t.Error("the subjects with missing criteria are not opened, or others are")
	}
	// What was rated stays chosen.
	if !strings.Contains(p.body, fmt.Sprintf(`name="c%d_1" value="1" checked`, f.subs[0].ID)) {
		t.Error("a rating given is lost on the way back")
	}
	if ci, err := a.store.Code(context.Background(), f.codes[0]); err != nil || ci.Spent {
		t.Fatalf("code spent by a refused ballot (%v)", err)
	}

	// Complete: the confirm step lists the ratings and carries them; casting twice with the
	// same phone (a lost reply) gives one ballot and the same receipt.
	form.Set(fmt.Sprintf("c%d_2", f.subs[0].ID), "2")
	form.Set(fmt.Sprintf("c%d_4", f.subs[5].ID), "3")
	form.Set(fmt.Sprintf("c%d_5", f.subs[5].ID), "4")
	form.Del("step")
	p = phone.post("/v/ballot", form)
	if p.status != http.StatusOK || len(p.find("confirm-form")) != 1 {
		t.Fatalf("confirm: %d %s", p.status, textOf(p, "criteria-missing"))
	}
	confirmed := texts(p, "confirm-criteria")
	if len(confirmed) != len(f.subs)-1 || !strings.Contains(confirmed[0], "领导班子好 非常满意 · 党员队伍好 满意") {
		t.Fatalf("confirm shows %q", confirmed)
	}
	if strings.Count(p.body, `type="hidden" name="c`) != 5*(len(f.subs)-1) {
		t.Fatal("the confirm form does not carry every rating")
	}
	form.Set("step", "cast")
	first := phone.post("/v/ballot", form)
	again := phone.post("/v/ballot", form)
	if first.status != http.StatusOK || textOf(first, "receipt") == "" || textOf(again, "receipt") != textOf(first, "receipt") {
		t.Fatalf("cast %d %q, again %d %q", first.status, textOf(first, "receipt"), again.status, textOf(again, "receipt"))
	}
	if n, err := a.store.Receipts(context.Background(), 1, f.id); err != nil || len(n) != 1 {
		t.Fatalf("ballots %d (%v), want 1", len(n), err)
	}
}

func TestOptionalCriteriaStartAtNotRated(t *testing.T) {
	a := newApp(t)
	f := criteriaRound(t, a, store.CriteriaOptional, rules.FiveLeads)
	phone := a.client()
	p := phone.scan(f.codes[0])
	if n := strings.Count(p.body, `value="0" checked`); n != 5*len(f.subs) {
		t.Fatalf("不评 chosen for %d criteria, want all %d", n, 5*len(f.subs))
	}
	if !strings.Contains(p.body, "带头学习提高") || strings.Contains(p.body, "事业有建树") {
		t.Fatal("persons are not rated on 五带头 in a round that says so")
	}
	// Nothing rated is fine; a rating on an abstention is dropped, not cast.
	form := ballotForm(f.subs, 1, "cast")
	form.Set(fmt.Sprintf("s%d", f.subs[2].ID), "5")
	form.Set(fmt.Sprintf("c%d_1", f.subs[2].ID), "1")
	form.Set(fmt.Sprintf("c%d_1", f.subs[0].ID), "2")
	if p := phone.post("/v/ballot", form); p.status != http.StatusOK || textOf(p, "receipt") == "" {
		t.Fatalf("cast: %d %s", p.status, textOf(p, "criteria-missing"))
	}
}

func TestRoundFormSetsCriteria(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, false)
	office := a.client()
	office.login("zzb")
	edit := office.get(fmt.Sprintf("/rounds/%d/edit", f.id))
	if edit.status != http.StatusOK || len(edit.find("criteria-fields")) != 1 || !strings.Contains(edit.body, `<option value="off" selected>`) {
		t.Fatalf("edit form: %d", edit.status)
	}
	cats, err := a.store.RoundCategories(context.Background(), 1, f.id)
	if err != nil {
		t.Fatal(err)
	}
	form := func(mode, persons string) url.Values {
		v := url.Values{"title": {"测试评议"}, "year": {"2025"}, "kind": {"year_end"}, "w_peer": {"40"}, "w_public": {"60"},
			"pass_pct": {"90"}, "admonish_below_pct": {"80"}, "reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"},
			"min_group_votes": {"5"}, "scrutineers": {"甲\n乙\n丙"}, "key_threshold": {"2"},
			"criteria": {mode}, "person_criteria": {persons}}
		for _, c := range cats {
			v.Set(fmt.Sprintf("cat_%d", c.CategoryID), c.Group)
		}
		return v
	}
	p := office.post(fmt.Sprintf("/rounds/%d/edit", f.id), form("always", "five_goods"))
	if p.status != http.StatusUnprocessableEntity || textOf(p, "error-criteria") != "请选择是否评价三争创标准" ||
		textOf(p, "error-person_criteria") != "请选择个人对象按五个有还是五带头评价" {
		t.Fatalf("bad settings: %d %q %q", p.status, textOf(p, "error-criteria"), textOf(p, "error-person_criteria"))
	}
	if p := office.post(fmt.Sprintf("/rounds/%d/edit", f.id), form("required", "five_leads")); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	r, err := a.store.Round(context.Background(), 1, f.id)
	if err != nil || r.Criteria != store.CriteriaRequired || r.PersonCriteria != rules.FiveLeads {
		t.Fatalf("saved %q %q (%v)", r.Criteria, r.PersonCriteria, err)
	}
	// A leader reads but does not set rounds up.
	leader := a.client()
	leader.login("lingdao")
	if p := leader.post(fmt.Sprintf("/rounds/%d/edit", f.id), form("off", "five_haves")); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader edits: %d", p.status)
	}
	// The method page of the round says how criteria are rated and that they decide nothing.
	m := office.get(fmt.Sprintf("/rounds/%d/method", f.id))
	if !strings.Contains(textOf(m, "method-criteria"), "必填") || !strings.Contains(textOf(m, "method-criteria"), "五带头") ||
		!strings.Contains(textOf(m, "method-criteria-no-outcome"), "只看每个对象的总体评价") {
		t.Fatalf("method: %q", textOf(m, "method-criteria"))
	}
}

func TestResultsShowTheCriteriaProfile(t *testing.T) {
	a := newApp(t)
	f := criteriaRound(t, a, store.CriteriaOptional, "")
	// Public: 10 ballots, criterion 1 rated 优秀 by 8 and 不称职 by 2; the rest unrated.
	// Peer: 3 ballots only, below the minimum of 5: its group is not shown, criteria included.
	for i, code := range f.codes {
		if i >= 13 {
			break
		}
		form := ballotForm(f.subs, 1, "cast")
		rating := "1"
		if i >= 8 && i < 10 {
			rating = "4"
		}
		for _, s := range f.subs {
			form.Set(fmt.Sprintf("c%d_1", s.ID), rating)
		}
		phone := a.client()
		phone.scan(code)
		if p := phone.post("/v/ballot", form); textOf(p, "receipt") == "" {
			t.Fatalf("cast %d: %d", i, p.status)
		}
	}
	office := a.client()
	office.login("zzb")
	office.count(f)
	p := office.get(fmt.Sprintf("/rounds/%d/results", f.id))
	rows := p.find("result-criteria")
	if p.status != http.StatusOK || len(rows) != len(f.subs) || textOf(p, "results-criteria-note") == "" {
		t.Fatalf("results: %d, %d profiles", p.status, len(rows))
	}
	// 8 of 10 in the only group shown: 80%; the other four criteria have no figure.
	if got := text(rows[0]); !strings.Contains(got, "五个好") || !strings.Contains(got, "领导班子好") || !strings.Contains(got, "80.00%") {
		t.Fatalf("profile %q", got)
	}
	if got := text(rows[2]); !strings.Contains(got, "五个有") || !strings.Contains(got, "事业有建树") {
		t.Fatalf("person's profile %q", got)
	}
	// The overall result is the overall rating's alone (all 优秀: 合格).
	for _, o := range texts(p, "result-outcome") {
		if o != "合格" {
			t.Fatalf("outcome %q", o)
		}
	}
	if pr := office.get(fmt.Sprintf("/rounds/%d/results/print", f.id)); len(pr.find("result-criteria")) != len(f.subs) {
		t.Fatal("the print view has no profiles")
	}
	x := office.get(fmt.Sprintf("/rounds/%d/results.xlsx", f.id))
	wb, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rowsX, err := wb.GetRows("三争创标准测评")
	if err != nil || len(rowsX) != 4+5*len(f.subs) {
		t.Fatalf("criteria sheet: %d rows (%v)", len(rowsX), err)
	}
	// 对象, 职务, 标准, 评价项, peer ①–④ (not shown), public ①–④, 计入人数, 加权满意率.
	first := rowsX[4]
	if first[0] != f.subs[0].Name || first[3] != "领导班子好" || first[4] != "—" || first[8] != "8" || first[11] != "2" || first[12] != "10" || first[13] != "80.00%" {
		t.Fatalf("first row %q", first)
	}
	if v, err := wb.GetCellValue("三争创标准测评", "N5", excelize.Options{RawCellValue: true}); err != nil || v != "0.8" {
		t.Fatalf("share as a number: %q (%v)", v, err)
	}

	// The dossier shows the round's profile; another township sees neither.
	org := *f.subs[0].OrganisationID
	if d := office.get(fmt.Sprintf("/orgs/%d/dossier", org)); !strings.Contains(textOf(d, "dossier-criteria"), "80.00%") {
		t.Fatalf("dossier: %d %q", d.status, textOf(d, "dossier-criteria"))
	}
	ctx := context.Background()
	other, err := a.store.EnsureTownship(ctx, "双河镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SaveUser(ctx, other.ID, 0, store.UserInput{Username: "shuanghe", DisplayName: "钱进", Role: store.RoleOffice, PasswordHash: hash, Active: true}); err != nil {
		t.Fatal(err)
	}
	stranger := a.client()
	stranger.login("shuanghe")
	for _, path := range []string{"/rounds/%d/results", "/rounds/%d/results/print", "/rounds/%d/results.xlsx"} {
		if p := stranger.get(fmt.Sprintf(path, f.id)); !refused(p, http.StatusNotFound) {
			t.Errorf("another township's %s: %d", path, p.status)
		}
	}
	if p := stranger.get(fmt.Sprintf("/orgs/%d/dossier", org)); !refused(p, http.StatusNotFound) {
		t.Errorf("another township's dossier: %d", p.status)
	}
	// A village secretary sees no round results but its village's published ones.
	sec := a.client()
	sec.login("xiaoxuan")
	if p := sec.get(fmt.Sprintf("/rounds/%d/results", f.id)); p.status == http.StatusOK {
		t.Errorf("secretary reads the round's results: %d", p.status)
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
