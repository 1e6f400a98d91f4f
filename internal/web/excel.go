package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/store"
	"pingyi/web/view"
)

const (
	maxImportBytes = 10 << 20
	maxImportRows  = 5000
)

var (
	personColumns = []string{"姓名", "职务", "所在组织", "述职层次(1-4)", "村干部(是/否)", "电话"}
	raterColumns  = []string{"姓名", "类别", "工作单位", "电话"}
)

// writeXLSX sends a one-sheet workbook with a bold header row.
func (s *Server) writeXLSX(w http.ResponseWriter, r *http.Request, filename, sheet string, header []string, rows [][]string) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"EFEFEF"}, Pattern: 1}})
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr(sheet, cell, h)
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, 18)
	}
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	f.SetCellStyle(sheet, "A1", last, bold)
	for ri, row := range rows {
		for ci, v := range row {
			cell, _ := excelize.CoordinatesToCellName(ci+1, ri+2)
			f.SetCellStr(sheet, cell, v) // strings, so phone numbers keep their digits
		}
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(filename))
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// readUpload reads the uploaded workbook's first sheet, without the header row.
// The second result is a Chinese message for the file field.
func readUpload(w http.ResponseWriter, r *http.Request) ([][]string, string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	defer auditForm(r)
	if err := r.ParseMultipartForm(maxImportBytes); err != nil {
		return nil, "文件过大或上传失败(不超过 10 MB)"
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return nil, "请选择要导入的 Excel 文件"
	}
	defer file.Close()
	f, err := excelize.OpenReader(file)
	if err != nil {
		return nil, "无法读取该文件:请上传 .xlsx 格式的 Excel 文件(可先下载模板)"
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, "文件中没有工作表"
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, "无法读取工作表"
	}
	if len(rows) < 2 {
		return nil, "文件中没有数据行(第一行为表头,从第二行起填写)"
	}
	if len(rows)-1 > maxImportRows {
		return nil, fmt.Sprintf("一次最多导入 %d 行", maxImportRows)
	}
	return rows[1:], ""
}

