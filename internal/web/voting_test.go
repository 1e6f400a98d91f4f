package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

// round creates a round over the given levels with reports filed and 10 codes for the
// public and the Party committee; open says whether to open it.
func (a *app) round(t *testing.T, levels []int, open bool) (int64, []store.RoundSubject, []string) {
	t.Helper()
	ctx := context.Background()
	cats, _ := a.store.RaterCategories(ctx, 1)
	groups := map[int64]string{}
	var public, peer int64
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		if c.Name == "群众代表" {
			public = c.ID
		}
		if c.Name == "党委委员" {
			peer = c.ID
		}
	}
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "测试评议", Year: 2025, Kind: "year_end", Weights: store.Weights{Peer: 40, Public: 60},
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Levels: levels, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, _ := a.store.RoundSubjects(ctx, 1, id)
	for _, s := range subs {
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。" + strings.Repeat("本年度认真履行职责,完成各项目标任务。", 12)}); err != nil {
			t.Fatal(err)
		}
	}
	a.store.GenerateCodes(ctx, 1, id, public, 10)
	a.store.GenerateCodes(ctx, 1, id, peer, 10)
	if open {
		if err := a.store.OpenRound(ctx, 1, id); err != nil {
			t.Fatal(err)
		}
	}
	slips, _ := a.store.Slips(ctx, 1, id, 0)
	var codes []string
	for _, s := range slips {
		codes = append(codes, s.Code)
	}
	subs, _ = a.store.RoundSubjects(ctx, 1, id)
	return id, subs, codes
}

func ballotForm(subs []store.RoundSubject, choice int, step string) url.Values {
	v := url.Values{}
	for _, s := range subs {
		v.Set(fmt.Sprintf("s%d", s.ID), fmt.Sprint(choice))
	}
	if step != "" {
		v.Set("step", step)
	}
	return v
}

func TestVotingFlowAndCodePages(t *testing.T) {
	a := newApp(t)
	id, subs, codes := a.round(t, []int{1}, true)
	rater := a.client()
	p := rater.get("/v/" + strings.ToLower(codes[0]))
	if p.status != 200 || len(p.find("ballot-subject")) != len(subs) {
		t.Fatalf("ballot: %d, %d subjects", p.status, len(p.find("ballot-subject")))
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Error("a ballot must not be cached")
	}
	// Half a ballot: the missing subjects are named, nothing is cast.
	half := ballotForm(subs[:3], 1, "")
	p = rater.post("/v/"+codes[0], half)
	if p.status != http.StatusUnprocessableEntity || len(p.find("ballot-missing")) != 1 {
		t.Fatalf("half ballot: %d", p.status)
	}
	p = rater.post("/v/"+codes[0], ballotForm(subs, 2, ""))
	if p.status != 200 || len(p.find("confirm-form")) != 1 {
		t.Fatalf("confirm step: %d", p.status)
	}
	p = rater.post("/v/"+codes[0], ballotForm(subs, 2, "edit"))
	if len(p.find("ballot-form")) != 1 || !strings.Contains(p.body, "checked") {
		t.Fatal("going back keeps the choices")
	}
	p = rater.post("/v/"+codes[0], ballotForm(subs, 2, "cast"))
	receipt := textOf(p, "receipt")
	if p.status != 200 || len(receipt) != 12 {
		t.Fatalf("cast: %d receipt %q", p.status, receipt)
	}
	if strings.Contains(p.body, "称职") {
		t.Error("the receipt page must not show the rater's choices")
	}
	if p := rater.get("/v/" + codes[0]); p.status != http.StatusGone || textOf(p, "notice-title") != "测评码已使用" {
		t.Fatalf("spent code: %d %q", p.status, textOf(p, "notice-title"))
	}
	if p := rater.get("/v/ABCDEFGHJK"); p.status != http.StatusNotFound || textOf(p, "notice-title") != "测评码无效" {
		t.Fatalf("unknown code: %d", p.status)
	}
	office := a.client()
	office.login("zzb")
	office.post(fmt.Sprintf("/rounds/%d/close", id), url.Values{"confirm": {"1"}})
	if p := rater.get("/v/" + codes[1]); p.status != http.StatusGone || textOf(p, "notice-title") != "投票已结束" {
		t.Fatalf("code of a closed round: %d %q", p.status, textOf(p, "notice-title"))
	}
}

