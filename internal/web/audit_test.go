package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/store"
	"pingyi/internal/web"
)

// TestAuditLog: the office's changes, sign-ins and views of results are written down with
// the fields they changed; a ballot, its code and the scrutineers' shares never are; the
// log filters by round and exports as JSONL.
func TestAuditLog(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	f := a.round(t, []int{1}, true)
	office := a.client()
	office.login("zzb")
	if p := a.client().post("/login", url.Values{"username": {"zzb"}, "password": {"wrong-password"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", p.status)
	}

	// An edit records the changed fields, before and after.
	people, err := a.store.AllPeople(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p0 := people[0]
	form := url.Values{"name": {p0.Name}, "position": {"新职务"}, "organisation_id": {fmt.Sprint(p0.OrganisationID)},
		"level": {fmt.Sprint(p0.Level)}, "phone": {p0.Phone}, "active": {"1"}}
	if p0.VillageCadre {
		form.Set("village_cadre", "1")
	}
	if p := office.post(fmt.Sprintf("/people/%d/edit", p0.ID), form); p.status != http.StatusSeeOther {
		t.Fatalf("edit person: %d", p.status)
	}

	// A rater votes online, the office enters a paper ballot, ends the vote and opens the box.
	a.client().vote(f, f.codes[0], 4)
	paper := fmt.Sprintf("/rounds/%d/paper/ballot", f.id)
	p := office.post(paper, url.Values{"start": {"1"}, "code": {f.codes[1]}})
	tok := regexp.MustCompile(`name="tok" value="([^"]+)"`).FindStringSubmatch(p.body)
	if tok == nil {
		t.Fatalf("paper ballot form: %d", p.status)
	}
	bf := ballotForm(f.subs, 1, "cast")
	bf.Set("code", f.codes[1])
	bf.Set("tok", tok[1])
	if p := office.post(paper, bf); p.status != 200 || textOf(p, "receipt") == "" {
		t.Fatalf("paper cast: %d", p.status)
	}
	if p := office.post(fmt.Sprintf("/rounds/%d/end", f.id), nil); p.status != http.StatusSeeOther {
		t.Fatalf("end: %d", p.status)
	}
	if p := office.post(fmt.Sprintf("/rounds/%d/count", f.id), url.Values{"share": {f.shares[2].Text()}}); p.status != 200 {
		t.Fatalf("first share: %d", p.status)
	}
	if p := office.post(fmt.Sprintf("/rounds/%d/count", f.id), url.Values{"given": {f.shares[2].Text()}, "share": {f.shares[0].Text()}}); p.status != http.StatusSeeOther {
		t.Fatalf("second share: %d", p.status)
	}
	if p := office.get(fmt.Sprintf("/rounds/%d/results.xlsx", f.id)); p.status != 200 {
		t.Fatalf("results export: %d", p.status)
	}

	// The page, filtered to the round.
	p = office.get(fmt.Sprintf("/audit?round=%d", f.id))
	summaries := texts(p, "audit-summary")
	for _, want := range []string{"录入纸质选票", "结束投票", "开箱计票(出示监票密钥)", "导出测评结果"} {
		if !containsItem(summaries, want) {
			t.Errorf("round %d's log lacks %q: %v", f.id, want, summaries)
		}
	}
	if containsItem(summaries, "修改干部") {
		t.Errorf("the round filter lets another record through: %v", summaries)
	}
	all := office.get("/audit")
	for _, want := range []string{"登录", "登录失败", "修改干部"} {
		if !containsItem(texts(all, "audit-summary"), want) {
			t.Errorf("the log lacks %q: %v", want, texts(all, "audit-summary"))
		}
	}
	if !strings.Contains(all.body, "新职务") || !strings.Contains(all.body, p0.Position) {
		t.Errorf("the person's edit does not show its position before (%s) and after", p0.Position)
	}

	// The export: one JSON object a line; no code, share, mark or receipt anywhere.
	resp := office.get("/audit.jsonl")
	if resp.status != 200 || !strings.HasPrefix(resp.header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("export: %d %s", resp.status, resp.header.Get("Content-Type"))
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(resp.body))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		lines++
	}
	if lines < 8 {
		t.Fatalf("export has %d lines", lines)
	}
	secrets := []string{f.codes[0], f.codes[1], f.shares[0].Text(), f.shares[2].Text(), tok[1]}
	for _, s := range secrets {
		if strings.Contains(resp.body, s) || strings.Contains(all.body, s) {
			t.Fatalf("the audit log holds a secret: %q", s)
		}
	}
	for k := range bf {
		if strings.HasPrefix(k, "s") && strings.Contains(resp.body, `"`+k+`"`) {
			t.Fatalf("the audit log holds a ballot mark field %q", k)
		}
	}
	var n int
	if err := a.store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE route LIKE '%/v%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rater requests in the audit log: %d %v", n, err)
	}

	// Only the office reads it.
	leader := a.client()
	leader.login("lingdao")
	if p := leader.get("/audit"); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader on /audit: %d", p.status)
	}
	if p := office.get("/audit?from=2025-13-01"); p.status != http.StatusUnprocessableEntity || textOf(p, "error-from") == "" {
		t.Fatalf("bad date: %d %q", p.status, textOf(p, "error-from"))
	}
}

func containsItem(items []string, want string) bool {
	for _, it := range items {
		if strings.HasPrefix(it, want) {
			return true
		}
	}
	return false
}

// TestEveryStaffChangeIsAudited walks the site map: every POST a signed-in account can
// make has an entry in the audit log's actions, so a new form cannot slip past the log.
// Left out: the rater's and the public's paths (no account, and nothing about a ballot may
// be written down), sign-in (recorded by loginPost itself), the county's choice of
// township to read and 试算 (both reads), and static files.
func TestEveryStaffChangeIsAudited(t *testing.T) {
	a := newApp(t)
	routes, ok := a.handler.(chi.Routes)
	if !ok {
		t.Fatalf("the handler is a %T, not a chi router", a.handler)
	}
	exempt := map[string]bool{"POST /login": true, "POST /county/township": true, "POST /whatif": true, "POST /static/*": true}
	checked := 0
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodPost || strings.HasPrefix(route, "/v") || strings.HasPrefix(route, "/p/") || strings.HasPrefix(route, "/gk/") {
			return nil
		}
		key := method + " " + route
		checked++
		if !exempt[key] && !web.AuditedRoute(key) {
			t.Errorf("%s changes data but the audit log has no action for it (auditActions in audit.go)", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("walked only %d staff POST routes", checked)
	}
}

// TestRefusalsAreNotAudited: a request the handler refuses with a redirect and a red
// message changed nothing, and the log does not say it did.
func TestRefusalsAreNotAudited(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, false) // a draft: it cannot end voting
	office := a.client()
	office.login("zzb")
	p := office.post(fmt.Sprintf("/rounds/%d/end", f.id), nil)
	if kind, msg := office.flashAfter(p); kind != "bad" || msg != "该评议不在投票中" {
		t.Fatalf("ending a draft: %s %q", kind, msg)
	}
	entries, _, err := a.store.AuditLog(context.Background(), 1, store.AuditFilter{RoundID: f.id}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Route == "POST /rounds/{id}/end" {
			t.Fatalf("a refused end of voting is in the log: %+v", e)
		}
	}
}
