package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"pingyi/internal/store"
)

// flashOf follows a redirect and returns the message shown on the next page with its kind.
func (c *client) flashAfter(p page) (kind, msg string) {
	c.a.t.Helper()
	if p.status != http.StatusSeeOther {
		c.a.t.Fatalf("expected a redirect, got %d", p.status)
	}
	next := c.get(p.header.Get("Location"))
	ns := next.find("flash")
	if len(ns) == 0 {
		c.a.t.Fatalf("no message on %s", p.header.Get("Location"))
	}
	return attr(ns[0], "data-kind"), text(ns[0])
}

// TestFailuresAreNotShownAsSuccess: every refusal on the round page comes in the red
// banner (announced as an alert), every success in the green one.
func TestFailuresAreNotShownAsSuccess(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	for _, cat := range cats {
		groups[cat.ID] = cat.DefaultGroup
	}
	id, err := a.store.CreateRound(ctx, 1, store.RoundInput{Title: "提示测试", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Levels: []int{1}, People: false, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := a.store.RoundSubjects(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	orgID := *subs[0].OrganisationID
	base := fmt.Sprintf("/rounds/%d", id)

	for _, tc := range []struct {
		name, path string
		form       url.Values
		kind, msg  string
	}{
		{"too many codes", base + "/codes", url.Values{"category_id": {fmt.Sprint(cats[0].ID)}, "n": {"5000"}}, "bad", "生成数量须为 1–2000 的整数"},
		{"subject already listed", base + "/subjects", url.Values{"subject": {fmt.Sprintf("o%d", orgID)}}, "bad", "该对象已在名单中"},
		{"no subject chosen", base + "/subjects", url.Values{"subject": {""}}, "bad", "请选择要加入的对象"},
		{"publish a draft", base + "/publish", nil, "bad", "只有已计票的正式评议才能公示"},
		{"end voting of a draft", base + "/end", nil, "bad", "该评议不在投票中"},
		{"withdraw a draft", base + "/withdraw", url.Values{"reason": {"x"}}, "bad", "该评议未公示"},
		{"destroy a draft's ballots", base + "/destroy", url.Values{"reason": {"x"}}, "bad", "只有已计票且尚未销毁的评议才能销毁密封选票"},
		{"codes made", base + "/codes", url.Values{"category_id": {fmt.Sprint(cats[0].ID)}, "n": {"3"}}, "ok", "已生成 3 个测评码"},
	} {
		kind, msg := c.flashAfter(c.post(tc.path, tc.form))
		if kind != tc.kind || msg != tc.msg {
			t.Errorf("%s: banner %s %q, want %s %q", tc.name, kind, msg, tc.kind, tc.msg)
		}
	}
	// A failure is announced at once to screen readers.
	c.post(base+"/publish", nil)
	p := c.get(base)
	if ns := p.find("flash"); len(ns) != 1 || attr(ns[0], "role") != "alert" || attr(ns[0], "class") != "flash bad" {
		t.Fatalf("failure banner: %v", p.find("flash"))
	}
	// Signing out is a neutral notice on the sign-in page.
	if kind, msg := c.flashAfter(c.post("/logout", nil)); kind != "info" || msg != "您已安全退出。" {
		t.Fatalf("sign-out notice: %s %q", kind, msg)
	}
}
