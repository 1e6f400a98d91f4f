package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// pledgeCommitments gives the demo township 2025 commitments: 小漩村's published (a road
// with two sub-items, an income target; both self-evaluated), 河口村's published, 青龙村's
// still a draft. It returns their ids by village.
func (a *app) pledgeCommitments(t *testing.T) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	d := func(s string) time.Time {
		x, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	ids := map[string]int64{}
	vid := a.village("小漩村")
	var err error
	ids["小漩村"], err = demo.PublishCommitment(ctx, a.store, 1, &vid, 2025, []demo.CommitmentSpec{
		{Category: "service", Content: "硬化通组道路", Target: "新修水泥路 3 公里", Deadline: d("2025-10-31"), Self: store.SelfFulfilled, SelfNote: "全部完工",
			Subs: []demo.CommitmentSpec{{Content: "一组至二组", Target: "1 公里", Deadline: d("2025-06-30")}, {Content: "二组至三组", Target: "2 公里", Deadline: d("2025-10-31")}}},
		{Category: "economy", Content: "壮大集体经济", Target: "集体收入 10 万元", Deadline: d("2025-12-31"), Self: store.SelfPartly, SelfNote: "差 2 万元"},
	})
	if err != nil {
		t.Fatal(err)
	}
	vid = a.village("河口村")
	if ids["河口村"], err = demo.PublishCommitment(ctx, a.store, 1, &vid, 2025, []demo.CommitmentSpec{
		{Category: "economy", Content: "林场规范承包", Target: "收入 12 万元", Deadline: d("2025-12-31")},
	}); err != nil {
		t.Fatal(err)
	}
	vid = a.village("青龙村")
	if ids["青龙村"], err = a.store.CreateCommitment(ctx, 1, &vid, 2025, store.Actor{Name: "周敏", Role: store.RoleOffice}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// pledgeForm is the new 评诺 round form as posted: the 公众评议 group alone, its public
// categories, three scrutineers; scope and commitments as given.
func (a *app) pledgeForm(t *testing.T, scope string, commitments ...int64) url.Values {
	t.Helper()
	cats, err := a.store.RaterCategories(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{"title": {"2025 年度评诺"}, "year": {"2025"}, "kind": {store.KindCommitment}, "w_public": {"100"},
		"pass_pct": {"90"}, "admonish_below_pct": {"80"}, "reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"},
		"min_group_votes": {"5"}, "scrutineers": {"甲\n乙\n丙"}, "key_threshold": {"2"}, "pledge_scope": {scope}}
	for _, c := range cats {
		if c.DefaultGroup == store.GroupPublic {
			f.Set(fmt.Sprintf("cat_%d", c.ID), store.GroupPublic)
		}
	}
	for _, id := range commitments {
		f.Add("commitment", fmt.Sprint(id))
	}
	return f
}

func (a *app) roundCount(t *testing.T) int {
	t.Helper()
	rounds, err := a.store.Rounds(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(rounds)
}

// TestPledgeRoundForm: the office sets a 评诺 round up over the year's published
// commitments; bad choices are refused next to their field with nothing written; the
// year and kind stay as created; leaders, a village's secretary and another township's
// office cannot.
func TestPledgeRoundForm(t *testing.T) {
	a := newApp(t)
	ids := a.pledgeCommitments(t)
	office := a.client()
	office.login("zzb")

	p := office.get("/rounds/new?kind=commitment&year=2025")
	if p.status != http.StatusOK || len(p.find("pledge-option")) != 2 {
		t.Fatalf("form: %d with %d commitments to choose, want 200 and 2", p.status, len(p.find("pledge-option")))
	}
	if un := textOf(p, "pledge-unpublished"); !strings.Contains(un, "青龙村") || !strings.Contains(un, "小漩乡党委") {
		t.Errorf("unpublished owners %q", un)
	}
	if !strings.Contains(textOf(p, "pledge-kind"), "2025 年") {
		t.Errorf("year %q", textOf(p, "pledge-kind"))
	}

	before := a.roundCount(t)
	p = office.post("/rounds/new", a.pledgeForm(t, ""))
	if p.status != http.StatusUnprocessableEntity || textOf(p, "error-pledge_scope") == "" || textOf(p, "error-commitments") == "" {
		t.Errorf("no scope, no commitment: %d %q %q", p.status, textOf(p, "error-pledge_scope"), textOf(p, "error-commitments"))
	}
	for name, f := range map[string]url.Values{
		"a draft": a.pledgeForm(t, store.PledgeScopeItem, ids["青龙村"]),
		"another year": func() url.Values {
			f := a.pledgeForm(t, store.PledgeScopeItem, ids["小漩村"])
			f.Set("year", "2026")
			return f
		}(),
		"no such scope":  a.pledgeForm(t, "everything", ids["小漩村"]),
		"not a number":   a.pledgeForm(t, store.PledgeScopeWhole, 0),
		"twice, unknown": a.pledgeForm(t, store.PledgeScopeWhole, ids["小漩村"], 999999),
	} {
		p := office.post("/rounds/new", f)
		if p.status != http.StatusUnprocessableEntity || (textOf(p, "error-commitments") == "" && textOf(p, "error-pledge_scope") == "") {
			t.Errorf("%s: %d, want 422 with the field's message", name, p.status)
		}
	}
	if n := a.roundCount(t); n != before {
		t.Fatalf("refused forms wrote %d rounds", n-before)
	}

	p = office.post("/rounds/new", a.pledgeForm(t, store.PledgeScopeItem, ids["小漩村"]))
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, textOf(p, "error-commitments"))
	}
	path := p.header.Get("Location")
	p = office.get(path)
	if rows := texts(p, "subject-row"); len(rows) != 2 || !strings.Contains(rows[0], "硬化通组道路") || !strings.Contains(rows[0], "已兑现") {
		t.Fatalf("round page subjects %q", rows)
	}
	// Adding 河口村's commitment on the round page.
	if p := office.post(path+"/subjects", url.Values{"subject": {fmt.Sprintf("c%d", ids["河口村"])}}); p.status != http.StatusSeeOther {
		t.Fatalf("add a commitment: %d", p.status)
	}
	if p := office.post(path+"/subjects", url.Values{"subject": {fmt.Sprintf("c%d", ids["青龙村"])}}); p.status != http.StatusSeeOther {
		t.Fatalf("add a draft commitment: %d", p.status)
	}
	if rows := texts(office.get(path), "subject-row"); len(rows) != 3 {
		t.Fatalf("after adding 河口村 (and not 青龙村's draft): %d subjects", len(rows))
	}
	// A 评诺 subject has no duty report.
	subs, err := a.store.RoundSubjects(context.Background(), 1, roundID(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if p := office.get(fmt.Sprintf("%s/subjects/%d/report", path, subs[0].ID)); !refused(p, http.StatusNotFound) {
		t.Errorf("a commitment's duty report: %d, want 404", p.status)
	}
	// Editing keeps the kind and the year.
	if p := office.get(path + "/edit"); p.status != http.StatusOK || textOf(p, "pledge-fixed") == "" {
		t.Errorf("edit form: %d", p.status)
	}
	f := a.pledgeForm(t, store.PledgeScopeItem)
	f.Set("year", "2024")
	f.Set("kind", "year_end")
	f.Set("title", "2025 年度评诺(改)")
	if p := office.post(path+"/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", p.status)
	}
	if r, err := a.store.Round(context.Background(), 1, roundID(t, path)); err != nil || r.Kind != store.KindCommitment || r.Year != 2025 || r.Title != "2025 年度评诺(改)" {
		t.Fatalf("after edit: %+v %v", r, err)
	}

	// Only the office sets rounds up.
	for _, user := range []string{"lingdao", "xiaoxuan"} {
		c := a.client()
		c.login(user)
		if p := c.get("/rounds/new?kind=commitment"); !refused(p, http.StatusForbidden) {
			t.Errorf("%s opens the form: %d, want 403", user, p.status)
		}
		if p := c.post("/rounds/new", a.pledgeForm(t, store.PledgeScopeItem, ids["小漩村"])); !refused(p, http.StatusForbidden) {
			t.Errorf("%s creates a round: %d, want 403", user, p.status)
		}
	}
	// Another township's office sees neither the round nor this township's commitments.
	ctx := context.Background()
	other, err := a.store.EnsureTownship(ctx, "河东乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SaveUser(ctx, other.ID, 0, store.UserInput{Username: "hedong", DisplayName: "钱进", Role: store.RoleOffice, PasswordHash: hash, Active: true}); err != nil {
		t.Fatal(err)
	}
	stranger := a.client()
	stranger.login("hedong")
	if p := stranger.get(path); !refused(p, http.StatusNotFound) {
		t.Errorf("another township's round: %d, want 404", p.status)
	}
	if p := stranger.get("/rounds/new?kind=commitment&year=2025"); p.status != http.StatusOK || len(p.find("pledge-option")) != 0 {
		t.Errorf("another township's form offers %d commitments", len(p.find("pledge-option")))
	}
	f = a.pledgeForm(t, store.PledgeScopeWhole, ids["小漩村"])
	for k := range f {
		if strings.HasPrefix(k, "cat_") {
			delete(f, k)
		}
	}
	if p := stranger.post("/rounds/new", f); p.status != http.StatusUnprocessableEntity || textOf(p, "error-commitments") == "" {
		t.Errorf("another township evaluates this township's commitment: %d", p.status)
	}
	if p := stranger.post(path+"/subjects", url.Values{"subject": {fmt.Sprintf("c%d", ids["小漩村"])}}); !refused(p, http.StatusNotFound) {
		t.Errorf("another township adds to the round: %d, want 404", p.status)
	}
}

func roundID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/rounds/%d", &id); err != nil {
		t.Fatalf("round path %q: %v", path, err)
	}
	return id
}

