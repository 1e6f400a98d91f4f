package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/scoring"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Imports of the county's results and of clause scores (all or nothing, as the rosters).

var (
	scoreImportColumns  = []string{"对象编号", "考核对象", "条款编号", "条款", "分值", "得分", "加分", "扣分", "一票否决(是/否)", "说明"}
	countyImportColumns = []string{"对象编号", "考核对象", "排名组", "县考核得分", "县考核名次"}
)

func (s *Server) scoreImportPage(y int, errs []view.RowError, formErr string) view.ImportData {
	return view.ImportData{What: fmt.Sprintf("%d 年度评分", y), Action: yearURL(y, "/import/scores"), Template: yearURL(y, "/import/scores.xlsx"),
		Back: yearURL(y, ""), Columns: scoreImportColumns, RowErrors: errs, FormError: formErr}
}

func (s *Server) countyImportPage(y int, errs []view.RowError, formErr string) view.ImportData {
	return view.ImportData{What: fmt.Sprintf("%d 年度县考核结果", y), Action: yearURL(y, "/import/county"), Template: yearURL(y, "/import/county.xlsx"),
		Back: yearURL(y, "/ranks"), Columns: countyImportColumns, RowErrors: errs, FormError: formErr}
}

func (s *Server) scoreImport(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.Import(s.chrome(r, "导入评分", "scoring"), s.scoreImportPage(y.Year, nil, "")))
}

func (s *Server) countyImport(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.Import(s.chrome(r, "导入县考核结果", "scoring"), s.countyImportPage(y.Year, nil, "")))
}

// scoreImportTemplate is a workbook with a row for every subject and clause, for the
// scoring departments to fill in; rows left without a score are skipped on import.
func (s *Server) scoreImportTemplate(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	subs, tpls, ok := s.yearSubjectsTemplates(w, r, y)
	if !ok {
		return
	}
	var rows [][]string
	for _, sub := range subs {
		if sub.TemplateID == nil {
			continue
		}
		for _, c := range tpls[*sub.TemplateID].Clauses() {
			rows = append(rows, []string{strconv.FormatInt(sub.ID, 10), sub.Name, c.Code, c.Title, scoring.FormatPoints(c.MaxPoints), "", "", "", "", ""})
		}
	}
	s.writeXLSX(w, r, fmt.Sprintf("%d年度评分导入模板.xlsx", y.Year), "评分", scoreImportColumns, rows)
}