func TestTalliesHiddenWhileOpen(t *testing.T) {
	a := newApp(t)
	id, subs, codes := a.round(t, []int{1}, true)
	a.client().post("/v/"+codes[0], ballotForm(subs, 4, "cast"))
	office, leader, sec := a.client(), a.client(), a.client()
	office.login("zzb")
	leader.login("lingdao")
	sec.login("xiaoxuan")
	for _, c := range []*client{office, leader} {
		if p := c.get(fmt.Sprintf("/rounds/%d/results", id)); p.status != http.StatusForbidden {
			t.Fatalf("results while open: %d, want 403", p.status)
		}
		if p := c.get(fmt.Sprintf("/rounds/%d/results.xlsx", id)); p.status != http.StatusForbidden {
			t.Fatalf("results export while open: %d, want 403", p.status)
		}
		p := c.get(fmt.Sprintf("/rounds/%d", id))
		if strings.Contains(p.body, "有效票") || strings.Contains(p.body, "弃权票") {
			t.Fatal("the round page shows votes while open")
		}
	}
	if p := office.get(fmt.Sprintf("/rounds/%d/screen", id)); p.status != 200 || !strings.HasPrefix(textOf(p, "screen-total"), "1") {
		t.Fatalf("projector: %d %q", p.status, textOf(p, "screen-total"))
	}
	office.post(fmt.Sprintf("/rounds/%d/close", id), url.Values{"confirm": {"1"}})
	p := leader.get(fmt.Sprintf("/rounds/%d/results", id))
	if p.status != 200 || len(p.find("result-row")) != len(subs) {
		t.Fatalf("leader results after close: %d", p.status)
	}
	// One ballot is fewer than the minimum of 5: per-group counts are hidden.
	if !strings.Contains(p.body, "票数过少") {
		t.Error("a group with fewer valid votes than the minimum must hide its counts")
	}
	if p := sec.get(fmt.Sprintf("/rounds/%d/results", id)); p.status != http.StatusForbidden {
		t.Fatalf("secretary results: %d", p.status)
	}
	x := office.get(fmt.Sprintf("/rounds/%d/results.xlsx", id))
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatalf("results xlsx: %v", err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	// A title row, a line about the round, two header rows, then one row per subject.
	if len(rows) != len(subs)+4 || rows[4][len(rows[4])-4] != "诫勉谈话" {
		t.Fatalf("results xlsx rows: %d, first %v", len(rows), rows[4])
	}
}

func TestPaperBallotSpendsTheCode(t *testing.T) {
	a := newApp(t)
	id, subs, codes := a.round(t, []int{1}, true)
	office := a.client()
	office.login("zzb")
	path := fmt.Sprintf("/rounds/%d/paper/ballot", id)
	if p := office.get(path + "?code=" + codes[0]); p.status != 200 || len(p.find("ballot-form")) != 1 {
		t.Fatalf("paper ballot form: %d", p.status)
	}
	form := ballotForm(subs, 1, "cast")
	form.Set("code", codes[0])
	p := office.post(path, form)
	if p.status != 200 || textOf(p, "receipt") == "" || len(p.find("paper-again")) != 1 {
		t.Fatalf("paper cast: %d", p.status)
	}
	if p := a.client().get("/v/" + codes[0]); p.status != http.StatusGone {
		t.Fatalf("online vote after paper ballot: %d, want 410", p.status)
	}
	if p := office.post(path, form); p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-code"), "不能重复录入") {
		t.Fatalf("paper ballot twice: %d %q", p.status, textOf(p, "error-code"))
	}
	turnout, _ := a.store.Turnout(context.Background(), 1, id, false)
	cast := 0
	for _, tu := range turnout {
		cast += tu.Cast
	}
	if cast != 1 {
		t.Fatalf("cast %d, want 1", cast)
	}
}