// TestPledgeBallotAndResults: the phone ballot shows what each subject committed; the
// result is on the commitment's staff page once counted, and on its public page, its
// secretary's view and the year's overview once published.
func TestPledgeBallotAndResults(t *testing.T) {
	a := newApp(t)
	ids := a.pledgeCommitments(t)
	ctx := context.Background()

	// An open round, item by item: the ballot.
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var public int64
	for _, c := range cats {
		if c.Name == "群众代表" {
			public = c.ID
		}
	}
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "小漩村评诺", Year: 2025, Kind: store.KindCommitment,
		Groups: []store.Group{{Key: store.GroupPublic, Weight: 100}}, Categories: map[int64]string{public: store.GroupPublic},
		PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: []string{"甲", "乙"}, KeyThreshold: 2, PledgeScope: store.PledgeScopeItem, Commitments: []int64{ids["小漩村"]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.GenerateCodes(ctx, 1, id, public, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.OpenRound(ctx, a.store, 1, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	slips, err := a.store.Slips(ctx, 1, id, public)
	if err != nil {
		t.Fatal(err)
	}
	phone := a.client()
	if p := phone.get("/v/" + slips[0].Code); p.status != http.StatusSeeOther {
		t.Fatalf("code landing: %d", p.status)
	}
	p := phone.get("/v/ballot")
	if p.status != http.StatusOK || len(p.find("ballot-subject")) != 2 || len(p.find("ballot-pledge")) != 2 {
		t.Fatalf("ballot: %d, %d subjects, %d with their commitment", p.status, len(p.find("ballot-subject")), len(p.find("ballot-pledge")))
	}
	if got := textOf(p, "ballot-owner"); got != "小漩村党支部 · 2025 年度承诺" {
		t.Errorf("owner heading %q", got)
	}
	pledge := texts(p, "ballot-pledge")
	for _, want := range []string{"新修水泥路 3 公里", "2025年10月31日", "一组至二组", "已兑现", "全部完工"} {
		if !strings.Contains(pledge[0], want) {
			t.Errorf("the road's commitment on the ballot lacks %q: %q", want, pledge[0])
		}
	}
	if !strings.Contains(p.body, "非常满意") || strings.Contains(p.body, "称职") {
		t.Error("a commitment is rated on the organisation scale")
	}
	if p := phone.get("/v/method"); p.status != http.StatusOK || textOf(p, "method-no-talks") == "" {
		t.Errorf("the rater's method page: %d without the 评诺 rules", p.status)
	}

	// A counted round over both commitments as a whole, then published.
	counted, err := demo.RunPledgeRound(ctx, a.store, 1, demo.PledgeRoundSpec{Title: "2025 年度村级承诺群众评议", Year: 2025, Scope: store.PledgeScopeWhole,
		Commitments: []int64{ids["小漩村"], ids["河口村"]}, Seed: 3,
		Vote: func(_ *rand.Rand, _ int, s store.RoundSubject) int {
			if s.Name == "河口村党支部" {
				return 3
			}
			return 1
		}})
	if err != nil {
		t.Fatal(err)
	}
	office, secretary, anon := a.client(), a.client(), a.client()
	office.login("zzb")
	secretary.login("xiaoxuan")
	staff := fmt.Sprintf("/commitments/%d", ids["小漩村"])
	p = office.get(staff)
	if rows := texts(p, "mass-row"); len(rows) != 1 || !strings.Contains(rows[0], "承诺整体") || textOf(p, "mass-outcome") != "满意" || textOf(p, "mass-unpublished") == "" {
		t.Fatalf("staff page before 公示: %q", rows)
	}
	if p := secretary.get(staff); len(p.find("mass-row")) != 0 || textOf(p, "mass-empty") == "" {
		t.Errorf("the secretary sees a result not yet published")
	}
	pubPage := fmt.Sprintf("/gk/c/%d", ids["小漩村"])
	if p := anon.get(pubPage); len(p.find("pub-mass-row")) != 0 || textOf(p, "pub-mass") == "" {
		t.Errorf("the public page shows a result not yet published")
	}
	p = office.get(fmt.Sprintf("/rounds/%d/results", counted))
	if textOf(p, "sum-pass") != "1" || textOf(p, "sum-admonishment") != "1" || len(p.find("sum-documents")) != 0 {
		t.Errorf("results summary: 满意 %s, 不满意 %s", textOf(p, "sum-pass"), textOf(p, "sum-admonishment"))
	}
	// The workbook names the columns for commitments and carries the grades.
	x, err := excelize.OpenReader(strings.NewReader(office.get(fmt.Sprintf("/rounds/%d/results.xlsx", counted)).body))
	if err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]string{"A3": "评议对象", "B3": "所属承诺", "A5": "河口村党支部", "M5": "不满意", "M6": "满意"} {
		if got, err := x.GetCellValue("测评结果汇总表", cell); err != nil || got != want {
			t.Errorf("workbook %s = %q (%v), want %q", cell, got, err, want)
		}
	}
	if p := office.get(fmt.Sprintf("/rounds/%d/method", counted)); textOf(p, "method-no-talks") == "" {
		t.Error("a 评诺 round's method does not say it leads to no talk")
	}
	if _, err := a.store.PublishRound(ctx, 1, counted, store.Publication{From: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 17, 0, 0, 0, 0, time.UTC), Contact: "组织办"}, "周敏"); err != nil {
		t.Fatal(err)
	}
	p = anon.get(pubPage)
	if rows := texts(p, "pub-mass-row"); len(rows) != 1 || !strings.Contains(rows[0], "100.00%") || !strings.Contains(rows[0], "满意") {
		t.Fatalf("public page after 公示: %q", rows)
	}
	link := p.find("pub-mass-link")
	if len(link) != 1 {
		t.Fatal("no link to the 公示 page")
	}
	for _, at := range link[0].Attr {
		if at.Key == "href" {
			if p := anon.get(at.Val); p.status != http.StatusOK || len(p.find("public-row")) != 2 {
				t.Errorf("公示 page %s: %d", at.Val, p.status)
			}
		}
	}
	if p := anon.get(fmt.Sprintf("/gk/c/%d", ids["河口村"])); !strings.Contains(textOf(p, "pub-mass-row"), "不满意") {
		t.Errorf("河口村's public page: %q", textOf(p, "pub-mass-row"))
	}
	if p := secretary.get(staff); len(p.find("mass-row")) != 1 {
		t.Error("the secretary does not see the published result")
	}
	p = office.get("/commitments?year=2025")
	if got := texts(p, "mass-summary"); len(got) != 2 {
		t.Errorf("year overview: %q", got)
	}
	// No talk comes of a grade.
	talks, err := a.store.Talks(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range talks {
		if tk.RoundID != nil && *tk.RoundID == counted {
			t.Fatal("a 评诺 grade created a talk")
		}
	}
}
