package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/voting"
	"pingyi/internal/web"
)

// fixture is a round set up for a test.
type fixture struct {
	id     int64
	subs   []store.RoundSubject
	codes  []string
	shares []ballotbox.Share // nil until opened
}

// round creates a round over the given levels with reports filed, three scrutineers (any
// two open the box) and 10 codes each for the public and the Party committee; open says
// whether to open it.
func (a *app) round(t *testing.T, levels []int, open bool) fixture {
	t.Helper()
	ctx := context.Background()
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
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
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "测试评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: levels, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{id: id}
	subs, err := a.store.RoundSubjects(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。" + strings.Repeat("本年度认真履行职责,完成各项目标任务。", 12)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []int64{public, peer} {
		if err := a.store.GenerateCodes(ctx, 1, id, c, 10); err != nil {
			t.Fatal(err)
		}
	}
	if open {
		if f.shares, err = voting.OpenRound(ctx, a.store, 1, id, "周敏"); err != nil {
			t.Fatal(err)
		}
	}
	slips, err := a.store.Slips(ctx, 1, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slips {
		f.codes = append(f.codes, s.Code)
	}
	if f.subs, err = a.store.RoundSubjects(ctx, 1, id); err != nil {
		t.Fatal(err)
	}
	return f
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

// scan is a phone scanning a slip's QR code: the code goes into a cookie and the phone
// lands on the ballot's address, which does not hold the code.
func (c *client) scan(code string) page {
	c.a.t.Helper()
	p := c.get("/v/" + code)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/v/ballot" {
		c.a.t.Fatalf("scan %s: %d → %q", code, p.status, p.header.Get("Location"))
	}
	return c.get("/v/ballot")
}

// vote scans a code and casts the same choice for every subject; it returns the receipt.
func (c *client) vote(f fixture, code string, choice int) string {
	c.a.t.Helper()
	c.scan(code)
	p := c.post("/v/ballot", ballotForm(f.subs, choice, "cast"))
	if p.status != 200 || textOf(p, "receipt") == "" {
		c.a.t.Fatalf("vote with %s: %d %s", code, p.status, textOf(p, "notice"))
	}
	return textOf(p, "receipt")
}

// count ends the vote and opens the box with the first two scrutineers' key sheets.
func (c *client) count(f fixture) page {
	c.a.t.Helper()
	if p := c.post(fmt.Sprintf("/rounds/%d/end", f.id), nil); p.status != http.StatusSeeOther {
		c.a.t.Fatalf("end voting: %d", p.status)
	}
	path := fmt.Sprintf("/rounds/%d/count", f.id)
	p := c.post(path, url.Values{"share": {f.shares[0].Text()}})
	if p.status != 200 || !strings.Contains(textOf(p, "box-progress"), "1 / 2") {
		c.a.t.Fatalf("first share: %d %q", p.status, textOf(p, "box-progress"))
	}
	p = c.post(path, url.Values{"given": {f.shares[0].Text()}, "share": {f.shares[1].Text()}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != fmt.Sprintf("/rounds/%d/results", f.id) {
		c.a.t.Fatalf("second share: %d %q %s", p.status, p.header.Get("Location"), textOf(p, "error-share"))
	}
	return p
}

func TestVotingFlowAndCodePages(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	rater := a.client()
	p := rater.scan(strings.ToLower(f.codes[0]))
	if p.status != 200 || len(p.find("ballot-subject")) != len(f.subs) {
		t.Fatalf("ballot: %d, %d subjects", p.status, len(p.find("ballot-subject")))
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Error("a ballot must not be cached")
	}
	if strings.Contains(p.body, f.codes[0]) {
		t.Error("the ballot page shows the code; it should live only in the cookie")
	}
	if textOf(p, "ballot-count") != "已评 0 / "+fmt.Sprint(len(f.subs))+" 个对象" {
		t.Errorf("answered count %q", textOf(p, "ballot-count"))
	}
	// Half a ballot: the missing subjects are named and linked, nothing is cast.
	p = rater.post("/v/ballot", ballotForm(f.subs[:3], 1, ""))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "ballot-missing"), f.subs[5].Name) {
		t.Fatalf("half ballot: %d %q", p.status, textOf(p, "ballot-missing"))
	}
	p = rater.post("/v/ballot", ballotForm(f.subs, 2, ""))
	if p.status != 200 || len(p.find("confirm-form")) != 1 {
		t.Fatalf("confirm step: %d", p.status)
	}
	p = rater.post("/v/ballot", ballotForm(f.subs, 2, "edit"))
	if len(p.find("ballot-form")) != 1 || !strings.Contains(p.body, "checked") {
		t.Fatal("going back keeps the choices")
	}
	p = rater.post("/v/ballot", ballotForm(f.subs, 2, "cast"))
	receipt := textOf(p, "receipt")
	if p.status != 200 || len(receipt) != store.ReceiptLength {
		t.Fatalf("cast: %d receipt %q", p.status, receipt)
	}
	if strings.Contains(p.body, "称职") {
		t.Error("the receipt page must not show the rater's choices")
	}
	// The same phone coming back sees its receipt again, not 已使用.
	if p := rater.scan(f.codes[0]); p.status != 200 || textOf(p, "receipt") != receipt {
		t.Fatalf("same phone after voting: %d %q", p.status, textOf(p, "receipt"))
	}
	// Another phone with the same slip is told it is used.
	if p := a.client().scan(f.codes[0]); p.status != http.StatusGone || textOf(p, "notice-title") != "测评码已使用" {
		t.Fatalf("spent code on another phone: %d %q", p.status, textOf(p, "notice-title"))
	}
	if p := a.client().scan("ABCDEFGHJK"); p.status != http.StatusNotFound || !strings.Contains(p.body, "没有找到这个测评码") {
		t.Fatalf("unknown code: %d", p.status)
	}
	if p := a.client().get("/v/ballot"); p.status != 200 || len(p.find("code-entry")) != 1 {
		t.Fatalf("ballot without a code: %d", p.status)
	}
	office := a.client()
	office.login("zzb")
	if p := office.post(fmt.Sprintf("/rounds/%d/end", f.id), nil); p.status != http.StatusSeeOther {
		t.Fatalf("end voting: %d", p.status)
	}
	if p := a.client().scan(f.codes[1]); p.status != http.StatusGone || textOf(p, "notice-title") != "投票已结束" {
		t.Fatalf("code of a closed round: %d %q", p.status, textOf(p, "notice-title"))
	}
}

func TestRetryAfterALostReplyGetsTheSameReceipt(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	phone := a.client()
	phone.scan(f.codes[0])
	form := ballotForm(f.subs, 1, "cast")
	first := phone.post("/v/ballot", form)
	// The reply was lost; the phone submits again, and rescans the slip.
	again := phone.post("/v/ballot", form)
	phone.scan(f.codes[0])
	third := phone.post("/v/ballot", form)
	r := textOf(first, "receipt")
	if r == "" || textOf(again, "receipt") != r || textOf(third, "receipt") != r {
		t.Fatalf("receipts %q %q %q, want one", r, textOf(again, "receipt"), textOf(third, "receipt"))
	}
	receipts, err := a.store.Receipts(context.Background(), 1, f.id)
	if err != nil || len(receipts) != 1 {
		t.Fatalf("ballots stored %d (%v), want 1", len(receipts), err)
	}
}

// TestOneCodeFromManyPhonesOnTwoServers casts one code 500 times at once, split over two
// app servers on one database: one ballot is stored.
func TestOneCodeFromManyPhonesOnTwoServers(t *testing.T) {
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	a1 := serveApp(t, st, nil)
	a2 := serveApp(t, st, nil)
	f := a1.round(t, []int{1}, true)
	form := ballotForm(f.subs, 3, "cast").Encode()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, spent := 0, 0
	start := make(chan struct{})
	for i := 0; i < 500; i++ {
		a := a1
		if i%2 == 1 {
			a = a2
		}
		phone := a.client()
		phone.get("/v/" + f.codes[0]) // each phone its own cookie and submission token
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := http.NewRequest(http.MethodPost, a.url+"/v/ballot", strings.NewReader(form))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := phone.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch resp.StatusCode {
			case http.StatusOK:
				ok++
			case http.StatusGone:
				spent++
			default:
				t.Errorf("cast: status %d", resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	receipts, err := st.Receipts(context.Background(), 1, f.id)
	if err != nil {
		t.Fatal(err)
	}
	if ok != 1 || spent != 499 || len(receipts) != 1 {
		t.Fatalf("500 casts of one code on two servers: %d receipts, %d refused, %d ballots stored; want 1, 499, 1", ok, spent, len(receipts))
	}
}

func TestTalliesHiddenUntilTheBoxIsOpened(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	a.client().vote(f, f.codes[0], 4)
	office, leader, sec := a.client(), a.client(), a.client()
	office.login("zzb")
	leader.login("lingdao")
	sec.login("xiaoxuan")
	check := func(when string) {
		t.Helper()
		for _, c := range []*client{office, leader} {
			if p := c.get(fmt.Sprintf("/rounds/%d/results", f.id)); !errorPage(p, http.StatusForbidden, "尚无结果") {
				t.Fatalf("results %s: %d %q, want 403 尚无结果", when, p.status, textOf(p, "error-page"))
			}
			if p := c.get(fmt.Sprintf("/rounds/%d/results.xlsx", f.id)); !errorPage(p, http.StatusForbidden, "尚无结果") {
				t.Fatalf("results export %s: %d %q, want 403 尚无结果", when, p.status, textOf(p, "error-page"))
			}
			p := c.get(fmt.Sprintf("/rounds/%d", f.id))
			if strings.Contains(p.body, "有效票") || strings.Contains(p.body, "弃权票") {
				t.Fatalf("the round page shows votes %s", when)
			}
		}
	}
	check("while open")
	if p := office.get(fmt.Sprintf("/rounds/%d/screen", f.id)); p.status != 200 || !strings.HasPrefix(textOf(p, "screen-total"), "1") {
		t.Fatalf("projector: %d %q", p.status, textOf(p, "screen-total"))
	}
	if p := office.post(fmt.Sprintf("/rounds/%d/end", f.id), nil); p.status != http.StatusSeeOther {
		t.Fatalf("end: %d", p.status)
	}
	check("before the box is opened")
	if p := office.post(fmt.Sprintf("/rounds/%d/count", f.id), url.Values{"share": {f.shares[2].Text()}}); p.status != 200 {
		t.Fatalf("first share: %d", p.status)
	}
	screen := office.get(fmt.Sprintf("/rounds/%d/screen", f.id))
	if !strings.Contains(textOf(screen, "screen-status"), "等待监票人开箱(1/2)") {
		t.Fatalf("projector while waiting: %q", textOf(screen, "screen-status"))
	}
	check("with one share of two")
	p := office.post(fmt.Sprintf("/rounds/%d/count", f.id), url.Values{"given": {f.shares[2].Text()}, "share": {f.shares[0].Text()}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("second share: %d %s", p.status, textOf(p, "error-share"))
	}
	p = leader.get(fmt.Sprintf("/rounds/%d/results", f.id))
	if p.status != 200 || len(p.find("result-row")) != len(f.subs) {
		t.Fatalf("leader results after the count: %d", p.status)
	}
	// One ballot is fewer than the minimum of 5: the group's counts and rates are hidden.
	if n := strings.Count(p.body, "票数过少,不显示"); n != 2*len(f.subs) {
		t.Errorf("%d hidden group cells, want %d: a group with fewer valid votes than the minimum must hide its counts and rates", n, 2*len(f.subs))
	}
	if p := sec.get(fmt.Sprintf("/rounds/%d/results", f.id)); !refused(p, http.StatusForbidden) {
		t.Fatalf("secretary results: %d", p.status)
	}
	x := office.get(fmt.Sprintf("/rounds/%d/results.xlsx", f.id))
	book, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatalf("results xlsx: %v", err)
	}
	rows, err := book.GetRows(book.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	// A title row, a line about the round, two header rows, then one row per subject.
	if len(rows) != len(f.subs)+4 || rows[4][len(rows[4])-4] != "诫勉谈话" {
		t.Fatalf("results xlsx rows: %d, first %v", len(rows), rows[4])
	}
}

func TestBoxOpeningRefusesWrongShares(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	a.client().vote(f, f.codes[0], 1)
	office := a.client()
	office.login("zzb")
	path := fmt.Sprintf("/rounds/%d/count", f.id)
	if p := office.get(path); p.status != http.StatusSeeOther {
		t.Fatalf("box page while voting: %d, want a redirect", p.status)
	}
	office.post(fmt.Sprintf("/rounds/%d/end", f.id), nil)
	text := f.shares[0].Text()
	typo := text[:7] + string("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", text[7])+1)%32]) + text[8:]
	_, otherShares, err := ballotbox.NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, given, share, want string
	}{
		{"empty", "", "", "请输入"},
		{"typo", "", typo, "密钥输入有误"},
		{"another key", "", otherShares[0].Text(), "不是本轮评议的监票密钥"},
		{"same share twice", text, text, "已经输入过"},
	} {
		form := url.Values{"share": {tc.share}}
		if tc.given != "" {
			form.Set("given", tc.given)
		}
		p := office.post(path, form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-share"), tc.want) {
			t.Errorf("%s: %d %q, want %q", tc.name, p.status, textOf(p, "error-share"), tc.want)
		}
	}
	var results int
	if err := a.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM round_results WHERE round_id = $1`, f.id).Scan(&results); err != nil || results != 0 {
		t.Fatalf("results written without k good shares: %d (%v)", results, err)
	}
	// Spaces, dashes and lower case as a person types them are fine.
	p := office.post(path, url.Values{"given": {text}, "share": {strings.ToLower(strings.ReplaceAll(f.shares[2].Text(), " ", "-"))}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("typed second share: %d %s", p.status, textOf(p, "error-share"))
	}
	// A leader may look at the round but not open a box.
	leader := a.client()
	leader.login("lingdao")
	if p := leader.post(fmt.Sprintf("/rounds/%d/recount", f.id), url.Values{"share": {text}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader recount: %d", p.status)
	}
	p = office.post(fmt.Sprintf("/rounds/%d/recount", f.id), url.Values{"given": {f.shares[1].Text()}, "share": {f.shares[2].Text()}})
	if p.status != 200 || !strings.Contains(textOf(p, "recount-result"), "完全一致") {
		t.Fatalf("recount: %d %q", p.status, textOf(p, "recount-result"))
	}
}

func TestPaperBallotSpendsTheCode(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	office := a.client()
	office.login("zzb")
	path := fmt.Sprintf("/rounds/%d/paper/ballot", f.id)
	p := office.post(path, url.Values{"start": {"1"}, "code": {f.codes[0]}})
	if p.status != 200 || len(p.find("ballot-form")) != 1 {
		t.Fatalf("paper ballot form: %d %s", p.status, textOf(p, "error-code"))
	}
	tok := regexp.MustCompile(`name="tok" value="([^"]+)"`).FindStringSubmatch(p.body)
	if tok == nil {
		t.Fatal("the paper ballot form carries no submission token")
	}
	form := ballotForm(f.subs, 1, "cast")
	form.Set("code", f.codes[0])
	form.Set("tok", tok[1])
	p = office.post(path, form)
	receipt := textOf(p, "receipt")
	if p.status != 200 || receipt == "" || len(p.find("paper-again")) != 1 {
		t.Fatalf("paper cast: %d", p.status)
	}
	// The same form sent again (a double click) shows the same receipt.
	if p := office.post(path, form); p.status != 200 || textOf(p, "receipt") != receipt {
		t.Fatalf("paper ballot resubmitted: %d %q", p.status, textOf(p, "receipt"))
	}
	if p := a.client().scan(f.codes[0]); p.status != http.StatusGone {
		t.Fatalf("online vote after paper ballot: %d, want 410", p.status)
	}
	form.Del("tok")
	if p := office.post(path, form); p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-code"), "不能重复录入") {
		t.Fatalf("another paper ballot with the same code: %d %q", p.status, textOf(p, "error-code"))
	}
	turnout, err := a.store.Turnout(context.Background(), 1, f.id)
	if err != nil {
		t.Fatal(err)
	}
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
	f := a.round(t, []int{1, 2}, false)
	ctx := context.Background()
	var added int
	orgs, err := a.store.AllOrganisations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Level == 4 && len(f.subs)+added < 30 {
			if err := a.store.AddSubject(ctx, 1, f.id, "o", o.ID); err != nil {
				t.Fatal(err)
			}
			added++
		}
	}
	all, err := a.store.RoundSubjects(ctx, 1, f.id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if err := a.store.SaveReport(ctx, 1, s.ID, store.ReportInput{Text: s.Name + "述职报告。" + strings.Repeat("本年度认真履行职责,完成各项目标任务。", 12)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := voting.OpenRound(ctx, a.store, 1, f.id, "周敏"); err != nil {
		t.Fatal(err)
	}
	if len(all) != 30 {
		t.Fatalf("subjects %d, want 30", len(all))
	}
	c := a.client()
	p := c.scan(f.codes[0])
	if p.status != 200 || len(p.find("ballot-subject")) != 30 {
		t.Fatalf("ballot: %d", p.status)
	}
	total := len(p.body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(p.body, -1) {
		total += len(c.get(m[1]).body)
	}
	t.Logf("ballot page for 30 subjects: %d bytes HTML, %d bytes with its assets", len(p.body), total)
	if total > 60*1024 {
		t.Fatalf("ballot page with assets is %d bytes, over 60 KB", total)
	}
	if regexp.MustCompile(`(?:href|src)="(?:https?:)?//`).MatchString(p.body) {
		t.Fatal("the ballot page makes an external request")
	}
}

// TestWrongCodesNeverLockTheRoomOut: a meeting room shares one address. Many mistyped codes
// from it slow its next failures, but a valid code from it is accepted at once.
func TestWrongCodesNeverLockTheRoomOut(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	room := a.client()
	for i := 0; i < 100; i++ {
		if p := room.scan(fmt.Sprintf("ZZZZZZZZ%02d", i%100)[:8] + string("ABCDEFGHJK"[i%10]) + string("23456789AB"[i/10])); p.status != http.StatusNotFound || !strings.Contains(p.body, "没有找到这个测评码") {
			t.Fatalf("wrong code %d: %d", i, p.status)
		}
	}
	if p := room.scan(f.codes[0]); p.status != 200 || len(p.find("ballot-form")) != 1 {
		t.Fatalf("a valid code after 100 wrong ones from the same address: %d", p.status)
	}
	// The office sees the failures on the round page.
	office := a.client()
	office.login("zzb")
	if p := office.get(fmt.Sprintf("/rounds/%d", f.id)); !strings.Contains(textOf(p, "code-failures"), "100 次") {
		t.Fatalf("code failures on the round page: %q", textOf(p, "code-failures"))
	}
	// The delay grows with the failures, to a cap.
	for _, tc := range []struct{ n, want int }{{1, 0}, {3, 0}, {4, 1}, {6, 2}, {8, 4}, {100, 32}} {
		if got := web.FailureDelay(1, tc.n); int(got) != tc.want {
			t.Errorf("delay after %d failures: %v, want %d", tc.n, got, tc.want)
		}
	}
}

func TestForgedForwardedForIsIgnored(t *testing.T) {
	a := newApp(t)
	// Without a configured proxy, X-Forwarded-For is anybody's to write: ignored.
	for i := 0; i < 5; i++ {
		phone := a.client()
		for _, path := range []string{"/v/ZZZZZZZZZ" + string("23456"[i]), "/v/ballot"} {
			req, err := http.NewRequest(http.MethodGet, a.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.8.%d", i))
			phone.do(req)
		}
	}
	stats, err := a.store.CodeFailures(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Addresses != 1 || stats.Total != 5 {
		t.Fatalf("forged addresses counted apart: %+v", stats)
	}
}

func TestCodesNeverLogged(t *testing.T) {
	st := pgtest.Store(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a := serveApp(t, st, &logs)
	f := a.round(t, []int{1}, true)
	c := a.client()
	c.vote(f, f.codes[0], 1)
	office := a.client()
	office.login("zzb")
	office.post(fmt.Sprintf("/rounds/%d/paper/ballot", f.id), url.Values{"start": {"1"}, "code": {f.codes[1]}})
	office.get(fmt.Sprintf("/rounds/%d/slips", f.id))
	office.get(fmt.Sprintf("/rounds/%d/codes", f.id))
	out := logs.String()
	if out == "" {
		t.Fatal("expected request logs at debug level")
	}
	for _, code := range f.codes {
		if strings.Contains(out, code) {
			t.Fatalf("code %s appears in the logs", code)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReportsBySecretaryOwnVillageOnly(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	f := a.round(t, []int{3}, false)
	var own, other store.RoundSubject
	for _, s := range f.subs {
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
	path := func(s store.RoundSubject) string { return fmt.Sprintf("/rounds/%d/subjects/%d/report", f.id, s.ID) }
	if p := sec.get(path(own)); p.status != 200 || len(p.find("report-form")) != 1 {
		t.Fatalf("own village report: %d", p.status)
	}
	if p := sec.post(path(own), url.Values{"text": {"小漩村党支部述职。"}}); p.status != http.StatusSeeOther {
		t.Fatalf("own village report post: %d %q", p.status, textOf(p, "error-file"))
	}
	if s, err := a.store.RoundSubject(ctx, 1, own.ID); err != nil || s.ReportText != "小漩村党支部述职。" {
		t.Fatalf("own village report text %q (%v)", s.ReportText, err)
	}
	p := sec.upload(path(own), "file", "报告.pdf", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("own village PDF: %d %s", p.status, textOf(p, "error-file"))
	}
	got, err := a.store.RoundSubject(ctx, 1, own.ID)
	if err != nil || got.FileName == nil || *got.FileName != "报告.pdf" {
		t.Fatalf("the attachment was not stored (%v)", err)
	}
	if p := sec.get(path(other)); !refused(p, http.StatusNotFound) {
		t.Fatalf("another village's report by URL: %d, want 404", p.status)
	}
	if p := sec.post(path(other), url.Values{"text": {"越权"}}); !refused(p, http.StatusNotFound) {
		t.Fatalf("another village's report by post: %d, want 404", p.status)
	}
	if s, err := a.store.RoundSubject(ctx, 1, other.ID); err != nil || strings.Contains(s.ReportText, "越权") {
		t.Fatalf("another village's report was changed (%v)", err)
	}
	// A file named .pdf that is not a PDF is refused by its content.
	office := a.client()
	office.login("zzb")
	p = office.upload(path(other), "file", "假的.pdf", []byte("MZ\x90\x00 this is an executable"))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-file"), "按文件内容检查") {
		t.Fatalf("fake PDF: %d %q", p.status, textOf(p, "error-file"))
	}
}

func TestOpeningAsksFirstNeedsReportsAndFreezes(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	f := a.round(t, []int{1}, false)
	if err := a.store.SaveReport(ctx, 1, f.subs[0].ID, store.ReportInput{}); err != nil {
		t.Fatal(err)
	}
	office := a.client()
	office.login("zzb")
	confirm := office.get(fmt.Sprintf("/rounds/%d/open", f.id))
	if confirm.status != 200 || !strings.Contains(textOf(confirm, "confirm-items"), "党委票决 40%") || !strings.Contains(textOf(confirm, "confirm-items"), demo.Scrutineers[0]) {
		t.Fatalf("open confirmation: %d %q", confirm.status, textOf(confirm, "confirm-items"))
	}
	p := office.post(fmt.Sprintf("/rounds/%d/open", f.id), nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "open-problems"), f.subs[0].Name) {
		t.Fatalf("open with a missing report: %d %q", p.status, textOf(p, "open-problems"))
	}
	if err := a.store.SaveReport(ctx, 1, f.subs[0].ID, store.ReportInput{Oral: true, OralNote: "会上口头述职"}); err != nil {
		t.Fatal(err)
	}
	p = office.post(fmt.Sprintf("/rounds/%d/open", f.id), nil)
	if p.status != 200 || len(p.find("keysheet")) != 3 || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("open: %d, %d key sheets", p.status, len(p.find("keysheet")))
	}
	names := texts(p, "keysheet-name")
	if len(names) != 3 || names[0] != demo.Scrutineers[0] {
		t.Fatalf("key sheets for %v", names)
	}
	// The sheets are shown once: the round page does not have them.
	round := office.get(fmt.Sprintf("/rounds/%d", f.id))
	if len(round.find("keysheet")) != 0 || textOf(round, "key-fingerprint") == "" {
		t.Fatal("the round page must show the key's fingerprint and never a key sheet")
	}
	p = office.post(fmt.Sprintf("/rounds/%d/edit", f.id), url.Values{"title": {"改"}, "year": {"2025"}, "kind": {"year_end"}, "w_peer": {"10"}, "w_public": {"90"},
		"pass_pct": {"90"}, "admonish_below_pct": {"80"}, "reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"}, "min_group_votes": {"5"},
		"cat_5": {"peer"}, "scrutineers": {"甲"}, "key_threshold": {"1"}})
	if g, err := a.store.RoundGroups(ctx, 1, f.id); err != nil || len(g) != 2 || g[0].Weight != 40 {
		t.Fatalf("groups changed after opening: %+v (status %d)", g, p.status)
	}
}

func TestRoundFormChecksScrutineers(t *testing.T) {
	a := newApp(t)
	office := a.client()
	office.login("zzb")
	base := url.Values{"title": {"新评议"}, "year": {"2026"}, "kind": {"year_end"}, "w_peer": {"40"}, "w_public": {"60"},
		"pass_pct": {"90"}, "admonish_below_pct": {"80"}, "reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"},
		"min_group_votes": {"5"}, "cat_5": {"peer"}, "level": {"1"}, "people": {"1"}}
	for _, tc := range []struct {
		names, k, field, want string
	}{
		{"", "2", "scrutineers", "1–9 位监票人"},
		{"甲\n甲", "1", "scrutineers", "重复"},
		{"甲\n乙", "3", "key_threshold", "不能多于"},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		form.Set("scrutineers", tc.names)
		form.Set("key_threshold", tc.k)
		p := office.post("/rounds/new", form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-"+tc.field), tc.want) {
			t.Errorf("scrutineers %q, k %s: %d %q", tc.names, tc.k, p.status, textOf(p, "error-"+tc.field))
		}
	}
}

func TestCodeEntryPage(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	c := a.client()
	if p := c.get("/v"); p.status != 200 || len(p.find("code-entry")) != 1 {
		t.Fatalf("entry page: %d", p.status)
	}
	// Lower case, spaces and full-width characters as typed on a phone.
	typed := strings.ToLower(f.codes[0][:5]) + " " + toFullWidth(f.codes[0][5:])
	if p := c.post("/v", url.Values{"code": {typed}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/v/ballot" {
		t.Fatalf("typed code: %d %s", p.status, p.header.Get("Location"))
	}
	if p := c.get("/v/ballot"); p.status != 200 || len(p.find("ballot-form")) != 1 {
		t.Fatalf("ballot after typing the code: %d", p.status)
	}
	if p := c.post("/v", url.Values{"code": {"O0I1L"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed code: %d", p.status)
	}
}

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			r = '０' + (r - '0')
		case r >= 'A' && r <= 'Z':
			r = 'Ａ' + (r - 'A')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestManualTalk(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	leader := a.client()
	leader.login("lingdao")
	orgs, err := a.store.AllOrganisations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
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
	talks, err := a.store.Talks(ctx, 1, "held")
	if err != nil {
		t.Fatal(err)
	}
	if len(talks) != 1 || talks[0].TalkWithName != "刘志强" || talks[0].Source != "manual" || talks[0].Kind != "admonishment" {
		t.Fatalf("recorded talk %+v", talks)
	}
	sec := a.client()
	sec.login("xiaoxuan")
	if p := sec.post("/talks/new", url.Values{"subject": {fmt.Sprintf("o%d", branch.ID)}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("secretary records a talk: %d", p.status)
	}
}

func TestForwardedForFromATrustedProxy(t *testing.T) {
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "PINGYI_TRUSTED_PROXIES" {
			return "127.0.0.1/32, 10.1.0.0/16"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	a := &app{t: t, url: ts.URL, store: st}
	// The test's requests come from 127.0.0.1, a trusted proxy: the right-most address that
	// is not itself a trusted proxy is the client's, whatever the client put in front.
	for i, xff := range []string{"203.0.113.7", "198.51.100.1, 203.0.113.8", "203.0.113.9, 10.1.2.3"} {
		phone := a.client()
		for _, path := range []string{"/v/ZZZZZZZZZ" + string("234"[i]), "/v/ballot"} {
			req, err := http.NewRequest(http.MethodGet, a.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", xff)
			phone.do(req)
		}
	}
	stats, err := st.CodeFailures(context.Background(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range stats.Top {
		got[a.Addr] = a.Count
	}
	if len(got) != 3 || got["203.0.113.7"] != 1 || got["203.0.113.8"] != 1 || got["203.0.113.9"] != 1 {
		t.Fatalf("client addresses behind the proxy: %v", got)
	}
}

// TestBallotPageIsEachCategorysOwn: the blank ballot is rendered once per round and
// category and served as bytes; every rater still gets their own category's page, the
// same page as every other rater of that category, in any encoding asked for.
func TestBallotPageIsEachCategorysOwn(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	slips, err := a.store.Slips(context.Background(), 1, f.id, 0)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, s := range slips {
		p := a.client().scan(s.Code)
		if p.status != http.StatusOK || !strings.Contains(p.body, s.Category+" · 无记名投票") {
			t.Fatalf("%s's ballot: %d, category shown %q", s.Category, p.status, textOf(p, "ballot-category"))
		}
		if first, ok := pages[s.Category]; ok && first != p.body {
			t.Fatalf("two raters of %s got different blank ballots", s.Category)
		}
		pages[s.Category] = p.body
	}
	if len(pages) != 2 || pages["群众代表"] == pages["党委委员"] {
		t.Fatalf("%d distinct pages for two categories", len(pages))
	}
}
