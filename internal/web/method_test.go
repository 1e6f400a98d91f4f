package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// methodTestRound is the one place these tests make a round, through the store's public
// API: none of the defaults, so the page can only show them by reading the round —
// 党委票决 30 / 公众评议 70 (群众代表 and 党委委员 only), thresholds 85 / 75 / 12 / 25,
// groups below 3 valid votes hidden, 3 scrutineers of whom 2 open the box, and 5
// 群众代表 codes. With open, voting is open.
func methodTestRound(t *testing.T, a *app, open bool) (int64, []store.RoundSubject, []string) {
	t.Helper()
	ctx := context.Background()
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	var public int64
	for _, c := range cats {
		switch c.Name {
		case "群众代表":
			public, groups[c.ID] = c.ID, store.GroupPublic
		case "党委委员":
			groups[c.ID] = store.GroupPeer
		}
	}
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "2026 年中述职评议", Year: 2026, Kind: "mid_year",
		Groups: []store.Group{{Key: store.GroupPeer, Weight: 30}, {Key: store.GroupPublic, Weight: 70}}, Categories: groups,
		PassPct: 85, AdmonishBelowPct: 75, ReminderDissatisfiedPct: 12, AdmonishDissatisfiedPct: 25, MinGroupVotes: 3,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := a.store.RoundSubjects(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.store.GenerateCodes(ctx, 1, id, public, 5); err != nil {
		t.Fatal(err)
	}
	if open {
		if _, err := voting.OpenRound(ctx, a.store, 1, id, "周敏"); err != nil {
			t.Fatal(err)
		}
	}
	slips, err := a.store.Slips(ctx, 1, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, sl := range slips {
		codes = append(codes, sl.Code)
	}
	return id, subs, codes
}

func wantText(t *testing.T, p page, testid string, parts ...string) {
	t.Helper()
	got := textOf(p, testid)
	for _, s := range parts {
		if !strings.Contains(got, s) {
			t.Errorf("%s: %q lacks %q", testid, got, s)
		}
	}
}

func wantHref(t *testing.T, p page, testid, href string) {
	t.Helper()
	ns := p.find(testid)
	if len(ns) != 1 || attr(ns[0], "href") != href {
		t.Errorf("%s: %d links, want one to %s", testid, len(ns), href)
	}
}

// TestMethodPageDefault: /method, signed out, states the default policy, and a worked
// example internal/rules computed; it is cacheable like the other public pages.
func TestMethodPageDefault(t *testing.T) {
	a := newApp(t)
	p := a.client().get("/method")
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Cache-Control"), "public") {
		t.Fatalf("/method: %d, Cache-Control %q", p.status, p.header.Get("Cache-Control"))
	}
	if g := texts(p, "method-group"); len(g) != 2 || !strings.Contains(g[0], "40%") || !strings.Contains(g[1], "60%") ||
		!strings.Contains(g[1], "党代表、人大代表、政协委员、群众代表") {
		t.Errorf("groups %q", g)
	}
	wantText(t, p, "method-pass", "加权满意率达到 90%,且加权不满意率不足 10%")
	wantText(t, p, "method-remind", "不足 90%", "达到 10%")
	wantText(t, p, "method-admonish", "加权满意率不足 80%,或加权不满意率达到 20%")
	wantText(t, p, "method-exact", "10 张有效票中 9 张称职以上,满意率恰为 90%,就是「达到 90%」")
	wantText(t, p, "method-rank", "前 3 名")
	wantText(t, p, "method-example", "(40 × 90.00% + 60 × 85.00%) ÷ 100 = 87.00%", "加权满意率 87.00% 不足 90%,触发提醒谈话")
	wantText(t, p, "method-example-outcome", "提醒谈话")
	// Light on a phone: text and tables, no script, no image; the stylesheet is the
	// site's own, cached. It is about 13 KB of HTML, 5 KB with brotli.
	resp, n := a.rawGet("/method", "br, gzip")
	if resp.Header.Get("Content-Encoding") != "br" || n > 8<<10 {
		t.Errorf("/method on the wire: %d bytes, %q; want brotli, under 8 KB", n, resp.Header.Get("Content-Encoding"))
	}
	t.Logf("/method: %d bytes on the wire (brotli), %d as HTML", n, len(p.body))
	if strings.Contains(p.body, "<script") || strings.Contains(p.body, "<img") {
		t.Error("the method page loads a script or an image")
	}
	for _, absent := range []string{"method-round", "method-back", "method-rater", "method-commitments"} {
		if len(p.find(absent)) != 0 {
			t.Errorf("the default page shows %s", absent)
		}
	}
}

// TestMethodPageOfARound: the office and leaders read a round's own method from its
// page, before it opens too; nobody else does, and another township's round is a 404.
func TestMethodPageOfARound(t *testing.T) {
	a := newApp(t)
	id, _, _ := methodTestRound(t, a, false)
	path := fmt.Sprintf("/rounds/%d/method", id)
	office := a.client()
	office.login("zzb")
	wantHref(t, office.get(fmt.Sprintf("/rounds/%d", id)), "method-link", path)

	p := office.get(path)
	if p.status != http.StatusOK || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%s: %d, Cache-Control %q", path, p.status, p.header.Get("Cache-Control"))
	}
	wantText(t, p, "method-round", "小漩乡", "2026 年中述职评议", "年中述职评议")
	wantText(t, p, "method-draft", "尚未开始投票")
	if g := texts(p, "method-group"); len(g) != 2 || g[0] != "党委票决30%党委委员" || g[1] != "公众评议70%群众代表" {
		t.Errorf("groups %q", g)
	}
	wantText(t, p, "method-pass", "加权满意率达到 85%,且加权不满意率不足 12%")
	wantText(t, p, "method-remind", "不足 85%", "达到 12%")
	wantText(t, p, "method-admonish", "加权满意率不足 75%,或加权不满意率达到 25%")
	wantText(t, p, "method-exact", "20 张有效票中 17 张称职以上,满意率恰为 85%")
	// 30 × 90% + 70 × 85% = 86.5%: a reminder at 90, a pass at this round's 85.
	wantText(t, p, "method-example", "(30 × 90.00% + 70 × 85.00%) ÷ 100 = 86.50%", "达到 85%")
	wantText(t, p, "method-example-outcome", "合格")
	wantText(t, p, "method-scrutineers", "分成 3 份", "须其中 2 人到场")
	wantText(t, p, "method-min-votes", "少于 3 张")
	wantText(t, p, "method-talks", "公示后 15 日内", "6 个月的诫勉期")
	wantHref(t, p, "method-back", fmt.Sprintf("/rounds/%d", id))
	wantHref(t, p, "method-commitments", "/gk/t/1")

	leader := a.client()
	leader.login("lingdao")
	if p := leader.get(path); p.status != http.StatusOK || textOf(p, "method-pass") == "" {
		t.Errorf("leader: %d", p.status)
	}
	secretary := a.client()
	secretary.login("xiaoxuan")
	if p := secretary.get(path); !refused(p, http.StatusForbidden) {
		t.Errorf("village secretary: %d, want 403", p.status)
	}
	if p := a.client().get(path); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Errorf("signed out: %d → %q, want the sign-in page", p.status, p.header.Get("Location"))
	}
	if p := office.get("/rounds/999999/method"); !refused(p, http.StatusNotFound) {
		t.Errorf("no such round: %d, want 404", p.status)
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
	if p := stranger.get(path); !refused(p, http.StatusNotFound) || strings.Contains(p.body, "2026 年中述职评议") {
		t.Errorf("another township's office: %d, want 404 without the round", p.status)
	}
}