func (s *Server) countyImportTemplate(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	subs, err := s.store.ScoreSubjects(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var rows [][]string
	for _, sub := range subs {
		rank, score := "", ""
		if sub.CountyRank != nil {
			rank = strconv.Itoa(*sub.CountyRank)
		}
		if sub.CountyScore != nil {
			score = scoring.FormatPoints(*sub.CountyScore)
		}
		rows = append(rows, []string{strconv.FormatInt(sub.ID, 10), sub.Name, store.ScoreGroupLabel(sub.GroupKey), score, rank})
	}
	s.writeXLSX(w, r, fmt.Sprintf("%d年度县考核结果导入模板.xlsx", y.Year), "县考核结果", countyImportColumns, rows)
}

func (s *Server) yearSubjectsTemplates(w http.ResponseWriter, r *http.Request, y store.ScoreYear) ([]store.ScoreSubject, map[int64]store.ScoreTemplate, bool) {
	subs, err := s.store.ScoreSubjects(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	list, err := s.store.ScoreTemplates(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	tpls := map[int64]store.ScoreTemplate{}
	for _, t := range list {
		tpls[t.ID] = t
	}
	return subs, tpls, true
}

// subjectFinder matches an import row's subject by its id, or else by a unique name.
func subjectFinder(subs []store.ScoreSubject) func(idCell, name string) (store.ScoreSubject, string) {
	byID := map[int64]store.ScoreSubject{}
	byName := map[string][]store.ScoreSubject{}
	for _, s := range subs {
		byID[s.ID] = s
		byName[s.Name] = append(byName[s.Name], s)
	}
	return func(idCell, name string) (store.ScoreSubject, string) {
		if idCell != "" {
			id, err := strconv.ParseInt(idCell, 10, 64)
			sub, ok := byID[id]
			if err != nil || !ok {
				return sub, "对象编号「" + idCell + "」不是本年度的考核对象(请使用本页下载的模板)"
			}
			if name != "" && name != sub.Name {
				return sub, "对象编号「" + idCell + "」是「" + sub.Name + "」,与考核对象「" + name + "」不符"
			}
			return sub, ""
		}
		switch m := byName[name]; {
		case name == "":
			return store.ScoreSubject{}, "请填写对象编号或考核对象"
		case len(m) == 0:
			return store.ScoreSubject{}, "考核对象「" + name + "」不是本年度的考核对象"
		case len(m) > 1:
			return store.ScoreSubject{}, "考核对象「" + name + "」有重名,请填写对象编号"
		default:
			return m[0], ""
		}
	}
}

// importRows reads the upload and checks each non-blank row with parse, which returns
// skip for a row with nothing to import. On any bad row nothing is written.
func importRows[T any](s *Server, w http.ResponseWriter, r *http.Request, fail func([]view.RowError, string), parse func([]string) (T, bool, string)) ([]T, []int, bool) {
	rows, msg := readUpload(w, r)
	if msg != "" {
		fail(nil, msg)
		return nil, nil, false
	}
	var items []T
	var nums []int
	var errs []view.RowError
	for i, row := range rows {
		if blankRow(row) {
			continue
		}
		item, skip, reason := parse(row)
		switch {
		case reason != "":
			errs = append(errs, view.RowError{Row: i + 2, Reason: reason})
		case !skip:
			items, nums = append(items, item), append(nums, i+2)
		}
	}
	if len(errs) > 0 {
		fail(errs, "")
		return nil, nil, false
	}
	if len(items) == 0 {
		fail(nil, "文件中没有可导入的数据行")
		return nil, nil, false
	}
	return items, nums, true
}

func (s *Server) scoreImportPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	fail := func(errs []view.RowError, msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, view.Import(s.chrome(r, "导入评分", "scoring"), s.scoreImportPage(y.Year, errs, msg)))
	}
	if y.Final() {
		fail(nil, "本年度已定稿,不能导入评分;如需更正请先解除定稿")
		return
	}
	subs, tpls, ok := s.yearSubjectsTemplates(w, r, y)
	if !ok {
		return
	}
	find := subjectFinder(subs)
	seen := map[string]int{}
	parse := func(row []string) (store.ScoreImportRow, bool, string) {
		var out store.ScoreImportRow
		sub, msg := find(cell(row, 0), cell(row, 1))
		if msg != "" {
			return out, false, msg
		}
		if sub.TemplateID == nil {
			return out, false, "「" + sub.Name + "」没有考核细则(只导入县考核名次)"
		}
		code := cell(row, 2)
		var clause *store.ScoreClause
		for _, c := range tpls[*sub.TemplateID].Clauses() {
			if c.Code == code {
				c := c
				clause = &c
			}
		}
		if clause == nil {
			return out, false, "条款编号「" + code + "」不在「" + sub.Name + "」的考核细则中"
		}
		f := view.ClauseForm{Points: cell(row, 5), Bonus: cell(row, 6), Deduction: cell(row, 7), Note: cell(row, 9)}
		switch cell(row, 8) {
		case "是", "Y", "y", "1":
			if !clause.Veto {
				return out, false, "条款「" + code + "」不是一票否决条款"
			}
			f.Vetoed = true
		case "", "否", "N", "n", "0":
		default:
			return out, false, "一票否决一栏请填「是」或「否」"
		}
		in, msg := parseClause(*clause, f)
		if msg != "" {
			return out, false, "条款「" + code + "」:" + msg
		}
		if in.Clear {
			return out, true, ""
		}
		key := fmt.Sprint(sub.ID, "|", clause.ID)
		if prev, dup := seen[key]; dup {
			return out, false, fmt.Sprintf("与第 %d 行重复(同一对象的同一条款)", prev)
		}
		seen[key] = len(seen) + 2
		return store.ScoreImportRow{SubjectID: sub.ID, Score: in}, false, ""
	}
	items, nums, ok := importRows(s, w, r, fail, parse)
	if !ok {
		return
	}
	err := s.store.ImportScores(r.Context(), y.TownshipID, y.Year, currentUser(r).DisplayName, items)
	var re *store.RowError
	switch {
	case errors.Is(err, store.ErrYearFinal):
		fail(nil, "本年度已定稿,不能导入评分")
		return
	case errors.As(err, &re):
		fail([]view.RowError{{Row: nums[re.Index], Reason: "该行无法写入(对象或条款已变动),请重新下载模板"}}, "")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, fmt.Sprintf("已导入 %d 条评分", len(items)))
	http.Redirect(w, r, yearURL(y.Year, ""), http.StatusSeeOther)
}

func (s *Server) countyImportPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	fail := func(errs []view.RowError, msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, view.Import(s.chrome(r, "导入县考核结果", "scoring"), s.countyImportPage(y.Year, errs, msg)))
	}
	subs, err := s.store.ScoreSubjects(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	find := subjectFinder(subs)
	seen := map[int64]bool{}
	parse := func(row []string) (store.CountyRankRow, bool, string) {
		var out store.CountyRankRow
		sub, msg := find(cell(row, 0), cell(row, 1))
		if msg != "" {
			return out, false, msg
		}
		out.SubjectID = sub.ID
		if raw := cell(row, 3); raw != "" {
			p, ok := scoring.ParsePoints(raw)
			if !ok || p < 0 {
				return out, false, "县考核得分须为不小于 0 的数,最多两位小数"
			}
			out.Score = &p
		}
		if raw := cell(row, 4); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 10000 {
				return out, false, "县考核名次须为正整数"
			}
			out.Rank = &n
		}
		if out.Rank == nil && out.Score == nil {
			return out, true, ""
		}
		if seen[sub.ID] {
			return out, false, "「" + sub.Name + "」重复出现"
		}
		seen[sub.ID] = true
		return out, false, ""
	}
	items, nums, ok := importRows(s, w, r, fail, parse)
	if !ok {
		return
	}
	err = s.store.ImportCountyRanks(r.Context(), y.TownshipID, y.Year, items)
	var re *store.RowError
	switch {
	case errors.As(err, &re):
		fail([]view.RowError{{Row: nums[re.Index], Reason: "该行无法写入,请重新下载模板"}}, "")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, fmt.Sprintf("已导入 %d 个对象的县考核结果;导入的名次取代本乡计算的名次", len(items)))
	http.Redirect(w, r, yearURL(y.Year, "/ranks"), http.StatusSeeOther)
}

