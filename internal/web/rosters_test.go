package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/store"
)

func TestRolesReachOnlyTheirPages(t *testing.T) {
	a := newApp(t)
	leader, sec := a.client(), a.client()
	leader.login("lingdao")
	sec.login("xiaoxuan")

	if p := leader.get("/people"); p.status != 200 {
		t.Fatalf("leader reads people: %d", p.status)
	}
	if p := leader.post("/villages/new", url.Values{"name": {"新村"}}); !refused(p, http.StatusForbidden) {
		t.Fatalf("leader writes: %d, want 403", p.status)
	}
	nav := texts(leader.get("/"), "nav")
	if strings.Contains(strings.Join(nav, ""), "账号") {
		t.Errorf("leader's navigation shows accounts: %v", nav)
	}
	for _, path := range []string{"/people", "/orgs", "/raters", "/users", "/whatif", "/people/export.xlsx", "/people/1/edit"} {
		if p := sec.get(path); !refused(p, http.StatusForbidden) {
			t.Errorf("secretary GET %s: %d, want 403", path, p.status)
		}
	}
	home := sec.get("/")
	if textOf(home, "village-name") != "小漩村" {
		t.Fatalf("secretary home shows %q", textOf(home, "village-name"))
	}
	people := textOf(home, "village-people")
	if !strings.Contains(people, "刘志强") {
		t.Errorf("secretary's own village people missing: %q", people)
	}
	// No other village's people leak onto the secretary's page.
	all, err := a.store.AllPeople(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Level == 3 && !strings.HasPrefix(p.OrganisationName, "小漩村") && strings.Contains(people, p.Name) {
			t.Errorf("secretary sees %s of %s", p.Name, p.OrganisationName)
		}
	}
	// A village field in a forged post cannot reach anything: writes are office-only.
	if p := sec.post("/people/new", url.Values{"name": {"假人"}, "organisation_id": {"3"}}); !refused(p, http.StatusForbidden) {
		t.Errorf("secretary forged post: %d, want 403", p.status)
	}
}