func TestBallotPageSizeFor30Subjects(t *testing.T) {
	a := newApp(t)
	_, subs, codes := a.round(t, []int{1, 2}, false)
	ctx := context.Background()
	var added int
	orgs, _ := a.store.AllOrganisations(ctx, 1)
	for _, o := range orgs {
		if o.Level == 4 && len(subs)+added < 30 {
			if err := a.store.AddSubject(ctx, 1, subs[0].RoundID, "o", o.ID); err != nil {
				t.Fatal(err)
			}
			added++
		}
	}
	all, _ := a.store.RoundSubjects(ctx, 1, subs[0].RoundID)
	for _, s := range all {
		a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。" + strings.Repeat("本年度认真履行职责,完成各项目标任务。", 12)})
	}
	if err := a.store.OpenRound(ctx, 1, subs[0].RoundID); err != nil {
		t.Fatal(err)
	}
	if len(all) != 30 {
		t.Fatalf("subjects %d, want 30", len(all))
	}
	c := a.client()
	p := c.get("/v/" + codes[0])
	if p.status != 200 || len(p.find("ballot-subject")) != 30 {
		t.Fatalf("ballot: %d", p.status)
	}
	total := len(p.body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(p.body, -1) {
		total += len(c.get(m[1]).body)
	}
	t.Logf("ballot page for 30 subjects: %d bytes HTML, %d bytes with its stylesheet and icon", len(p.body), total)
	if total > 60*1024 {
		t.Fatalf("ballot page with assets is %d bytes, over 60 KB", total)
	}
	if regexp.MustCompile(`(?:href|src)="(?:https?:)?//`).MatchString(p.body) {
		t.Fatal("the ballot page makes an external request")
	}
}

func TestCodeGuessingThrottled(t *testing.T) {
	a := newApp(t)
	c := a.client()
	for i := 0; i < 30; i++ {
		c.get(fmt.Sprintf("/v/ZZZZZZZZ%02d", i))
	}
	if p := c.get("/v/ZZZZZZZZZZ"); p.status != http.StatusTooManyRequests || textOf(p, "notice-title") != "尝试次数过多" {
		t.Fatalf("after 30 bad codes: %d %q", p.status, textOf(p, "notice-title"))
	}
}

func TestCodesNeverLogged(t *testing.T) {
	st := pgtest.Store(t)
	ctx := context.Background()
	demo.Load(ctx, st)
	var logs bytes.Buffer
	cfg, _ := config.Load(func(string) string { return "" })
	srv := web.New(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), st, cfg)
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	a := &app{t: t, url: ts.URL, store: st}
	id, subs, codes := a.round(t, []int{1}, true)
	c := a.client()
	c.get("/v/" + codes[0])
	c.post("/v/"+codes[0], ballotForm(subs, 1, "cast"))
	office := a.client()
	office.login("zzb")
	office.get(fmt.Sprintf("/rounds/%d/paper/ballot?code=%s", id, codes[1]))
	office.get(fmt.Sprintf("/rounds/%d/slips", id))
	if logs.Len() == 0 {
		t.Fatal("expected request logs at debug level")
	}
	for _, code := range codes {
		if strings.Contains(logs.String(), code) {
			t.Fatalf("code %s appears in the logs", code)
		}
	}
}

func TestReportsBySecretaryOwnVillageOnly(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	id, subs, _ := a.round(t, []int{3}, false)
	var own, other store.RoundSubject
	for _, s := range subs {
		if strings.HasPrefix(s.Name, "小漩村") {
			own = s
		}
		if strings.HasPrefix(s.Name, "河口村") {
			other = s
		}
	}
	if own.ID == 0 || other.ID == 0 {
		t.Fatal("demo villages missing from the round")
	}
	sec := a.client()
	sec.login("xiaoxuan")
	home := sec.get("/")
	if len(home.find("village-report-link")) == 0 || strings.Contains(home.body, "河口村党支部") {
		t.Fatal("the secretary's home lists own village's subjects only")
	}
	path := func(s store.RoundSubject) string { return fmt.Sprintf("/rounds/%d/subjects/%d/report", id, s.ID) }
	if p := sec.get(path(own)); p.status != 200 || len(p.find("report-form")) != 1 {
		t.Fatalf("own village report: %d", p.status)
	}
	if p := sec.post(path(own), url.Values{"text": {"小漩村党支部述职。"}}); p.status != http.StatusSeeOther {
		t.Fatalf("own village report post: %d %q", p.status, textOf(p, "error-file"))
	}
	if s, _ := a.store.RoundSubject(ctx, 1, own.ID); s.ReportText != "小漩村党支部述职。" {
		t.Fatalf("own village report text %q", s.ReportText)
	}
	p := sec.upload(path(own), "file", "报告.pdf", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("own village PDF: %d %s", p.status, textOf(p, "error-file"))
	}
	got, _ := a.store.RoundSubject(ctx, 1, own.ID)
	if got.FileName == nil || *got.FileName != "报告.pdf" {
		t.Fatal("the attachment was not stored")
	}
	if p := sec.get(path(other)); p.status != http.StatusNotFound {
		t.Fatalf("another village's report by URL: %d, want 404", p.status)
	}
	if p := sec.post(path(other), url.Values{"text": {"越权"}}); p.status != http.StatusNotFound {
		t.Fatalf("another village's report by post: %d, want 404", p.status)
	}
	if s, _ := a.store.RoundSubject(ctx, 1, other.ID); strings.Contains(s.ReportText, "越权") {
		t.Fatal("another village's report was changed")
	}
	// A file named .pdf that is not a PDF is refused by its content.
	office := a.client()
	office.login("zzb")
	p = office.upload(path(other), "file", "假的.pdf", []byte("MZ\x90\x00 this is an executable"))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-file"), "按文件内容检查") {
		t.Fatalf("fake PDF: %d %q", p.status, textOf(p, "error-file"))
	}
}