// Appeals (复核 / 申诉).

func (s *Server) appealList(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	s.renderAppeals(w, r, y, view.AppealForm{Kind: store.AppealScore}, nil, http.StatusOK)
}

func (s *Server) renderAppeals(w http.ResponseWriter, r *http.Request, y store.ScoreYear, f view.AppealForm, decide map[int64]view.DecideForm, status int) {
	ctx := r.Context()
	appeals, err := s.store.Appeals(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	subs, err := s.store.ScoreSubjects(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u := currentUser(r)
	if u.Role == store.RoleSecretary {
		appeals, subs = ownVillageAppeals(u, appeals), ownVillageSubjects(u, subs)
	}
	now := time.Now()
	d := view.AppealsData{Year: y, Appeals: appeals, Subjects: subs, Form: f, Decide: decide, Now: now, Open: y.AppealsOpen(now),
		CanFile: u.Role == store.RoleOffice || u.Role == store.RoleSecretary, CanDecide: u.Role == store.RoleOffice}
	nav := "scoring"
	if u.Role == store.RoleSecretary {
		nav = "home"
		if y.PublishedAt != nil { // results are the village's to see once shown
			b, err := s.store.ScoreBoard(ctx, y.TownshipID, y.Year)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			for _, sub := range subs {
				d.Own = append(d.Own, b.ByKey[sub.Key()])
			}
		}
	}
	s.render(w, r, status, view.Appeals(s.chrome(r, fmt.Sprintf("%d 年度考核复核", y.Year), nav), d))
}

// A village secretary sees and files appeals for its own village's subjects only.
func ownVillageSubjects(u *store.User, subs []store.ScoreSubject) []store.ScoreSubject {
	var out []store.ScoreSubject
	for _, s := range subs {
		if s.VillageID != nil && u.VillageID != nil && *s.VillageID == *u.VillageID {
			out = append(out, s)
		}
	}
	return out
}

func ownVillageAppeals(u *store.User, list []store.Appeal) []store.Appeal {
	var out []store.Appeal
	for _, a := range list {
		if a.VillageID != nil && u.VillageID != nil && *a.VillageID == *u.VillageID {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) appealCreatePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	u := currentUser(r)
	if u.Role == store.RoleLeader {
		s.forbidden(w, r) // leaders read; appeals are filed by the subject or the office
		return
	}
	p := r.PostForm
	f := view.AppealForm{Subject: p.Get("subject_id"), Kind: p.Get("kind"), Clause: clean(p.Get("clause")), Reason: clean(p.Get("reason"))}
	var v Validator
	sub, err := s.store.ScoreSubject(r.Context(), y.TownshipID, formID(f.Subject))
	okSubject := err == nil && sub.Year == y.Year
	if okSubject && u.Role == store.RoleSecretary {
		okSubject = len(ownVillageSubjects(u, []store.ScoreSubject{sub})) == 1
	}
	v.Check(okSubject, "subject", "请选择考核对象")
	v.Check(store.AppealKindLabel(f.Kind) != f.Kind, "kind", "请选择复核事项")
	v.Check(NotBlank(f.Reason), "reason", "请写明申请复核的理由")
	v.Check(MaxChars(f.Reason, 500), "reason", "理由不能超过 500 字")
	in := store.AppealInput{SubjectID: sub.ID, Kind: f.Kind, Reason: f.Reason, By: u.DisplayName, OnBehalf: u.Role == store.RoleOffice}
	if f.Clause != "" && okSubject {
		id, msg := s.clauseByCode(r, sub, f.Clause)
		v.Check(msg == "", "clause", msg)
		in.ClauseID = &id
	}
	if v.Valid() {
		_, err := s.store.FileAppeal(r.Context(), y.TownshipID, y.Year, in, time.Now())
		switch {
		case errors.Is(err, store.ErrAppealClosed):
			v.Add("form", "不在申请复核期内:考核结果公布后 "+itoa(y.AppealDays)+" 日内可申请")
		case errors.Is(err, store.ErrInvalid):
			v.Add("clause", "该条款不在此对象的考核细则中")
		case err != nil:
			s.storeError(w, r, err)
			return
		}
	}
	if !v.Valid() {
		f.Errors = v.Errors
		s.renderAppeals(w, r, y, f, nil, http.StatusUnprocessableEntity)
		return
	}
	s.flash(r, flashOK, "已登记「"+sub.Name+"」的复核申请")
	http.Redirect(w, r, yearURL(y.Year, "/appeals"), http.StatusSeeOther)
}

// clauseByCode finds a clause of the subject's template by its code.
func (s *Server) clauseByCode(r *http.Request, sub store.ScoreSubject, code string) (int64, string) {
	if sub.TemplateID == nil {
		return 0, "此对象没有考核细则,不能指定条款"
	}
	t, err := s.store.ScoreTemplate(r.Context(), sub.TownshipID, *sub.TemplateID)
	if err != nil {
		return 0, "此对象没有考核细则,不能指定条款"
	}
	for _, c := range t.Clauses() {
		if c.Code == code {
			return c.ID, ""
		}
	}
	return 0, "条款编号「" + code + "」不在此对象的考核细则中"
}

func (s *Server) appealDecidePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	id := idParam(r)
	appeals, err := s.store.Appeals(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var appeal *store.Appeal
	for i := range appeals {
		if appeals[i].ID == id {
			appeal = &appeals[i]
		}
	}
	if appeal == nil {
		s.notFound(w, r)
		return
	}
	p := r.PostForm
	f := view.DecideForm{Decision: p.Get("decision"), Note: clean(p.Get("note")), Clause: clean(p.Get("clause")), Points: clean(p.Get("points")),
		Bonus: clean(p.Get("bonus")), Deduction: clean(p.Get("deduction"))}
	var v Validator
	v.Check(f.Decision == store.DecisionUpheld || f.Decision == store.DecisionChanged, "decision", "请选择复核结论")
	v.Check(NotBlank(f.Note), "note", "请写明复核意见")
	v.Check(MaxChars(f.Note, 500), "note", "复核意见不能超过 500 字")
	d := store.AppealDecision{Decision: f.Decision, Note: f.Note, By: currentUser(r).DisplayName}
	if f.Decision == store.DecisionChanged && (f.Clause != "" || f.Points != "") {
		sub, err := s.store.ScoreSubject(r.Context(), y.TownshipID, appeal.SubjectID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		cid, msg := s.clauseByCode(r, sub, f.Clause)
		if msg != "" {
			v.Add("clause", msg)
		} else {
			t, _ := s.store.ScoreTemplate(r.Context(), y.TownshipID, *sub.TemplateID)
			for _, c := range t.Clauses() {
				if c.ID == cid {
					in, msg := parseClause(c, view.ClauseForm{Points: f.Points, Bonus: f.Bonus, Deduction: f.Deduction, Note: "申诉复核更正"})
					if msg == "" && f.Points == "" && c.MaxPoints > 0 {
						msg = "请填写更正后的得分"
					}
					if msg != "" {
						v.Add("clause", "更正后的分数:"+msg)
					}
					in.Clear = false
					d.Change = &in
				}
			}
		}
	}
	if v.Valid() {
		err := s.store.DecideAppeal(r.Context(), y.TownshipID, id, d)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("decision", "该申请已经答复")
		case err != nil:
			s.storeError(w, r, err)
			return
		}
	}
	if !v.Valid() {
		f.Errors = v.Errors
		s.renderAppeals(w, r, y, view.AppealForm{Kind: store.AppealScore}, map[int64]view.DecideForm{id: f}, http.StatusUnprocessableEntity)
		return
	}
	s.flash(r, flashOK, "已答复「"+appeal.SubjectName+"」的复核申请")
	http.Redirect(w, r, yearURL(y.Year, "/appeals"), http.StatusSeeOther)
}

// Award proposals (三争创) and the Party committee's decisions.

func (s *Server) proposalList(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	s.renderProposals(w, r, y, nil, http.StatusOK)
}

func (s *Server) renderProposals(w http.ResponseWriter, r *http.Request, y store.ScoreYear, decide map[int64]view.DecideForm, status int) {
	ctx := r.Context()
	standings, err := s.store.Standings(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	props, err := s.store.Proposals(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.ProposalsData{Year: y, Standings: standings, Proposals: props, Decide: decide, Today: time.Now().Format("2006-01-02"),
		CanDecide: currentUser(r).Role == store.RoleOffice}
	s.render(w, r, status, view.Proposals(s.chrome(r, fmt.Sprintf("%d 年度三争创评先建议", y.Year), "scoring"), d))
}

func (s *Server) proposalGeneratePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	n, err := s.store.GenerateProposals(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, fmt.Sprintf("已按当前评定生成 %d 条待党委会研究的建议;已作决定的建议保持不变", n))
	http.Redirect(w, r, yearURL(y.Year, "/proposals"), http.StatusSeeOther)
}

func (s *Server) proposalDecidePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	id := idParam(r)
	p := r.PostForm
	f := view.DecideForm{Decision: p.Get("decision"), Note: clean(p.Get("note")), On: clean(p.Get("on"))}
	var v Validator
	v.Check(f.Decision == "approved" || f.Decision == "rejected" || f.Decision == "pending", "decision", "请选择党委会决定")
	v.Check(MaxChars(f.Note, 200), "note", "备注不能超过 200 字")
	d := store.ProposalDecision{Decision: f.Decision, Note: f.Note, By: currentUser(r).DisplayName}
	if f.Decision != "pending" {
		on, err := time.Parse("2006-01-02", f.On)
		v.Check(err == nil && on.Year() >= 2000 && on.Year() <= 2100, "on", "请填写党委会研究日期")
		d.On = &on
	}
	if f.Decision == "rejected" {
		v.Check(NotBlank(f.Note), "note", "不同意的,请写明原因")
	}
	if v.Valid() {
		if err := s.store.DecideProposal(r.Context(), y.TownshipID, id, d); err != nil {
			s.storeError(w, r, err)
			return
		}
		s.flash(r, flashOK, "已记录党委会决定")
		http.Redirect(w, r, yearURL(y.Year, "/proposals"), http.StatusSeeOther)
		return
	}
	f.Errors = v.Errors
	s.renderProposals(w, r, y, map[int64]view.DecideForm{id: f}, http.StatusUnprocessableEntity)
}

// approvedList is the year's approved proposals and the date of the list.
func (s *Server) approvedList(w http.ResponseWriter, r *http.Request) (store.ScoreYear, []store.Proposal, string, bool) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return y, nil, "", false
	}
	props, err := s.store.Proposals(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return y, nil, "", false
	}
	var out []store.Proposal
	var last time.Time
	for _, p := range props {
		if p.Decision == "approved" {
			out = append(out, p)
			if p.DecidedOn != nil && p.DecidedOn.After(last) {
				last = *p.DecidedOn
			}
		}
	}
	date := ""
	if !last.IsZero() {
		date = fmt.Sprintf("%d 年 %d 月 %d 日", last.Year(), last.Month(), last.Day())
	}
	return y, out, date, true
}

func (s *Server) proposalPrint(w http.ResponseWriter, r *http.Request) {
	y, list, date, ok := s.approvedList(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.HonourRoll(view.HonourRollData{Township: currentUser(r).TownshipName, Year: y.Year, Proposals: list, Date: date}))
}

func (s *Server) proposalXLSX(w http.ResponseWriter, r *http.Request) {
	y, list, _, ok := s.approvedList(w, r)
	if !ok {
		return
	}
	header := []string{"序号", "姓名/单位", "职务", "评定", "表彰奖励", "荣誉称号", "党委会研究日期", "备注"}
	var rows [][]string
	for i, p := range list {
		rows = append(rows, []string{strconv.Itoa(i + 1), p.SubjectName, p.SubjectTitle, store.StreakLabel(p.Streak),
			strings.Join(p.AwardLabels(), ";"), p.Honour, fmtDay(p.DecidedOn), p.DecisionNote})
	}
	s.writeXLSX(w, r, fmt.Sprintf("%s%d年度三争创表彰名单.xlsx", currentUser(r).TownshipName, y.Year), "表彰名单", header, rows)
}

func fmtDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}
