package web_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/officedoc"
	"pingyi/internal/store"
)

// villageRounds runs one village-level round per year in which the named subjects get
// only 不称职 / 不满意 votes (诫勉谈话) and everyone else passes.
func villageRounds(t *testing.T, a *app, tid int64, years []int, weak ...string) {
	t.Helper()
	for _, y := range years {
		_, err := demo.RunRound(context.Background(), a.store, tid, demo.RoundSpec{Title: fmt.Sprintf("%d 年度述职评议", y), Year: y, Kind: "year_end",
			Levels: []int{3}, People: true, Organisations: true, MaxBallots: 6, Vote: func(_ *rand.Rand, _ int, s store.RoundSubject) int {
				for _, w := range weak {
					if s.Name == w {
						return 4
					}
				}
				return 1
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func townID(t *testing.T, a *app) int64 {
	town, err := a.store.TownshipByName(context.Background(), demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	return town.ID
}

func talkOf(t *testing.T, a *app, tid int64, subject string, year int) store.Talk {
	t.Helper()
	talks, err := a.store.Talks(context.Background(), tid, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range talks {
		if tk.SubjectName == subject && tk.Year == year {
			return tk
		}
	}
	t.Fatalf("no %d talk for %s", year, subject)
	return store.Talk{}
}

// TestTalkAccessByRole: a village secretary reads only their own village's talks and never
// a document, a referral or a dossier; a leader reads documents but only records talks
// they hold; another township's office sees nothing, by URL or by form field.
func TestTalkAccessByRole(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tid := townID(t, a)
	villageRounds(t, a, tid, []int{2024, 2025}, "小漩村党支部", "河口村党支部")
	own, other := talkOf(t, a, tid, "小漩村党支部", 2025), talkOf(t, a, tid, "河口村党支部", 2025)

	office := a.client()
	office.login("zzb")
	if p := office.get("/talks"); p.status != 200 || len(p.find("talk-row")) != 4 {
		t.Fatalf("office ledger: %d, %d rows", p.status, len(p.find("talk-row")))
	}
	p := office.get("/documents")
	if p.status != 200 || len(p.find("document-row")) != 2 {
		t.Fatalf("office documents: %d, %d rows", p.status, len(p.find("document-row")))
	}
	docs, err := a.store.Documents(ctx, tid, store.ConsequenceFilter{TalkID: own.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("documents of %s: %d", own.SubjectName, len(docs))
	}
	doc := docs[0]

	sec := a.client()
	sec.login("xiaoxuan")
	p = sec.get("/talks")
	if p.status != 200 || len(p.find("talk-row")) != 2 || len(p.find("documents-link")) != 0 || strings.Contains(p.body, "河口村") {
		t.Fatalf("secretary ledger: %d, %d rows", p.status, len(p.find("talk-row")))
	}
	if p := sec.get(fmt.Sprintf("/talks/%d", own.ID)); p.status != 200 || len(p.find("talk-documents")) != 0 || len(p.find("talk-record-form")) != 0 {
		t.Fatalf("secretary's own village talk: %d, documents shown %d, form %d", p.status, len(p.find("talk-documents")), len(p.find("talk-record-form")))
	}
	for path, want := range map[string]int{
		fmt.Sprintf("/talks/%d", other.ID):                   404,
		"/documents":                                         403,
		fmt.Sprintf("/documents/%d", doc.ID):                 403,
		fmt.Sprintf("/documents/%d/pdf", doc.ID):             403,
		fmt.Sprintf("/documents/%d/docx", doc.ID):            403,
		fmt.Sprintf("/documents/%d/print", doc.ID):           403,
		fmt.Sprintf("/orgs/%d/dossier", *own.OrganisationID): 403,
		"/talks/settings":                                    403,
	} {
		if p := sec.get(path); p.status != want {
			t.Errorf("secretary GET %s: %d, want %d", path, p.status, want)
		}
	}
	for path, want := range map[string]int{
		fmt.Sprintf("/talks/%d/record", own.ID):         403,
		fmt.Sprintf("/talks/%d/held", own.ID):           403,
		fmt.Sprintf("/talks/%d/rectifications", own.ID): 403,
		fmt.Sprintf("/documents/%d/issue", doc.ID):      403,
	} {
		if p := sec.post(path, url.Values{"held_on": {"2025-01-01"}, "talker": {"x"}}); p.status != want {
			t.Errorf("secretary POST %s: %d, want %d", path, p.status, want)
		}
	}

	// A leader reads documents, records a pending talk, but writes nothing else.
	leader := a.client()
	leader.login("lingdao")
	if p := leader.get(fmt.Sprintf("/documents/%d", doc.ID)); p.status != 200 || len(p.find("document-form")) != 0 {
		t.Fatalf("leader document: %d", p.status)
	}
	if p := leader.post(fmt.Sprintf("/documents/%d/issue", doc.ID), url.Values{"issued_on": {"2025-03-01"}, "issued_by": {"x"}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader issues a document: %d", p.status)
	}
	if p := leader.post(fmt.Sprintf("/talks/%d/rectifications", own.ID), url.Values{"content": {"x"}, "due_on": {"2026-01-01"}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader adds an item: %d", p.status)
	}
	today := store.Today().Format("2006-01-02")
	if p := leader.post(fmt.Sprintf("/talks/%d/record", own.ID), url.Values{"held_on": {today}, "talker": {"陈建国"}, "points": {"要点"}}); p.status != http.StatusSeeOther {
		t.Fatalf("leader records a pending talk: %d", p.status)
	}
	if p := leader.post(fmt.Sprintf("/talks/%d/record", own.ID), url.Values{"held_on": {today}, "talker": {"陈建国"}, "points": {"改"}}); p.status != http.StatusSeeOther {
		t.Fatalf("leader edits their own record: %d", p.status)
	}
	if p := office.post(fmt.Sprintf("/talks/%d/record", other.ID), url.Values{"held_on": {today}, "talker": {"周敏"}}); p.status != http.StatusSeeOther {
		t.Fatalf("office records: %d", p.status)
	}
	if p := leader.post(fmt.Sprintf("/talks/%d/record", other.ID), url.Values{"held_on": {today}, "talker": {"陈建国"}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader edits the office's record: %d", p.status)
	}

	// Another township's office: nothing of 小漩乡 exists for it.
	town2, err := a.store.EnsureTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SaveUser(ctx, town2.ID, 0, store.UserInput{Username: "hekou", DisplayName: "王", Role: store.RoleOffice, PasswordHash: hash, Active: true}); err != nil {
		t.Fatal(err)
	}
	stranger := a.client()
	stranger.login("hekou")
	for _, path := range []string{fmt.Sprintf("/talks/%d", own.ID), fmt.Sprintf("/documents/%d", doc.ID), fmt.Sprintf("/documents/%d/pdf", doc.ID),
		fmt.Sprintf("/orgs/%d/dossier", *own.OrganisationID)} {
		if p := stranger.get(path); !refused(p, http.StatusNotFound) {
			t.Errorf("other township GET %s: %d, want 404", path, p.status)
		}
	}
	if p := stranger.get("/talks"); len(p.find("talk-row")) != 0 {
		t.Fatal("another township's ledger lists 小漩乡's talks")
	}
	for _, path := range []string{fmt.Sprintf("/talks/%d/rectifications", own.ID), fmt.Sprintf("/documents/%d/issue", doc.ID), fmt.Sprintf("/talks/%d/record", own.ID)} {
		if p := stranger.post(path, url.Values{"content": {"x"}, "due_on": {"2026-01-01"}, "issued_on": {"2025-01-01"}, "issued_by": {"x"}, "held_on": {today}, "talker": {"x"}}); !refused(p, http.StatusNotFound) {
			t.Errorf("other township POST %s: %d, want 404", path, p.status)
		}
	}
	// A manual talk naming 小漩乡's subject by form field.
	if p := stranger.post("/talks/new", url.Values{"subject": {fmt.Sprintf("o%d", *own.OrganisationID)}, "year": {"2025"}, "kind": {"reminder"},
		"held_on": {today}, "held_by": {"王"}}); p.status != 422 || textOf(p, "error-subject") == "" {
		t.Fatalf("other township records a talk for 小漩乡's subject: %d", p.status)
	}
	// A referral of one talk cannot be written through another talk's URL.
	villageRounds(t, a, tid, []int{2026}, "小漩村党支部")
	if err := a.store.EnsureConsequences(ctx, tid); err != nil {
		t.Fatal(err)
	}
	refs, err := a.store.Referrals(ctx, tid, store.ConsequenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 {
		t.Fatalf("referrals %d, want 1", len(refs))
	}
	if p := office.post(fmt.Sprintf("/talks/%d/referrals/%d", other.ID, refs[0].ID), url.Values{"reason": {"x"}}); !refused(p, http.StatusNotFound) {
		t.Fatalf("referral through another talk: %d", p.status)
	}
	if p := sec.get(fmt.Sprintf("/talks/%d", refs[0].TalkID)); p.status != 200 || len(p.find("referral")) != 0 {
		t.Fatalf("secretary sees a referral: %d", p.status)
	}
}

// TestHomeShowsOverdue: overdue rectification items and talks past the office's deadline
// are on the home page of office staff and leaders.
func TestHomeShowsOverdue(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tid := townID(t, a)
	villageRounds(t, a, tid, []int{2025}, "河口村党支部")
	// Published 20 days ago: with the default 15 days the talk is overdue.
	if _, err := a.store.Pool().Exec(ctx, `UPDATE rounds SET published_at = now() - interval '20 days' WHERE township_id = $1`, tid); err != nil {
		t.Fatal(err)
	}
	people, err := a.store.AllPeople(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	held := store.Today().AddDate(0, 0, -30)
	if _, err := a.store.RecordTalk(ctx, tid, store.TalkInput{SubjectKind: "p", SubjectID: people[0].ID, Year: 2025, Kind: store.TalkReminder,
		HeldOn: held, HeldBy: "陈建国"}); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"zzb", "lingdao"} {
		c := a.client()
		c.login(user)
		p := c.get("/")
		if items := texts(p, "alert-rectification"); len(items) != 1 || !strings.Contains(items[0], people[0].Name) {
			t.Errorf("%s home: overdue items %q", user, items)
		}
		if talks := texts(p, "alert-talk"); len(talks) != 1 || !strings.Contains(talks[0], "河口村党支部") {
			t.Errorf("%s home: overdue talks %q", user, talks)
		}
	}
	// The deadline is the office's setting: 30 days and the talk is no longer overdue.
	office := a.client()
	office.login("zzb")
	if p := office.post("/talks/settings", url.Values{"deadline": {"0"}, "pledge": {"7"}, "months": {"6"}}); p.status != 422 || textOf(p, "error-deadline") == "" {
		t.Fatalf("bad setting: %d", p.status)
	}
	if p := office.post("/talks/settings", url.Values{"deadline": {"30"}, "pledge": {"7"}, "months": {"6"}, "prefix": {"小漩组"}}); p.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", p.status)
	}
	if p := office.get("/"); len(p.find("alert-talk")) != 0 {
		t.Fatal("with 30 days the talk is not overdue")
	}
	sec := a.client()
	sec.login("xiaoxuan")
	if p := sec.get("/"); len(p.find("home-alerts")) != 0 {
		t.Fatal("a secretary's home shows the township's alerts")
	}
}

// TestDossierThreeYears: a subject's dossier lists its three years of rounds, charts them
// and counts each year's talks against award eligibility; it is linked from the lists.
func TestDossierThreeYears(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tid := townID(t, a)
	villageRounds(t, a, tid, []int{2023}, "双河村委会")
	villageRounds(t, a, tid, []int{2024, 2025})
	orgs, err := a.store.AllOrganisations(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, o := range orgs {
		if o.Name == "双河村委会" {
			id = o.ID
		}
	}
	office := a.client()
	office.login("zzb")
	p := office.get(fmt.Sprintf("/orgs/%d/dossier", id))
	if p.status != 200 {
		t.Fatalf("dossier: %d", p.status)
	}
	if rows := texts(p, "dossier-s"); len(rows) != 3 || rows[0] != "0.00%" || rows[2] != "100.00%" {
		t.Fatalf("dossier rounds %q, want 2023 0%%, then 2024 and 2025 100%%", rows)
	}
	if n := len(p.find("chart-point")); n != 3 {
		t.Fatalf("chart points %d, want 3", n)
	}
	if got := texts(p, "dossier-outcome"); got[0] != "诫勉谈话" || got[1] != "合格" {
		t.Fatalf("outcomes %q", got)
	}
	years := texts(p, "dossier-year")
	if len(years) != 3 || !strings.Contains(years[2], "2023") || !strings.Contains(years[2], "取消") || strings.Contains(years[0], "取消") {
		t.Fatalf("award eligibility by year %q", years)
	}
	if len(p.find("dossier-awards-placeholder")) != 1 {
		t.Fatal("no placeholder for ranks and awards")
	}
	if p := office.get(fmt.Sprintf("/orgs/%d/dossier?print=1", id)); p.status != 200 || len(p.find("nav")) != 0 {
		t.Fatalf("print version: %d", p.status)
	}
	// Linked from the organisation list, the results and the ledger.
	href := fmt.Sprintf("/orgs/%d/dossier", id)
	rounds, err := a.store.Rounds(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/orgs", "/talks", fmt.Sprintf("/rounds/%d/results", rounds[len(rounds)-1].ID), fmt.Sprintf("/rounds/%d", rounds[0].ID)} {
		if p := office.get(path); !strings.Contains(p.body, `href="`+href+`"`) {
			t.Errorf("%s does not link to the dossier", path)
		}
	}
	if p := office.get("/people"); !strings.Contains(p.body, "/dossier") {
		t.Error("the people list does not link to dossiers")
	}
	if p := office.get(fmt.Sprintf("/p/%s", *rounds[0].PublicSlug)); strings.Contains(p.body, "/dossier") {
		t.Error("the public page links to a dossier")
	}
}

// TestTalkRecordAndDocumentFlow: bad input gets its message beside the field and changes
// nothing; a good record, an attachment, an item done, a document edited, issued and
// exported.
func TestTalkRecordAndDocumentFlow(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	tid := townID(t, a)
	villageRounds(t, a, tid, []int{2024, 2025}, "青龙村党支部")
	tk := talkOf(t, a, tid, "青龙村党支部", 2025)
	office := a.client()
	office.login("zzb")
	path := fmt.Sprintf("/talks/%d", tk.ID)
	tomorrow := store.Today().AddDate(0, 0, 1).Format("2006-01-02")
	p := office.post(path+"/record", url.Values{"held_on": {tomorrow}, "points": {strings.Repeat("长", 5001)}})
	if p.status != 422 || textOf(p, "error-held_on") == "" || textOf(p, "error-talker") == "" || textOf(p, "error-points") == "" {
		t.Fatalf("bad record: %d %q %q", p.status, textOf(p, "error-held_on"), textOf(p, "error-talker"))
	}
	if got, err := a.store.Talk(ctx, tid, tk.ID); err != nil {
		t.Fatal(err)
	} else if got.Held() {
		t.Fatal("a refused record changed the talk")
	}
	held := store.Today().AddDate(0, 0, -3).Format("2006-01-02")
	if p := office.post(path+"/record", url.Values{"held_on": {held}, "talker": {"陈建国"}, "talker_post": {"党委书记"}, "place": {"会议室"},
		"points": {"指出问题"}, "response": {"接受批评"}}); p.status != http.StatusSeeOther {
		t.Fatalf("record: %d", p.status)
	}
	p = office.get(path)
	if got := texts(p, "rectification-row"); len(got) != 1 || !strings.Contains(got[0], "书面检查") {
		t.Fatalf("default pledge %q", got)
	}
	if len(p.find("period")) != 1 {
		t.Fatal("no 诫勉 period")
	}
	// Attachments are checked by content.
	if p := office.upload(path+"/files", "file", "scan.pdf", []byte("not a pdf")); p.status != 422 || textOf(p, "error-file") == "" {
		t.Fatalf("fake PDF: %d", p.status)
	}
	if p := office.upload(path+"/files", "file", "谈话记录.pdf", []byte("%PDF-1.4 signed")); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d", p.status)
	}
	files, err := a.store.TalkFiles(ctx, tid, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", a.url+fmt.Sprintf("%s/files/%d", path, files[0].ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := office.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if string(body) != "%PDF-1.4 signed" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %q %q", body, resp.Header.Get("Content-Disposition"))
	}
	// Items: a bad one refused; the pledge done needs evidence.
	if p := office.post(path+"/rectifications", url.Values{"content": {""}, "due_on": {"x"}}); p.status != 422 || textOf(p, "error-content") == "" || textOf(p, "error-due_on") == "" {
		t.Fatalf("bad item: %d", p.status)
	}
	items, err := a.store.Rectifications(ctx, tid, store.Today(), store.RectificationFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if p := office.post(fmt.Sprintf("%s/rectifications/%d/done", path, items[0].ID), url.Values{"done_on": {held}}); p.status != 422 {
		t.Fatalf("done without evidence: %d", p.status)
	}
	if p := office.post(fmt.Sprintf("%s/rectifications/%d/done", path, items[0].ID), url.Values{"done_on": {held}, "evidence": {"已提交书面检查"}}); p.status != http.StatusSeeOther {
		t.Fatalf("done: %d", p.status)
	}
	// The document: redrafted from the record, edited, issued, exported.
	docs, err := a.store.Documents(ctx, tid, store.ConsequenceFilter{TalkID: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	dpath := fmt.Sprintf("/documents/%d", docs[0].ID)
	if p := office.post(dpath+"/redraft", nil); p.status != http.StatusSeeOther {
		t.Fatalf("redraft: %d", p.status)
	}
	if d, err := a.store.Document(ctx, tid, docs[0].ID); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(d.Body, "指出:指出问题") || !strings.Contains(d.Body, "本人表示:接受批评") {
		t.Fatalf("redraft lacks the record:\n%s", d.Body)
	}
	if p := office.post(dpath, url.Values{"title": {""}, "body": {"正文"}}); p.status != 422 || textOf(p, "error-title") == "" {
		t.Fatalf("empty title: %d", p.status)
	}
	if p := office.post(dpath+"/issue", url.Values{"issued_on": {tomorrow}, "issued_by": {""}}); p.status != 422 || textOf(p, "error-issued_on") == "" || textOf(p, "error-issued_by") == "" {
		t.Fatalf("bad issue: %d", p.status)
	}
	on := store.Today()
	if p := office.post(dpath+"/issue", url.Values{"issued_on": {on.Format("2006-01-02")}, "issued_by": {"陈建国"}}); p.status != http.StatusSeeOther {
		t.Fatalf("issue: %d", p.status)
	}
	want := fmt.Sprintf("小漩组〔%d〕1号", on.Year())
	if p := office.get(dpath); textOf(p, "doc-number") != want || len(p.find("document-form")) != 0 {
		t.Fatalf("issued: %q, want %q", textOf(p, "doc-number"), want)
	}
	for _, ext := range []string{"docx", "pdf"} {
		req, err := http.NewRequest("GET", a.url+dpath+"/"+ext, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := office.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), url.PathEscape(want)) {
			t.Fatalf("%s: %d %q", ext, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		if ext == "docx" {
			text, err := officedoc.DOCXText(b)
			if err != nil || !strings.Contains(text, want) || !strings.Contains(text, "青龙村党支部") {
				t.Fatalf("docx: %v\n%s", err, text)
			}
		} else if !strings.HasPrefix(string(b), "%PDF-") {
			t.Fatal("not a PDF")
		}
	}
}
