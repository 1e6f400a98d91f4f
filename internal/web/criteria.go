package web

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/xuri/excelize/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// 三争创 criteria: the round form's settings, the ballot's ratings, and the profiles the
// results and dossiers show (see internal/store, criteria.go).

// parseCriteriaSettings reads the round form's criteria settings.
func parseCriteriaSettings(v *Validator, f url.Values, d *view.RoundFormData, in *store.RoundInput) {
	d.Criteria, d.PersonCriteria = f.Get("criteria"), f.Get("person_criteria")
	if d.Pledge != nil { // a 评诺 round rates commitments, not cadres: no criteria
		d.Criteria, d.PersonCriteria = "", ""
	}
	if d.Criteria == "" { // a form from before the setting existed
		d.Criteria = store.CriteriaOff
	}
	if d.PersonCriteria == "" {
		d.PersonCriteria = string(rules.FiveHaves)
	}
	v.Check(store.CriteriaModeLabel(d.Criteria) != d.Criteria, "criteria", "请选择是否评价三争创标准")
	v.Check(slices.Contains(rules.PersonCriteriaSets, rules.CriteriaSet(d.PersonCriteria)), "person_criteria", "请选择个人对象按五个有还是五带头评价")
	in.Criteria, in.PersonCriteria = d.Criteria, rules.CriteriaSet(d.PersonCriteria)
}

// parseBallotCriteria reads the ballot's criteria ratings into d.Rated and, where the
// round requires them, lists in d.MissingCriteria each answered subject's criteria still
// unrated. A subject the rater abstained on has no criteria; one not yet answered keeps
// what was rated but is not asked for more until it is.
func parseBallotCriteria(f url.Values, d *view.BallotData) {
	d.Rated, d.MissingCriteria = map[int64][5]uint8{}, map[int64][]int{}
	if d.Criteria != store.CriteriaOptional && d.Criteria != store.CriteriaRequired {
		return
	}
	for _, s := range d.Subjects {
		var rated [ballotbox.Criteria]uint8
		var missing []int
		for k := range rated {
			c, ok := rules.ParseChoice(f.Get(view.CriteriaField(s.ID, k)))
			if ok && c.Counts() {
				rated[k] = uint8(c)
			} else {
				missing = append(missing, k)
			}
		}
		switch choice := d.Choices[s.ID]; {
		case choice == rules.Abstention:
			continue
		case choice != 0 && d.Criteria == store.CriteriaRequired && len(missing) > 0:
			d.MissingCriteria[s.ID] = missing
		}
		if rated != ([ballotbox.Criteria]uint8{}) {
			d.Rated[s.ID] = rated
		}
	}
}

// criteriaSheet adds the 三争创 criteria to a results workbook as a sheet of its own, one
// row per subject and criterion: the set, the criterion, each group's counts (levels
// 1–4; "—" where the group's figures are not shown), the ratings counted and the
// weighted satisfaction as a number in a percent format. Laid out as the results sheet
// is: title, note, two-row header with a block per group, frozen header, filter, A4
// landscape.
func criteriaSheet(f *excelize.File, d view.ResultsData, groups []store.Group) {
	const sheet = "三争创标准测评"
	f.NewSheet(sheet)
	fixed := []string{"对象", "职务", "标准", "评价项"}
	levels := []string{"①优秀/非常满意", "②称职/满意", "③基本称职/基本满意", "④不称职/不满意"}
	tail := []string{"计入人数", "加权满意率"}
	ncols := len(fixed) + len(groups)*len(levels) + len(tail)
	at := cellName
	col := func(i int) string { c, _ := excelize.ColumnNumberToName(i); return c }
	title, sub, head, text, count, pct, dash := resultStyles(f)
	last := col(ncols)

	f.SetCellStr(sheet, "A1", d.Round.Title+"三争创标准测评")
	f.MergeCell(sheet, "A1", last+"1")
	f.SetCellStyle(sheet, "A1", last+"1", title)
	f.SetRowHeight(sheet, 1, 30)
	f.SetCellStr(sheet, "A2", fmt.Sprintf("每项为评价该项的人中一、二档所占比例按各组权重加权(算法同总体满意率);某组有效票或评价该项的人数少于 %d 时,该组这一项不显示、不计入。只作参考,不影响评议结果。", d.Round.MinGroupVotes))
	f.MergeCell(sheet, "A2", last+"2")
	f.SetCellStyle(sheet, "A2", last+"2", sub)
	f.SetRowHeight(sheet, 2, 32)
	groupHeader(f, sheet, fixed, groups, levels, tail)
	f.SetCellStyle(sheet, "A3", last+"4", head)
	f.SetRowHeight(sheet, 4, 32)

	row := 5
	for _, res := range d.Results {
		p := d.Criteria[res.ID]
		if p == nil {
			continue
		}
		for _, cr := range p.Criteria {
			c := 1
			for _, v := range []string{res.Name, res.Title, p.Set.Label() + "(" + p.Set.Title() + ")", cr.Label} {
				f.SetCellStr(sheet, at(c, row), v)
				f.SetCellStyle(sheet, at(c, row), at(c, row), text)
				c++
			}
			for _, g := range groups {
				t, shown := cr.Tallies[g.Key]
				for i := range levels {
					if shown {
						f.SetCellInt(sheet, at(c, row), t[i])
						f.SetCellStyle(sheet, at(c, row), at(c, row), count)
					} else {
						f.SetCellStr(sheet, at(c, row), "—")
						f.SetCellStyle(sheet, at(c, row), at(c, row), dash)
					}
					c++
				}
			}
			f.SetCellInt(sheet, at(c, row), cr.Rated)
			f.SetCellStyle(sheet, at(c, row), at(c, row), count)
			c++
			if v, ok := percentValue(cr.Share); ok {
				f.SetCellFloat(sheet, at(c, row), v, -1, 64)
				f.SetCellStyle(sheet, at(c, row), at(c, row), pct)
			} else {
				f.SetCellStr(sheet, at(c, row), "—")
				f.SetCellStyle(sheet, at(c, row), at(c, row), dash)
			}
			row++
		}
	}
	widths := []float64{14, 18, 20, 14}
	for range groups {
		widths = append(widths, 8, 8, 9.5, 8)
	}
	widths = append(widths, 9, 11)
	for i, wd := range widths {
		f.SetColWidth(sheet, col(i+1), col(i+1), wd)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 4, TopLeftCell: "B5", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "B5", ActiveCell: "B5", Pane: "bottomRight"}}})
	if row > 5 {
		f.AutoFilter(sheet, "A4:"+at(ncols, row-1), nil)
	}
	landscape, fit := "landscape", true
	paper := 9 // A4
	f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &paper, FitToWidth: intPtr(1), FitToHeight: intPtr(0)})
	f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
	f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$3:$4", Scope: sheet})
}
