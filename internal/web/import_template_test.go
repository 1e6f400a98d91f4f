package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestTemplateExampleRowIsNotImported: a blank template uploaded as downloaded imports
// nobody; rows typed below the example are imported and the example is skipped.
func TestTemplateExampleRowIsNotImported(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	ctx := context.Background()
	for _, tc := range []struct {
		template, action string
		row              []any
		count            func() int
	}{
		{"/people/template.xlsx", "/people/import", []any{"新导入干部", "干事", "乡政府", "2", "否", "13911112222"},
			func() int {
				p, err := a.store.AllPeople(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				return len(p)
			}},
		{"/raters/template.xlsx", "/raters/import", []any{"新导入代表", "群众代表", "桃园村", "13911113333"},
			func() int {
				p, err := a.store.AllRaters(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				return len(p)
			}},
	} {
		tpl := c.get(tc.template)
		if tpl.status != http.StatusOK {
			t.Fatalf("%s: %d", tc.template, tpl.status)
		}
		before := tc.count()
		p := c.upload(tc.action, "file", "template.xlsx", []byte(tpl.body))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(textOf(p, "import-error"), "只有模板的示例行") {
			t.Fatalf("%s as downloaded: %d %q", tc.template, p.status, textOf(p, "import-error"))
		}
		if n := tc.count(); n != before {
			t.Fatalf("%s as downloaded imported %d rows", tc.template, n-before)
		}
		// The office fills in row 3 and leaves the example where it is.
		f, err := excelize.OpenReader(bytes.NewReader([]byte(tpl.body)))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetList()[0]
		if err := f.SetSheetRow(sheet, "A3", &tc.row); err != nil {
			t.Fatal(err)
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		p = c.upload(tc.action, "file", "filled.xlsx", buf.Bytes())
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s filled: %d %v", tc.template, p.status, texts(p, "import-row-error"))
		}
		if n := tc.count(); n != before+1 {
			t.Fatalf("%s filled: imported %d rows, want 1", tc.template, n-before)
		}
		if kind, msg := c.flashAfter(p); kind != "ok" || !strings.Contains(msg, "已导入 1 ") || !strings.Contains(msg, "示例行已跳过") {
			t.Fatalf("%s: %s %q", tc.template, kind, msg)
		}
	}
}
