package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// TestCountyReadsItsTownships: a county account compares its county's townships, looks at
// one township's pages, sees results only once published, and writes nothing.
func TestCountyReadsItsTownships(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	neighbour, err := a.store.CreateTownship(ctx, "河口镇", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := a.store.CreateTownship(ctx, "远山乡", "别的县")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.CreateTownship(ctx, "河口镇", "示范县"); err != store.ErrConflict {
		t.Fatalf("a second 河口镇: %v, want ErrConflict", err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.CreateCountyUser(ctx, store.CountyUserInput{County: "示范县", Username: "xianwei", DisplayName: "县委组织部", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("xianwei")
	if p := c.get("/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/county" {
		t.Fatalf("county home: %d %s", p.status, p.header.Get("Location"))
	}
	// Before choosing a township, a township's pages send it back to the comparison.
	if p := c.get("/rounds"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/county" {
		t.Fatalf("rounds before choosing: %d %s", p.status, p.header.Get("Location"))
	}
	rounds, err := a.store.Rounds(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var published store.Round
	for _, r := range rounds {
		if r.Status == store.StatusPublished {
			published = r
		}
	}
	p := c.get(fmt.Sprintf("/county?year=%d", published.Year))
	rows := p.find("county-row")
	if p.status != http.StatusOK || len(rows) != 2 || strings.Contains(p.body, "远山乡") {
		t.Fatalf("comparison: %d, %d rows, other county shown: %v", p.status, len(rows), strings.Contains(p.body, "远山乡"))
	}
	if !strings.Contains(p.body, "小漩乡") || !strings.Contains(p.body, "河口镇") || textOf(p, "county-satisfaction") == "" {
		t.Fatalf("comparison lacks a township or the satisfaction: %s", textOf(p, "county-table"))
	}
	// Another county's township cannot be chosen.
	if p := c.post("/county/township", url.Values{"township": {fmt.Sprint(elsewhere.ID)}}); !refused(p, http.StatusNotFound) {
		t.Fatalf("choosing another county's township: %d", p.status)
	}
	if p := c.post("/county/township", url.Values{"township": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("choosing 小漩乡: %d", p.status)
	}
	if p := c.get("/rounds"); p.status != http.StatusOK || len(p.find("round-link")) != len(rounds) {
		t.Fatalf("rounds of 小漩乡: %d, %d links", p.status, len(p.find("round-link")))
	}
	if p := c.get(fmt.Sprintf("/rounds/%d/results", published.ID)); p.status != http.StatusOK || len(p.find("result-row")) == 0 {
		t.Fatalf("published results: %d", p.status)
	}
	// The county's reading of results is in the township's audit log, like anyone's.
	entries, _, err := a.store.AuditLog(ctx, 1, store.AuditFilter{Action: "results.view"}, 10, 0)
	if err != nil || len(entries) != 1 || entries[0].Role != store.RoleCounty {
		t.Fatalf("the county's view of results in the audit log: %+v %v", entries, err)
	}
	for _, r := range rounds {
		if r.Status == store.StatusPublished {
			continue
		}
		want := "尚无结果"
		if r.Counted() {
			want = "尚未公示"
		}
		if p := c.get(fmt.Sprintf("/rounds/%d/results", r.ID)); !errorPage(p, http.StatusForbidden, want) {
			t.Fatalf("results of a %s round: %d %q, want 403 %s", r.Status, p.status, textOf(p, "error-page"), want)
		}
	}
	// The talk ledger, documents and dossiers read what the office has: a document the
	// outcomes call for and the office has not yet opened is not drafted by the county's
	// read-only request (it would fail as a write), and the pages still answer.
	if _, err := demo.LoadTalks(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Pool().Exec(ctx, `DELETE FROM admonishment_documents WHERE township_id = 1`); err != nil {
		t.Fatal(err)
	}
	countDocs := func() int {
		t.Helper()
		var n int
		if err := a.store.Pool().QueryRow(ctx, `SELECT count(*) FROM admonishment_documents WHERE township_id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countDocs(); n != 0 {
		t.Fatalf("%d documents left", n)
	}
	for _, path := range []string{"/talks", "/documents", "/people/1/dossier"} {
		if p := c.get(path); p.status != http.StatusOK {
			t.Fatalf("county reads %s: %d %q", path, p.status, textOf(p, "error-page"))
		}
	}
	if n := countDocs(); n != 0 {
		t.Fatalf("the county's reading drafted %d documents", n)
	}
	// Reading only: every write is refused, whatever the role groups say.
	for path, form := range map[string]url.Values{
		"/villages/new": {"name": {"县里建的村"}},
		"/talks/new":    {"subject": {"o1"}},
		fmt.Sprintf("/rounds/%d/edit", rounds[0].ID): {"title": {"改名"}},
		"/account/password":                          nil,
	} {
		p := c.post(path, form)
		if path == "/account/password" {
			if p.status != http.StatusUnprocessableEntity {
				t.Errorf("own password form: %d", p.status)
			}
			continue
		}
		if !errorPage(p, http.StatusForbidden, "无权访问") {
			t.Errorf("county POST %s: %d %q, want 403", path, p.status, textOf(p, "error-page"))
		}
	}
	if vs, err := a.store.Villages(ctx, 1); err != nil || strings.Contains(fmt.Sprint(vs), "县里建的村") {
		t.Fatalf("a county write went through: %v", err)
	}
	// The neighbour township's data is reachable only by choosing it.
	if p := c.post("/county/township", url.Values{"township": {fmt.Sprint(neighbour.ID)}}); p.status != http.StatusSeeOther {
		t.Fatalf("choosing 河口镇: %d", p.status)
	}
	if p := c.get("/rounds"); p.status != http.StatusOK || len(p.find("round-link")) != 0 {
		t.Fatalf("河口镇 has no rounds, the page shows %d", len(p.find("round-link")))
	}
	if p := c.get(fmt.Sprintf("/rounds/%d", published.ID)); !refused(p, http.StatusNotFound) {
		t.Fatalf("小漩乡's round while looking at 河口镇: %d", p.status)
	}
	office := a.client()
	// Its own account is its own: a wrong current password is told as such, the right one
	// changes it (the county's requests are otherwise read-only).
	if p := c.post("/county/township", url.Values{"township": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("choosing 小漩乡 again: %d", p.status)
	}
	if p := c.post("/account/password", url.Values{"current": {"wrong-password"}, "new": {"county-new-pw"}, "confirm": {"county-new-pw"}}); p.status != http.StatusUnprocessableEntity || textOf(p, "error-current") != "当前密码不正确" {
		t.Fatalf("county password, wrong current: %d %q", p.status, textOf(p, "error-current"))
	}
	if p := c.post("/account/password", url.Values{"current": {demo.Password}, "new": {"county-new-pw"}, "confirm": {"county-new-pw"}}); p.status != http.StatusSeeOther {
		t.Fatalf("county password change: %d %q", p.status, textOf(p, "error-page"))
	}
	again := a.client()
	if p := again.post("/login", url.Values{"username": {"xianwei"}, "password": {"county-new-pw"}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in with the county's new password: %d", p.status)
	}
	// A round that is voting: its page (turnout, failed codes) reads without a write.
	open := a.round(t, []int{1}, true)
	if p := c.get(fmt.Sprintf("/rounds/%d", open.id)); p.status != http.StatusOK {
		t.Fatalf("county on a voting round: %d %q", p.status, textOf(p, "error-page"))
	}
	// Counted but not yet published: its outcomes (dossiers, talks, documents) wait for
	// 公示 as its results do.
	for _, code := range open.codes {
		a.client().vote(open, code, 4) // 不满意: every subject is admonished
	}
	office.login("zzb")
	office.count(open)
	talks, err := a.store.TalkList(ctx, 1, store.Today(), store.TalkFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var fresh []store.Talk
	for _, tk := range talks {
		if tk.RoundID != nil && *tk.RoundID == open.id {
			fresh = append(fresh, tk)
		}
	}
	if len(fresh) == 0 {
		t.Fatal("the counted round made no talks")
	}
	if p := c.get(fmt.Sprintf("/talks/%d", fresh[0].ID)); !errorPage(p, http.StatusForbidden, "尚未公示") {
		t.Fatalf("county on a talk of an unpublished round: %d %q", p.status, textOf(p, "error-page"))
	}
	if p := c.get("/talks"); p.status != http.StatusOK || strings.Contains(p.body, fmt.Sprintf("/talks/%d\"", fresh[0].ID)) {
		t.Fatalf("the ledger shows an unpublished round's talk to the county: %d", p.status)
	}
	if p := office.get(fmt.Sprintf("/talks/%d", fresh[0].ID)); p.status != http.StatusOK {
		t.Fatalf("the office reads its talk: %d", p.status)
	}
	sub := open.subs[0]
	dossier := fmt.Sprintf("/orgs/%d/dossier", *sub.OrganisationID)
	if sub.PersonID != nil {
		dossier = fmt.Sprintf("/people/%d/dossier", *sub.PersonID)
	}
	if p := c.get(dossier); p.status != http.StatusOK || strings.Contains(p.body, "测试评议") {
		t.Fatalf("the dossier shows an unpublished round to the county: %d", p.status)
	}
	if p := office.get(dossier); p.status != http.StatusOK || !strings.Contains(p.body, "测试评议") {
		t.Fatalf("the office's dossier lacks its counted round: %d", p.status)
	}
	// Township staff do not see the county's pages.
	if p := office.get("/county"); !refused(p, http.StatusForbidden) {
		t.Fatalf("office on /county: %d", p.status)
	}
}

// TestCountyCrawl signs in as the county and follows every link from the comparison and
// from the demo township's pages (rounds, talks, documents, scoring, commitments): a
// read-only request must never fail where the office's would succeed.
func TestCountyCrawl(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadTalks(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	if _, _, err := demo.LoadScoring(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadCommitments(ctx, a.store, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A document the outcomes call for that the office has not opened yet.
	if _, err := a.store.Pool().Exec(ctx, `DELETE FROM admonishment_documents WHERE township_id = 1`); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.CreateCountyUser(ctx, store.CountyUserInput{County: demo.County, Username: "xianwei", DisplayName: "县委组织部", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("xianwei")
	if p := c.post("/county/township", url.Values{"township": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("choosing 小漩乡: %d", p.status)
	}
	link := regexp.MustCompile(`href="(/[^"#]*)"`)
	seen := map[string]bool{}
	queue := []string{"/county", "/rounds", "/talks", "/documents", "/scoring", "/commitments", "/people", "/orgs", "/raters"}
	for len(queue) > 0 && len(seen) < 400 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] || strings.HasPrefix(path, "/static/") || path == "/logout" || strings.HasPrefix(path, "/v") {
			continue
		}
		seen[path] = true
		p := c.get(path)
		if p.status >= 500 {
			t.Errorf("county GET %s: %d %q", path, p.status, textOf(p, "error-page"))
		}
		for _, m := range link.FindAllStringSubmatch(p.body, -1) {
			queue = append(queue, html.UnescapeString(m[1]))
		}
	}
	t.Logf("county crawl: %d pages", len(seen))
	if len(seen) < 40 {
		t.Fatalf("the crawl reached only %d pages", len(seen))
	}
}