// TestMethodPageForARater: the ballot and the receipt link to the method of the rater's
// own round, with the rater's group; a phone without a code gets the default, and a
// guessed code is counted like any other failed lookup.
func TestMethodPageForARater(t *testing.T) {
	a := newApp(t)
	_, subs, codes := methodTestRound(t, a, true)
	phone := a.client()
	ballot := phone.scan(codes[0])
	ns := ballot.find("method-link")
	if len(ns) != 1 || attr(ns[0], "href") != "/v/method" || attr(ns[0], "target") != "_blank" {
		t.Fatalf("ballot: %d method links, want one to /v/method in a new tab", len(ns))
	}
	p := phone.get("/v/method")
	if p.status != http.StatusOK || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/v/method: %d, Cache-Control %q", p.status, p.header.Get("Cache-Control"))
	}
	wantText(t, p, "method-rater", "您的测评码属于「群众代表」,计入「公众评议」组(权重 70%)")
	wantText(t, p, "method-round", "2026 年中述职评议")
	wantText(t, p, "method-pass", "达到 85%")
	wantHref(t, p, "method-back", "/v/ballot")
	if len(p.find("method-draft")) != 0 {
		t.Error("an open round's page says it may still change")
	}

	receipt := phone.post("/v/ballot", ballotForm(subs, 2, "cast"))
	if receipt.status != http.StatusOK || textOf(receipt, "receipt") == "" {
		t.Fatalf("cast: %d", receipt.status)
	}
	wantHref(t, receipt, "method-link", "/v/method")
	// After casting, the page still knows the round (the code is spent, not forgotten).
	wantText(t, phone.get("/v/method"), "method-rater", "群众代表")

	if p := a.client().get("/v/method"); p.status != http.StatusOK || len(p.find("method-round")) != 0 || textOf(p, "method-pass") == "" {
		t.Errorf("no code: %d, want the default method", p.status)
	}
	ctx := context.Background()
	before, err := a.store.CodeFailures(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	guesser := a.client()
	guesser.get("/v/ZZZZZZZZZZ")
	if p := guesser.get("/v/method"); p.status != http.StatusOK || len(p.find("method-round")) != 0 {
		t.Errorf("unknown code: %d, want the default method", p.status)
	}
	after, err := a.store.CodeFailures(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != before.Total+1 {
		t.Errorf("failed lookups %d → %d: a guessed code on the method page must count", before.Total, after.Total)
	}
}

// TestMethodPageOfAPublishedRound: the 公示 page links to its round's method, public and
// cacheable; an unknown slug is a 404.
func TestMethodPageOfAPublishedRound(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	rounds, err := a.store.Rounds(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var published *store.Round
	for _, r := range rounds {
		if r.Status == store.StatusPublished && published == nil {
			published = &r
		}
	}
	if published == nil || published.PublicSlug == nil {
		t.Fatal("the demo has no published round")
	}
	slug := *published.PublicSlug
	c := a.client()
	wantHref(t, c.get("/p/"+slug), "method-link", "/p/"+slug+"/method")
	p := c.get("/p/" + slug + "/method")
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Cache-Control"), "public") {
		t.Fatalf("published method: %d, Cache-Control %q", p.status, p.header.Get("Cache-Control"))
	}
	wantText(t, p, "method-round", published.Title)
	wantText(t, p, "method-pass", fmt.Sprintf("达到 %d%%", published.PassPct))
	wantHref(t, p, "method-back", "/p/"+slug)
	if len(p.find("method-draft")) != 0 || len(p.find("method-rater")) != 0 {
		t.Error("the published round's page shows a draft's or a rater's note")
	}
	if p := c.get("/p/NOSUCHSLUG0000/method"); !refused(p, http.StatusNotFound) {
		t.Errorf("unknown slug: %d, want 404", p.status)
	}
}
