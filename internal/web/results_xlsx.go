package web

import (
	"bytes"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// resultsXLSX exports a closed round's results as a workbook an office can file and
// print: a title row (round, township, dates), a two-row header with one block per
// rater group the round has, counts as numbers, rates as numbers in a percent format,
// column widths, frozen header and name column, a filter on the header, and A4
// landscape printing that repeats the header on every page.
func (s *Server) resultsXLSX(w http.ResponseWriter, r *http.Request) {
	d, ok := s.resultsData(w, r)
	if !ok {
		return
	}
	f := resultsWorkbook(d, d.Groups, currentUser(r).TownshipName, time.Now())
	defer f.Close()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	name := d.Round.Title + "测评结果汇总表.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"results.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// groupColumns are the columns of one rater group's block.
var groupColumns = []string{"优秀/非常满意", "称职/满意", "基本称职/基本满意", "不称职/不满意", "弃权", "满意率", "不满意率"}

// percentValue turns a rate shown as "86.50" (percent, two decimals, rounded half up
// from the exact fraction) into the number 0.865 for a cell formatted 0.00%, so the
// workbook shows exactly what the page shows.
func percentValue(p string) (float64, bool) {
	whole, frac, _ := strings.Cut(p, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(w*100+f) / 10000, true
}

// resultsWorkbook lays out the results sheet; see resultsXLSX.
func resultsWorkbook(d view.ResultsData, groups []store.Group, township string, now time.Time) *excelize.File {
	const sheet = "测评结果汇总表"
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", sheet)
	fixed := []string{"对象", "职务", "层次"}
	if d.Round.IsPledge() {
		fixed = []string{"评议对象", "所属承诺", "层次"} // 评诺: an item (or a commitment) and whose
	}
	tail := []string{"加权满意率", "加权不满意率", "评定结果", "诫勉文件", "组织处理", "依据"}
	ncols := len(fixed) + len(groups)*len(groupColumns) + len(tail)
	col := func(i int) string { c, _ := excelize.ColumnNumberToName(i); return c }
	at := cellName
	lastCol := col(ncols)

	title, sub, head, text, count, pct, dash := resultStyles(f)

	// Rows 1–2: title and what the table is.
	f.SetCellStr(sheet, "A1", d.Round.Title+"测评结果汇总表")
	f.MergeCell(sheet, "A1", lastCol+"1")
	f.SetCellStyle(sheet, "A1", lastCol+"1", title)
	f.SetRowHeight(sheet, 1, 30)
	var weights []string
	for _, g := range groups {
		weights = append(weights, fmt.Sprintf("%s %d%%", g.Name, g.Weight))
	}
	closed := ""
	if d.Round.ClosedAt != nil {
		closed = "投票结束 " + d.Round.ClosedAt.Format("2006-01-02") + " · "
	}
	f.SetCellStr(sheet, "A2", fmt.Sprintf("%s · %d 年度 · %s权重:%s · 某组有效票少于 %d 张时不显示该组明细 · 导出于 %s",
		township, d.Round.Year, closed, strings.Join(weights, ","), d.Round.MinGroupVotes, now.Format("2006-01-02 15:04")))
	f.MergeCell(sheet, "A2", lastCol+"2")
	f.SetCellStyle(sheet, "A2", lastCol+"2", sub)
	f.SetRowHeight(sheet, 2, 20)

	// Rows 3–4: the header, one merged block per group.
	groupHeader(f, sheet, fixed, groups, groupColumns, tail)
	f.SetCellStyle(sheet, "A3", lastCol+"4", head)
	f.SetRowHeight(sheet, 4, 32)

	// Data from row 5.
	row := 5
	for _, res := range d.Results {
		c := 1
		for _, v := range []string{res.Name, res.Title, rules.Tier(res.Level).Label()} {
			f.SetCellStr(sheet, at(c, row), v)
			f.SetCellStyle(sheet, at(c, row), at(c, row), text)
			c++
		}
		for _, g := range groups {
			t := res.Tallies[g.Key]
			rate := rules.GroupRate{Tally: rules.Tally(t)}
			// A group below the round's minimum shows neither its counts nor its rates:
			// with one or two ballots they would tell how those raters voted.
			shown := t[0]+t[1]+t[2]+t[3] >= int64(d.Round.MinGroupVotes)
			for i := 0; i < 5; i++ {
				if shown {
					f.SetCellInt(sheet, at(c, row), t[i])
					f.SetCellStyle(sheet, at(c, row), at(c, row), count)
				} else {
					f.SetCellStr(sheet, at(c, row), "—")
					f.SetCellStyle(sheet, at(c, row), at(c, row), dash)
				}
				c++
			}
			for _, x := range []*big.Rat{rate.Satisfaction(), rate.Dissatisfaction()} {
				if v, ok := percentValue(rules.Percent(x)); ok && shown && x != nil {
					f.SetCellFloat(sheet, at(c, row), v, -1, 64)
					f.SetCellStyle(sheet, at(c, row), at(c, row), pct)
				} else {
					f.SetCellStr(sheet, at(c, row), "—")
					f.SetCellStyle(sheet, at(c, row), at(c, row), dash)
				}
				c++
			}
		}
		for _, p := range []*string{res.Satisfaction, res.Dissatisfaction} {
			if v, ok := percentPtr(p); ok {
				f.SetCellFloat(sheet, at(c, row), v, -1, 64)
				f.SetCellStyle(sheet, at(c, row), at(c, row), pct)
			} else {
				f.SetCellStr(sheet, at(c, row), "—")
				f.SetCellStyle(sheet, at(c, row), at(c, row), dash)
			}
			c++
		}
		for _, v := range []string{rules.Outcome(res.Outcome).Label(), yes(res.Document), yes(res.Referral), strings.Join(res.Reasons, ";")} {
			f.SetCellStr(sheet, at(c, row), v)
			f.SetCellStyle(sheet, at(c, row), at(c, row), text)
			c++
		}
		row++
	}
	last := max(row-1, 4)

	// Widths: names and reasons wide, counts narrow.
	widths := []float64{14, 18, 11}
	for range groups {
		widths = append(widths, 7.5, 7, 9, 7.5, 5.5, 8.5, 8.5)
	}
	widths = append(widths, 9.5, 9.5, 9, 7, 7, 44)
	for i, wd := range widths {
		f.SetColWidth(sheet, col(i+1), col(i+1), wd)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 4, TopLeftCell: "B5", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "B5", ActiveCell: "B5", Pane: "bottomRight"}}})
	if len(d.Results) > 0 {
		f.AutoFilter(sheet, "A4:"+at(ncols, last), nil)
	}
	landscape, fit := "landscape", true
	paper := 9 // A4
	f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &paper, FitToWidth: intPtr(1), FitToHeight: intPtr(0)})
	f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
	f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$3:$4", Scope: sheet})
	if len(d.Criteria) > 0 {
		criteriaSheet(f, d, groups)
	}
	return f
}

