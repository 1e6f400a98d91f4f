package web

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"

	"github.com/xuri/excelize/v2"
)

// The example rows of the blank import templates. A row still equal to its template's
// example is skipped on import, so uploading a template as downloaded creates nobody;
// a row the office typed over is imported like any other.
var (
	personExample = []string{"张三", "党委委员、副乡长", "乡政府", "1", "否", "13800138000"}
	raterExample  = []string{"李四", "群众代表", "河口村三组", "13900139000"}
)

// isExampleRow reports whether a sheet row is the template's example, unchanged.
func isExampleRow(row, example []string) bool {
	if example == nil {
		return false
	}
	cells := make([]string, len(example))
	for i := range example {
		cells[i] = cell(row, i)
	}
	for i := len(example); i < len(row); i++ {
		if cell(row, i) != "" {
			return false
		}
	}
	return slices.Equal(cells, example)
}

// exampleNote is the note on the example row of a template.
const exampleNote = "第 2 行是示例,导入时自动跳过(不会导入)。请从第 3 行起填写,或直接覆盖示例行。"

// writeTemplate sends a blank import template: a bold header, the example row in grey
// italics with a note saying it is skipped, and text-formatted cells for the phone
// column (textCols) so a number keeps its leading zero.
func (s *Server) writeTemplate(w http.ResponseWriter, r *http.Request, filename, sheet string, header, example []string, textCols ...int) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"EFEFEF"}, Pattern: 1}})
	grey, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "808080"}, NumFmt: 49})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	for i, h := range header {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr(sheet, c, h)
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetColWidth(sheet, col, col, 18)
	}
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	f.SetCellStyle(sheet, "A1", last, bold)
	for _, ci := range textCols {
		col, _ := excelize.ColumnNumberToName(ci + 1)
		f.SetColStyle(sheet, col, text)
	}
	for i, v := range example {
		c, _ := excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellStr(sheet, c, v)
	}
	lastEx, _ := excelize.CoordinatesToCellName(len(example), 2)
	f.SetCellStyle(sheet, "A2", lastEx, grey)
	f.AddComment(sheet, excelize.Comment{Cell: "A2", Author: "评议系统", Paragraph: []excelize.RichTextRun{{Text: exampleNote}}})
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"template.xlsx\"; filename*=UTF-8''"+url.PathEscape(filename))
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}
