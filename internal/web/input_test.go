package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFullWidthPhoneNumbersAreNormalised: a Chinese input method types full-width digits
// and spaces; the number is stored as plain digits.
func TestFullWidthPhoneNumbersAreNormalised(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	orgs, err := a.store.AllOrganisations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := c.post("/people/new", url.Values{"name": {"全角号码"}, "organisation_id": {fmt.Sprint(orgs[1].ID)}, "level": {"2"}, "phone": {"１３９　１２３４ ５６７８"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("full-width mobile: %d %q", p.status, textOf(p, "error-phone"))
	}
	p = c.post("/people/new", url.Values{"name": {"全角座机"}, "organisation_id": {fmt.Sprint(orgs[1].ID)}, "level": {"2"}, "phone": {"０７１９－１２３４５６７"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("full-width landline: %d %q", p.status, textOf(p, "error-phone"))
	}
	people, err := a.store.AllPeople(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range people {
		got[x.Name] = x.Phone
	}
	if got["全角号码"] != "13912345678" || got["全角座机"] != "0719-1234567" {
		t.Fatalf("stored phones %q %q", got["全角号码"], got["全角座机"])
	}
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p = c.post("/raters/new", url.Values{"name": {"全角代表"}, "category_id": {fmt.Sprint(cats[0].ID)}, "phone": {"１３７００００００００"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("full-width rater phone: %d %q", p.status, textOf(p, "error-phone"))
	}
	// Full-width letters are still not a phone number.
	p = c.post("/raters/new", url.Values{"name": {"字母电话"}, "category_id": {fmt.Sprint(cats[0].ID)}, "phone": {"１３７ＡＢＣ"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-phone"), "电话号码格式不正确") {
		t.Fatalf("letters as a phone: %d", p.status)
	}
}

// TestNamesRefuseInvisibleCharacters: "张\u200b三" looks exactly like "张三"; it is refused
// with a message next to the field, and nothing is written.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	orgs, err := a.store.AllOrganisations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := a.store.RaterCategories(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	before, err := a.store.AllPeople(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"张\u200b三", "张\u202e三", "张\u0007三", "\ufeff张三", "张\u2066三\u2069", "张\u3164三"} {
		p := c.post("/people/new", url.Values{"name": {name}, "organisation_id": {fmt.Sprint(orgs[1].ID)}, "level": {"2"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-name"), "看不见的字符") {
			t.Errorf("person %q: %d %q", name, p.status, textOf(p, "error-name"))
		}
	}
	if after, err := a.store.AllPeople(ctx, 1); err != nil {
		t.Fatal(err)
	} else if len(after) != len(before) {
		t.Fatalf("a refused name was written: %d people, had %d", len(after), len(before))
	}
	for _, tc := range []struct {
		path  string
		form  url.Values
		field string
	}{
		{"/raters/new", url.Values{"name": {"李\u200d四"}, "category_id": {fmt.Sprint(cats[0].ID)}}, "name"},
		{"/orgs/new", url.Values{"name": {"乡\u202e站"}, "kind": {"agency"}}, "name"},
		{"/villages/new", url.Values{"name": {"桃\u200b园村"}}, "name"},
		{"/users/new", url.Values{"username": {"newuser"}, "display_name": {"王\u200b五"}, "role": {"leader"}, "password": {"long-enough-1"}}, "display_name"},
		{"/raters/categories", url.Values{"name": {"老干部\u200b代表"}, "group": {"public"}}, "name"},
	} {
		p := c.post(tc.path, tc.form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-"+tc.field), "看不见的字符") {
			t.Errorf("%s: %d %q", tc.path, p.status, textOf(p, "error-"+tc.field))
		}
	}
	// Ordinary names with a middle dot or Latin letters are fine.
	for _, name := range []string{"阿依古丽·买买提", "Zhang San"} {
		p := c.post("/people/new", url.Values{"name": {name}, "organisation_id": {fmt.Sprint(orgs[1].ID)}, "level": {"2"}})
		if p.status != http.StatusSeeOther {
			t.Errorf("%q refused: %q", name, textOf(p, "error-name"))
		}
	}
}

// TestFullWidthBallotCodes: a code typed in full-width letters and spaces opens the same
// ballot as the ASCII one.
func TestFullWidthBallotCodes(t *testing.T) {
	a := newApp(t)
	f := a.round(t, []int{1}, true)
	code := f.codes[0]
	var full strings.Builder
	for i, r := range strings.ToLower(code) {
		if i == 4 {
			full.WriteString("　") // an ideographic space
		}
		if r >= 'a' && r <= 'z' {
			r = 'ａ' + (r - 'a')
		} else {
			r = '０' + (r - '0')
		}
		full.WriteRune(r)
	}
	c := a.client()
	if p := c.post("/v", url.Values{"code": {full.String()}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/v/ballot" {
		t.Fatalf("full-width code entry: %d → %q", p.status, p.header.Get("Location"))
	}
	if p := c.get("/v/ballot"); p.status != http.StatusOK || len(p.find("ballot-form")) != 1 {
		t.Fatalf("ballot after a full-width code: %d", p.status)
	}
	other := a.client()
	if p := other.get("/v/" + url.PathEscape(full.String())); p.status != http.StatusSeeOther {
		t.Fatalf("full-width code in the QR address: %d", p.status)
	}
	if p := other.get("/v/ballot"); p.status != http.StatusOK || len(p.find("ballot-form")) != 1 {
		t.Fatalf("ballot after a full-width QR address: %d", p.status)
	}
}

// TestPageBeyondTheEndGoesToTheLastPage: ?page=999 lands on the last page, keeping the search.
func TestPageBeyondTheEndGoesToTheLastPage(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	for _, path := range []string{"/people", "/raters", "/orgs"} {
		p := c.get(path + "?q=%E6%9D%91&page=999")
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s?page=999: %d", path, p.status)
		}
		loc, err := url.Parse(p.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if loc.Path != path || loc.Query().Get("page") != "1" || loc.Query().Get("q") != "村" {
			t.Fatalf("%s?page=999 → %s", path, loc)
		}
		if p := c.get(loc.String()); p.status != http.StatusOK {
			t.Fatalf("%s: %d", loc, p.status)
		}
	}
}