func TestOpeningNeedsReportsAndFreezes(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	id, subs, _ := a.round(t, []int{1}, false)
	a.store.SaveReport(ctx, 1, subs[0].ID, store.ReportInput{})
	office := a.client()
	office.login("zzb")
	p := office.post(fmt.Sprintf("/rounds/%d/open", id), nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "open-problems"), subs[0].Name) {
		t.Fatalf("open with a missing report: %d %q", p.status, textOf(p, "open-problems"))
	}
	a.store.SaveReport(ctx, 1, subs[0].ID, store.ReportInput{Oral: true, OralNote: "会上口头述职"})
	if p := office.post(fmt.Sprintf("/rounds/%d/open", id), nil); p.status != http.StatusSeeOther {
		t.Fatalf("open: %d", p.status)
	}
	p = office.post(fmt.Sprintf("/rounds/%d/edit", id), url.Values{"title": {"改"}, "year": {"2025"}, "kind": {"year_end"}, "w_peer": {"10"}, "w_public": {"90"},
		"pass_pct": {"90"}, "admonish_below_pct": {"80"}, "reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"}, "min_group_votes": {"5"}, "cat_5": {"peer"}})
	if w, _ := a.store.RoundWeights(ctx, id); w.Peer != 40 {
		t.Fatalf("weights changed after opening: %+v (status %d)", w, p.status)
	}
}

func TestCodeEntryPage(t *testing.T) {
	a := newApp(t)
	_, _, codes := a.round(t, []int{1}, true)
	c := a.client()
	if p := c.get("/v"); p.status != 200 || len(p.find("code-entry")) != 1 {
		t.Fatalf("entry page: %d", p.status)
	}
	if p := c.get("/v?code=" + url.QueryEscape(strings.ToLower(codes[0][:5])+" "+strings.ToLower(codes[0][5:]))); p.status != http.StatusSeeOther || p.header.Get("Location") != "/v/"+codes[0] {
		t.Fatalf("typed code: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.get("/v?code=O0I1L"); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed code: %d", p.status)
	}
}

func TestManualTalk(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	leader := a.client()
	leader.login("lingdao")
	orgs, _ := a.store.AllOrganisations(ctx, 1)
	var branch store.Organisation
	for _, o := range orgs {
		if o.Name == "小漩村党支部" {
			branch = o
		}
	}
	p := leader.post("/talks/new", url.Values{"subject": {""}, "year": {"2025"}, "kind": {"reminder"}, "held_on": {"2025-06-01"}, "held_by": {""}})
	if p.status != http.StatusUnprocessableEntity || textOf(p, "error-subject") == "" || textOf(p, "error-held_by") == "" {
		t.Fatalf("empty talk form: %d", p.status)
	}
	p = leader.post("/talks/new", url.Values{"subject": {fmt.Sprintf("o%d", branch.ID)}, "year": {"2025"}, "kind": {"admonishment"},
		"held_on": {"2025-06-01"}, "held_by": {"陈建国"}, "note": {"群众反映问题较多"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("record talk: %d", p.status)
	}
	talks, _ := a.store.Talks(ctx, 1, "held")
	if len(talks) != 1 || talks[0].TalkWithName != "刘志强" || talks[0].Source != "manual" || talks[0].Kind != "admonishment" {
		t.Fatalf("recorded talk %+v", talks)
	}
	sec := a.client()
	sec.login("xiaoxuan")
	if p := sec.post("/talks/new", url.Values{"subject": {fmt.Sprintf("o%d", branch.ID)}}); p.status != http.StatusForbidden {
		t.Fatalf("secretary records a talk: %d", p.status)
	}
}