func cell(row []string, i int) string {
	if i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// firstMessage joins a validator's messages for a row error, in column order.
func firstMessages(v Validator, order []string) string {
	var parts []string
	for _, k := range order {
		if m, ok := v.Errors[k]; ok {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, ";")
}

func (s *Server) personImportPage(errs []view.RowError, formErr string) view.ImportData {
	return view.ImportData{What: "干部", Action: "/people/import", Template: "/people/template.xlsx", Back: "/people",
		Columns: personColumns, RowErrors: errs, FormError: formErr}
}

func (s *Server) personImport(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, view.Import(s.chrome(r, "导入干部", "people"), s.personImportPage(nil, "")))
}

func (s *Server) personTemplate(w http.ResponseWriter, r *http.Request) {
	s.writeTemplate(w, r, "干部导入模板.xlsx", "干部", personColumns, personExample, 5)
}

func (s *Server) personExport(w http.ResponseWriter, r *http.Request) {
	people, err := s.store.AllPeople(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows := make([][]string, 0, len(people))
	for _, p := range people {
		vc := "否"
		if p.VillageCadre {
			vc = "是"
		}
		rows = append(rows, []string{p.Name, p.Position, p.OrganisationName, fmt.Sprint(p.Level), vc, p.Phone})
	}
	s.writeXLSX(w, r, "干部名单.xlsx", "干部", personColumns, rows)
}

func (s *Server) personImportPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	orgs, err := s.store.AllOrganisations(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	orgByName := map[string]*store.Organisation{}
	for i := range orgs {
		orgByName[orgs[i].Name] = &orgs[i]
	}
	existing, err := s.store.AllPeople(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	taken := map[string]bool{}
	for _, p := range existing {
		taken[fmt.Sprint(p.OrganisationID, "|", p.Name)] = true
	}
	parse := func(row []string) (store.PersonInput, string) {
		in := store.PersonInput{Name: cell(row, 0), Position: cell(row, 1), Phone: cell(row, 5), Active: true}
		var v Validator
		orgName := cell(row, 2)
		org := orgByName[orgName]
		if orgName != "" && org == nil {
			v.Add("organisation_id", "所在组织「"+orgName+"」不存在")
		}
		switch cell(row, 4) {
		case "是", "Y", "y", "1":
			in.VillageCadre = true
		case "", "否", "N", "n", "0":
		default:
			v.Add("village_cadre", "村干部一栏请填「是」或「否」")
		}
		checkPerson(&v, &in, org, cell(row, 3))
		if org != nil && in.Name != "" {
			key := fmt.Sprint(org.ID, "|", in.Name)
			if taken[key] {
				v.Add("name", "「"+org.Name+"」已有同名干部「"+in.Name+"」")
			}
			taken[key] = true
			in.OrganisationID = org.ID
		}
		return in, firstMessages(v, []string{"name", "position", "organisation_id", "level", "village_cadre", "phone"})
	}
	insert := func(items []store.PersonInput) error { return s.store.ImportPeople(r.Context(), u.TownshipID, items) }
	runImport(s, w, r, importUI{title: "导入干部", nav: "people", page: s.personImportPage, noun: "名干部", conflict: "与已有干部重名", example: personExample}, parse, insert)
}

func (s *Server) raterImportPage(errs []view.RowError, formErr string) view.ImportData {
	return view.ImportData{What: "评议代表", Action: "/raters/import", Template: "/raters/template.xlsx", Back: "/raters",
		Columns: raterColumns, RowErrors: errs, FormError: formErr}
}

func (s *Server) raterImport(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, view.Import(s.chrome(r, "导入评议代表", "raters"), s.raterImportPage(nil, "")))
}

func (s *Server) raterTemplate(w http.ResponseWriter, r *http.Request) {
	s.writeTemplate(w, r, "评议代表导入模板.xlsx", "评议代表", raterColumns, raterExample, 3)
}

func (s *Server) raterExport(w http.ResponseWriter, r *http.Request) {
	raters, err := s.store.AllRaters(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows := make([][]string, 0, len(raters))
	for _, x := range raters {
		rows = append(rows, []string{x.Name, x.CategoryName, x.Unit, x.Phone})
	}
	s.writeXLSX(w, r, "评议代表名单.xlsx", "评议代表", raterColumns, rows)
}

func (s *Server) raterImportPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	cats, err := s.store.RaterCategories(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	catByName := map[string]int64{}
	var catNames []string
	for _, c := range cats {
		catByName[c.Name] = c.ID
		catNames = append(catNames, c.Name)
	}
	existing, err := s.store.AllRaters(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	taken := map[string]bool{}
	for _, x := range existing {
		taken[fmt.Sprint(x.CategoryID, "|", x.Name)] = true
	}
	parse := func(row []string) (store.RaterInput, string) {
		in := store.RaterInput{Name: cell(row, 0), Unit: cell(row, 2), Phone: cell(row, 3), Active: true}
		var v Validator
		catName := cell(row, 1)
		in.CategoryID = catByName[catName]
		if catName != "" && in.CategoryID == 0 {
			v.Add("category_id", "类别「"+catName+"」不存在(可填:"+strings.Join(catNames, "、")+")")
		}
		checkRater(&v, &in, in.CategoryID != 0)
		if in.CategoryID != 0 && in.Name != "" {
			key := fmt.Sprint(in.CategoryID, "|", in.Name)
			if taken[key] {
				v.Add("name", "「"+catName+"」中已有同名代表「"+in.Name+"」")
			}
			taken[key] = true
		}
		return in, firstMessages(v, []string{"name", "category_id", "unit", "phone"})
	}
	insert := func(items []store.RaterInput) error { return s.store.ImportRaters(r.Context(), u.TownshipID, items) }
	runImport(s, w, r, importUI{title: "导入评议代表", nav: "raters", page: s.raterImportPage, noun: "名评议代表", conflict: "与已有代表重名", example: raterExample}, parse, insert)
}

// importUI is what differs between the import pages.
type importUI struct {
	title, nav string
	page       func(errs []view.RowError, formErr string) view.ImportData
	noun       string   // 名干部
	conflict   string   // the reason for a row that a concurrent change made a duplicate
	example    []string // the template's example row, skipped when unchanged
}

// runImport reads the uploaded sheet, checks every row with parse (which returns a
// reason for a bad row), and inserts all rows in one transaction only if none is bad.
func runImport[T any](s *Server, w http.ResponseWriter, r *http.Request, ui importUI, parse func([]string) (T, string), insert func([]T) error) {
	fail := func(errs []view.RowError, msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, view.Import(s.chrome(r, ui.title, ui.nav), ui.page(errs, msg)))
	}
	rows, upErr := readUpload(w, r)
	if upErr != "" {
		fail(nil, upErr)
		return
	}
	var items []T
	var rowNums []int
	var errs []view.RowError
	skipped := false
	for i, row := range rows {
		if blankRow(row) {
			continue
		}
		if isExampleRow(row, ui.example) {
			skipped = true
			continue
		}
		item, reason := parse(row)
		if reason != "" {
			errs = append(errs, view.RowError{Row: i + 2, Reason: reason})
			continue
		}
		items = append(items, item)
		rowNums = append(rowNums, i+2)
	}
	if len(errs) == 0 && len(items) == 0 {
		if skipped {
			fail(nil, "文件中只有模板的示例行(示例行不会导入)。请在示例行下方填写,或覆盖示例行后再导入")
			return
		}
		fail(nil, "文件中没有数据行")
		return
	}
	if len(errs) > 0 {
		fail(errs, "")
		return
	}
	var re *store.RowError
	err := insert(items)
	switch {
	case errors.As(err, &re) && errors.Is(err, store.ErrConflict):
		fail([]view.RowError{{Row: rowNums[re.Index], Reason: ui.conflict}}, "")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	msg := fmt.Sprintf("已导入 %d %s", len(items), ui.noun)
	if skipped {
		msg += "(模板中的示例行已跳过)"
	}
	s.flash(r, flashOK, msg)
	http.Redirect(w, r, ui.page(nil, "").Back, http.StatusSeeOther)
}