func intPtr(n int) *int { return &n }

func percentPtr(p *string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return percentValue(*p)
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return ""
}

// resultStyles makes the styles of a results sheet: title, the note under it, header,
// text, count (0), rate (0.00%) and the dash of a hidden figure.
func resultStyles(f *excelize.File) (title, sub, head, text, count, pct, dash int) {
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	style := func(st *excelize.Style) int {
		id, _ := f.NewStyle(st)
		return id
	}
	title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	sub = style(&excelize.Style{Font: &excelize.Font{Size: 10, Color: "595959"}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	head = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"EFEFEF"}, Pattern: 1},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: border})
	text = style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: border})
	count = style(&excelize.Style{NumFmt: 1, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}, Border: border}) // 0
	pct = style(&excelize.Style{NumFmt: 10, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"}, Border: border})  // 0.00%
	dash = style(&excelize.Style{Font: &excelize.Font{Color: "7F7F7F"}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}, Border: border})
	return title, sub, head, text, count, pct, dash
}

// cellName is the A1 name of column c (from 1) in row.
func cellName(c, row int) string {
	a, _ := excelize.CoordinatesToCellName(c, row)
	return a
}

// groupHeader writes a results sheet's header in rows 3 and 4: the fixed headings, then
// for each group its name and weight over its own columns, then the tail headings; the
// fixed and tail headings span both rows.
func groupHeader(f *excelize.File, sheet string, fixed []string, groups []store.Group, perGroup, tail []string) {
	c := 1
	spanning := func(h string) {
		f.SetCellStr(sheet, cellName(c, 3), h)
		f.MergeCell(sheet, cellName(c, 3), cellName(c, 4))
		c++
	}
	for _, h := range fixed {
		spanning(h)
	}
	for _, g := range groups {
		f.SetCellStr(sheet, cellName(c, 3), fmt.Sprintf("%s(%d%%)", g.Name, g.Weight))
		f.MergeCell(sheet, cellName(c, 3), cellName(c+len(perGroup)-1, 3))
		for i, h := range perGroup {
			f.SetCellStr(sheet, cellName(c+i, 4), h)
		}
		c += len(perGroup)
	}
	for _, h := range tail {
		spanning(h)
	}
}