func TestTownshipsAreIsolated(t *testing.T) {
	a := newApp(t)
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
	c := a.client()
	c.login("shuanghe")
	if p := c.get("/people"); strings.Contains(p.body, "陈建国") {
		t.Fatal("another township's office sees this township's people")
	}
	xx, err := a.store.AllPeople(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.get(fmt.Sprintf("/people/%d/edit", xx[0].ID)); !refused(p, http.StatusNotFound) {
		t.Fatalf("another township's person by URL: %d, want 404", p.status)
	}
	orgs, err := a.store.AllOrganisations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := c.post("/people/new", url.Values{"name": {"越界"}, "organisation_id": {fmt.Sprint(orgs[0].ID)}})
	if p.status != http.StatusUnprocessableEntity || len(p.find("error-organisation_id")) == 0 {
		t.Fatalf("person in another township's organisation: %d", p.status)
	}
}

func TestPersonValidationNextToFields(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	orgs, err := a.store.AllOrganisations(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	gov := orgs[1]
	p := c.post("/people/new", url.Values{"name": {""}, "organisation_id": {""}, "phone": {"12345"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad person: %d", p.status)
	}
	for field, want := range map[string]string{"name": "请填写姓名", "organisation_id": "请选择所在组织", "phone": "电话号码格式不正确"} {
		if got := textOf(p, "error-"+field); !strings.Contains(got, want) {
			t.Errorf("%s message %q, want %q", field, got, want)
		}
	}
	p = c.post("/people/new", url.Values{"name": {"黄志远"}, "organisation_id": {fmt.Sprint(gov.ID)}})
	if !strings.Contains(textOf(p, "error-name"), "已有同名干部") {
		t.Fatalf("duplicate name in organisation: %d %q", p.status, textOf(p, "error-name"))
	}
	p = c.post("/people/new", url.Values{"name": {"新干部"}, "position": {"干事"}, "organisation_id": {fmt.Sprint(gov.ID)}, "level": {"2"}, "phone": {"13912345678"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("good person: %d %s", p.status, p.body)
	}
}

func xlsx(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	h := make([]any, len(header))
	for i, v := range header {
		h[i] = v
	}
	if err := f.SetSheetRow("Sheet1", "A1", &h); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		row := make([]any, len(r))
		for j, v := range r {
			row[j] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRaterImportAllOrNothing(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	before, err := a.store.AllRaters(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"姓名", "类别", "工作单位", "电话"}
	bad := xlsx(t, header, [][]string{
		{"甲一", "群众代表", "河口村", "13700000001"},
		{"", "群众代表", "河口村", ""},
		{"乙二", "外星代表", "", ""},
		{"丙三", "党代表", "", "555"},
		{"甲一", "群众代表", "", ""},
	})
	p := c.upload("/raters/import", "file", "r.xlsx", bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad import: %d", p.status)
	}
	got := texts(p, "import-row-error")
	want := []string{"第 3 行", "第 4 行", "第 5 行", "第 6 行"}
	if len(got) != len(want) {
		t.Fatalf("row errors %q, want rows 3–6", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("row error %d %q, want prefix %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[1], "外星代表") || !strings.Contains(got[2], "电话号码") || !strings.Contains(got[3], "同名") {
		t.Errorf("reasons: %q", got)
	}
	after, err := a.store.AllRaters(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("a bad file imported %d rows; want none", len(after)-len(before))
	}
	good := xlsx(t, header, [][]string{{"甲一", "群众代表", "河口村", "13700000001"}, {"乙二", "党代表", "", ""}})
	if p := c.upload("/raters/import", "file", "r.xlsx", good); p.status != http.StatusSeeOther {
		t.Fatalf("good import: %d %q", p.status, texts(p, "import-row-error"))
	}
	after, err = a.store.AllRaters(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+2 {
		t.Fatalf("good import added %d, want 2", len(after)-len(before))
	}
	if p := c.upload("/raters/import", "file", "r.xlsx", []byte("not a workbook")); p.status != http.StatusUnprocessableEntity || textOf(p, "import-error") == "" {
		t.Fatalf("garbage file: %d", p.status)
	}
}

func TestPeopleImportAndExportRoundTrip(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	header := []string{"姓名", "职务", "所在组织", "述职层次(1-4)", "村干部(是/否)", "电话"}
	data := xlsx(t, header, [][]string{{"新来的", "干事", "乡政府", "2", "否", "13711112222"}, {"村会计", "会计", "河口村委会", "3", "是", ""}})
	if p := c.upload("/people/import", "file", "p.xlsx", data); p.status != http.StatusSeeOther {
		t.Fatalf("import: %d %q", p.status, texts(p, "import-row-error"))
	}
	resp := c.get("/people/export.xlsx")
	if resp.status != 200 || !strings.Contains(resp.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", resp.status, resp.header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(strings.NewReader(resp.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows[1:] {
		names = append(names, r[0])
	}
	if !slices.Contains(names, "新来的") || !slices.Contains(names, "村会计") {
		t.Fatalf("export lacks imported people: %v", names)
	}
	if tpl := c.get("/people/template.xlsx"); tpl.status != 200 {
		t.Fatalf("template: %d", tpl.status)
	}
}

func TestWhatIfPage(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("lingdao")
	form := url.Values{"mode": {"form"}, "w_peer": {"30"}, "w_public": {"70"}, "pass_pct": {"90"}, "admonish_below_pct": {"80"},
		"reminder_dissatisfied_pct": {"10"}, "admonish_dissatisfied_pct": {"20"},
		"name_0": {"王"}, "kind_0": {"person"}, "prior_0": {"0"},
		"c_0_peer_1": {"7"}, "c_0_peer_3": {"2"}, "c_0_public_1": {"20"}, "c_0_public_3": {"1"},
		"name_1": {"李"}, "kind_1": {"person"}, "prior_1": {"1"},
		"c_1_peer_1": {"5"}, "c_1_peer_4": {"5"}, "c_1_public_1": {"5"}, "c_1_public_4": {"5"}}
	p := c.post("/whatif", form)
	if p.status != 200 {
		t.Fatalf("what-if: %d", p.status)
	}
	s := texts(p, "satisfaction")
	o := texts(p, "outcome")
	if len(s) != 2 || s[0] != "90.00%" || o[0] != "合格" || o[1] != "诫勉谈话" {
		t.Fatalf("what-if results S=%v outcomes=%v", s, o)
	}
	if !strings.Contains(p.body, "诫勉文件") {
		t.Error("one prior admonishment plus this one should show 诫勉文件")
	}
	form.Set("w_public", "50")
	if p := c.post("/whatif", form); p.status != http.StatusUnprocessableEntity || textOf(p, "error-weights") == "" {
		t.Fatalf("weights not summing to 100: %d", p.status)
	}
	p = c.post("/whatif", url.Values{"mode": {"json"}, "scenario": {`{"groups":{"g":100}}`}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "error-json"), "场景有误") {
		t.Fatalf("bad JSON scenario: %d", p.status)
	}
}
