package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/scoring"
	"pingyi/internal/store"
	"pingyi/internal/validator"
	"pingyi/web/view"
)

const maxEvidenceFile = 10 << 20

// yearParam reads {year} from the path; 0 if it is not a year.
func yearParam(r *http.Request) int {
	y, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0
	}
	return y
}

// loadScoreYear reads {year} and the signed-in user's assessment year; 404 otherwise.
func (s *Server) loadScoreYear(w http.ResponseWriter, r *http.Request) (store.ScoreYear, bool) {
	y, err := s.store.ScoreYear(r.Context(), currentUser(r).TownshipID, yearParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return y, false
	}
	return y, true
}

func yearURL(y int, rest string) string { return fmt.Sprintf("/scoring/%d%s", y, rest) }

func (s *Server) scoringHome(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	years, err := s.store.ScoreYears(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.ScoringHomeData{Years: years, NewYear: strconv.Itoa(time.Now().Year())}
	if len(years) > 0 {
		d.NewYear = strconv.Itoa(years[0].Year + 1)
	}
	s.render(w, r, http.StatusOK, view.ScoringHome(s.chrome(r, "年度考核", "scoring"), d))
}

func (s *Server) scoringStartPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	year, err := strconv.Atoi(clean(r.PostForm.Get("year")))
	if err != nil || year < 2000 || year > 2100 {
		years, _ := s.store.ScoreYears(r.Context(), u.TownshipID)
		d := view.ScoringHomeData{Years: years, NewYear: r.PostForm.Get("year"), Validator: validator.Validator{Errors: view.Errors{"year": "年度须为 2000–2100 之间的整数"}}}
		s.render(w, r, http.StatusUnprocessableEntity, view.ScoringHome(s.chrome(r, "年度考核", "scoring"), d))
		return
	}
	switch err := s.store.StartScoreYear(r.Context(), u.TownshipID, year); {
	case errors.Is(err, store.ErrYearFinal):
		s.flash(r, flashOK, fmt.Sprintf("%d 年度已定稿,名册变动未加入;如需加入请先解除定稿", year))
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, flashOK, fmt.Sprintf("%d 年度考核已就绪:考核细则和考核对象已按名册生成", year))
	}
	http.Redirect(w, r, yearURL(year, ""), http.StatusSeeOther)
}

// scoringYear is the year's overview: every subject by group with its progress.
func (s *Server) scoringYear(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	s.renderYear(w, r, y, http.StatusOK, nil, "")
}

func (s *Server) renderYear(w http.ResponseWriter, r *http.Request, y store.ScoreYear, status int, errs view.Errors, reopen string) {
	ctx := r.Context()
	b, err := s.store.ScoreBoard(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	tpls, err := s.store.ScoreTemplates(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	events, err := s.store.ScoreYearEvents(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	appeals, err := s.store.Appeals(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.ScoringYearData{Year: y, Board: b, Templates: tpls, Events: events, Validator: validator.Validator{Errors: errs}, Reopen: reopen,
		Bands: view.BandsForm{Advanced: itoa(y.AdvancedPct), Normal: itoa(y.NormalPct), AppealDays: itoa(y.AppealDays), ReviewDays: itoa(y.ReviewDays)}}
	for _, a := range appeals {
		if a.Status == "open" {
			d.OpenAppeals++
		}
	}
	if errs != nil && errs.Has("bands") {
		f := r.PostForm
		d.Bands = view.BandsForm{Advanced: f.Get("advanced_pct"), Normal: f.Get("normal_pct"), AppealDays: f.Get("appeal_days"), ReviewDays: f.Get("review_days")}
	}
	s.render(w, r, status, view.ScoringYear(s.chrome(r, fmt.Sprintf("%d 年度考核", y.Year), "scoring"), d))
}

func (s *Server) scoringFinalisePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if err := s.store.FinaliseScoreYear(r.Context(), y.TownshipID, y.Year, currentUser(r).DisplayName); err != nil && !errors.Is(err, store.ErrYearState) {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已定稿:本年度评分表已锁定")
	http.Redirect(w, r, yearURL(y.Year, ""), http.StatusSeeOther)
}

func (s *Server) scoringReopenPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	reason := clean(r.PostForm.Get("reason"))
	var v Validator
	v.Check(NotBlank(reason), "reason", "解除定稿须填写原因")
	v.Check(MaxChars(reason, 200), "reason", "原因不能超过 200 字")
	if !v.Valid() {
		s.renderYear(w, r, y, http.StatusUnprocessableEntity, v.Errors, reason)
		return
	}
	if err := s.store.ReopenScoreYear(r.Context(), y.TownshipID, y.Year, reason, currentUser(r).DisplayName); err != nil && !errors.Is(err, store.ErrYearState) {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已解除定稿,原因已记录")
	http.Redirect(w, r, yearURL(y.Year, ""), http.StatusSeeOther)
}

func (s *Server) scoringPublishPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	err := s.store.PublishScoreYear(r.Context(), y.TownshipID, y.Year, currentUser(r).DisplayName)
	switch {
	case errors.Is(err, store.ErrYearState):
		s.flash(r, flashBad, "请先定稿,再公布考核结果")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		s.flash(r, flashOK, fmt.Sprintf("已公布考核结果;%d 日内可申请复核", y.AppealDays))
	}
	http.Redirect(w, r, yearURL(y.Year, ""), http.StatusSeeOther)
}

func (s *Server) scoringBandsPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	adv, ok1 := pctField(clean(f.Get("advanced_pct")))
	nor, ok2 := pctField(clean(f.Get("normal_pct")))
	ad, err1 := strconv.Atoi(clean(f.Get("appeal_days")))
	rd, err2 := strconv.Atoi(clean(f.Get("review_days")))
	var v Validator
	v.Check(ok1 && ok2 && nor <= adv, "bands", "定类分数线须为 0–100 的整数,且“一般”不高于“先进”")
	v.Check(err1 == nil && err2 == nil && ad >= 1 && ad <= 60 && rd >= 1 && rd <= 60, "bands", "申请复核期限和答复期限须为 1–60 天")
	if !v.Valid() {
		s.renderYear(w, r, y, http.StatusUnprocessableEntity, v.Errors, "")
		return
	}
	y.AdvancedPct, y.NormalPct, y.AppealDays, y.ReviewDays = adv, nor, ad, rd
	if err := s.store.SaveBands(r.Context(), y.TownshipID, y.Year, y); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存定类分数线和复核期限")
	http.Redirect(w, r, yearURL(y.Year, ""), http.StatusSeeOther)
}

// scoringRanks shows each group's ranks with last year's and the movement, the bands
// with their shares, and the 后进 list.
func (s *Server) scoringRanks(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	b, err := s.store.ScoreBoard(r.Context(), y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.ScoringRanks(s.chrome(r, fmt.Sprintf("%d 年度排名与定类", y.Year), "scoring"), view.ScoringRanksData{Board: b}))
}

// loadSheet reads {sid} as a subject of the year and its template.
func (s *Server) loadSheet(w http.ResponseWriter, r *http.Request, y store.ScoreYear) (store.ScoreSubject, store.ScoreTemplate, bool) {
	sub, err := s.store.ScoreSubject(r.Context(), y.TownshipID, subjectParam(r))
	if err == nil && sub.Year != y.Year {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return sub, store.ScoreTemplate{}, false
	}
	if sub.TemplateID == nil {
		return sub, store.ScoreTemplate{}, true
	}
	t, err := s.store.ScoreTemplate(r.Context(), y.TownshipID, *sub.TemplateID)
	if err != nil {
		s.storeError(w, r, err)
		return sub, t, false
	}
	return sub, t, true
}

func (s *Server) scoreSheet(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	sub, t, ok := s.loadSheet(w, r, y)
	if !ok {
		return
	}
	s.renderSheet(w, r, y, sub, t, nil, nil, http.StatusOK)
}

func (s *Server) renderSheet(w http.ResponseWriter, r *http.Request, y store.ScoreYear, sub store.ScoreSubject, t store.ScoreTemplate,
	inputs map[int64]view.ClauseForm, errs view.Errors, status int) {
	ctx := r.Context()
	entries, err := s.store.ScoreEntries(ctx, y.TownshipID, sub.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	history, err := s.store.ScoreHistory(ctx, y.TownshipID, sub.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, err := s.store.ScoreBoard(ctx, y.TownshipID, y.Year)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if inputs == nil {
		inputs = map[int64]view.ClauseForm{}
		for id, e := range entries {
			inputs[id] = view.ClauseForm{Points: scoring.FormatPoints(e.Points), Bonus: pointsOrBlank(e.Bonus), Deduction: pointsOrBlank(e.Deduction),
				Vetoed: e.Vetoed, Note: e.Note}
		}
	}
	d := view.SheetData{Year: y, Subject: sub, Template: t, Entries: entries, Inputs: inputs, Validator: validator.Validator{Errors: errs}, History: history,
		Row: b.ByKey[sub.Key()], Editable: currentUser(r).Role == store.RoleOffice && !y.Final() && sub.TemplateID != nil}
	s.render(w, r, status, view.Sheet(s.chrome(r, sub.Name+" · 评分表", "scoring"), d))
}

func pointsOrBlank(h int64) string {
	if h == 0 {
		return ""
	}
	return scoring.FormatPoints(h)
}

func (s *Server) scoreSheetPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	sub, t, ok := s.loadSheet(w, r, y)
	if !ok {
		return
	}
	if sub.TemplateID == nil {
		s.notFound(w, r)
		return
	}
	if y.Final() {
		s.errorPage(w, r, http.StatusConflict, "已定稿", "本年度评分表已定稿锁定。如需更正,请先在年度考核页解除定稿并说明原因。")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4*maxEvidenceFile)
	defer auditForm(r)
	err := r.ParseMultipartForm(4 * maxEvidenceFile)
	if errors.Is(err, http.ErrNotMultipart) {
		if err = r.ParseForm(); err == nil {
			r.MultipartForm = &multipart.Form{Value: r.PostForm}
		}
	}
	if err != nil {
		s.renderSheet(w, r, y, sub, t, nil, view.Errors{"form": "上传内容过大:每个台账文件不超过 10 MB,一次合计不超过 40 MB"}, http.StatusUnprocessableEntity)
		return
	}
	entries, err := s.store.ScoreEntries(r.Context(), y.TownshipID, sub.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	vals := r.MultipartForm.Value
	get := func(k string) string {
		if vs := vals[k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	var v Validator
	inputs := map[int64]view.ClauseForm{}
	var in []store.ScoreInput
	for _, c := range t.Clauses() {
		id := strconv.FormatInt(c.ID, 10)
		f := view.ClauseForm{Points: get("p_" + id), Bonus: get("b_" + id), Deduction: get("d_" + id), Vetoed: get("v_"+id) == "1", Note: get("n_" + id)}
		inputs[c.ID] = f
		field := "c" + id
		score, msg := parseClause(c, f)
		if msg != "" {
			v.Add(field, msg)
			continue
		}
		file, ferr := evidenceFile(r, "f_"+id)
		if ferr != "" {
			v.Add(field, ferr)
			continue
		}
		score.File, score.RemoveFile = file, get("rf_"+id) == "1"
		_, had := entries[c.ID]
		if score.Clear && !had {
			if file != nil {
				v.Add(field, "上传台账前请先填写本条得分")
			}
			continue
		}
		in = append(in, score)
	}
	if !v.Valid() {
		s.renderSheet(w, r, y, sub, t, inputs, v.Errors, http.StatusUnprocessableEntity)
		return
	}
	switch err := s.store.SaveScores(r.Context(), y.TownshipID, sub.ID, currentUser(r).DisplayName, "form", in); {
	case errors.Is(err, store.ErrYearFinal):
		s.errorPage(w, r, http.StatusConflict, "已定稿", "本年度评分表已定稿锁定。")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存「"+sub.Name+"」的评分")
	http.Redirect(w, r, yearURL(y.Year, fmt.Sprintf("/sheets/%d", sub.ID)), http.StatusSeeOther)
}

// parseClause checks one clause's fields; all blank means the clause is not scored.
func parseClause(c store.ScoreClause, f view.ClauseForm) (store.ScoreInput, string) {
	in := store.ScoreInput{ClauseID: c.ID, Vetoed: f.Vetoed && c.Veto, Note: f.Note}
	if f.Points == "" && f.Bonus == "" && f.Deduction == "" && !in.Vetoed && f.Note == "" {
		in.Clear = true
		return in, ""
	}
	if !MaxChars(f.Note, 200) {
		return in, "说明不能超过 200 字"
	}
	if f.Points != "" {
		p, ok := scoring.ParsePoints(f.Points)
		if !ok || p < 0 || p > c.MaxPoints {
			return in, fmt.Sprintf("得分须为 0–%s 之间的数,最多两位小数", scoring.FormatPoints(c.MaxPoints))
		}
		in.Points = p
	} else if c.MaxPoints > 0 && !in.Vetoed {
		return in, "请填写得分"
	}
	if f.Bonus != "" {
		if c.BonusCap == 0 {
			return in, "本条没有加分"
		}
		b, ok := scoring.ParsePoints(f.Bonus)
		if !ok || b < 0 {
			return in, "加分须为不小于 0 的数,最多两位小数"
		}
		in.Bonus = b
	}
	if f.Deduction != "" {
		d, ok := scoring.ParsePoints(f.Deduction)
		if !ok || d < 0 {
			return in, "扣分须为不小于 0 的数,最多两位小数(填扣掉的分数,不带负号)"
		}
		in.Deduction = d
	}
	return in, ""
}

// evidenceFile reads an optional 台账 upload, checked by content.
func evidenceFile(r *http.Request, field string) (*store.Upload, string) {
	hdr := formFile(r, field)
	if hdr == nil {
		return nil, ""
	}
	f, msg := readFile(hdr, maxEvidenceFile, "台账文件")
	if msg != "" {
		return nil, msg
	}
	return &f, ""
}

func (s *Server) scoreFile(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	cid, _ := strconv.ParseInt(chi.URLParam(r, "cid"), 10, 64)
	sub, err := s.store.ScoreSubject(r.Context(), y.TownshipID, subjectParam(r))
	if err == nil && sub.Year != y.Year {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	f, err := s.store.ScoreFile(r.Context(), y.TownshipID, sub.ID, cid)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"evidence"+filepath.Ext(f.Name)+"\"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(f.Data)
}

// scoringTemplate shows a template; office staff edit it until scoring starts on it.
func (s *Server) scoringTemplate(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	t, ok := s.loadTemplate(w, r, y)
	if !ok {
		return
	}
	e := view.ClauseEdit{}
	if id := formID(r.URL.Query().Get("edit")); id != 0 {
		for _, c := range t.Clauses() {
			if c.ID == id {
				e = view.ClauseEdit{ID: c.ID, AreaID: c.AreaID, Code: c.Code, Title: c.Title, Rule: c.Rule, Department: c.Department,
					Max: scoring.FormatPoints(c.MaxPoints), Bonus: pointsOrBlank(c.BonusCap), Veto: c.Veto}
			}
		}
	}
	s.renderTemplate(w, r, t, e, nil, http.StatusOK)
}

func (s *Server) loadTemplate(w http.ResponseWriter, r *http.Request, y store.ScoreYear) (store.ScoreTemplate, bool) {
	tid, _ := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	t, err := s.store.ScoreTemplate(r.Context(), y.TownshipID, tid)
	if err == nil && t.Year != y.Year {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return t, false
	}
	return t, true
}

func (s *Server) renderTemplate(w http.ResponseWriter, r *http.Request, t store.ScoreTemplate, edit view.ClauseEdit, weightErrs view.Errors, status int) {
	d := view.TemplateData{Template: t, Edit: edit, WeightErrors: weightErrs, Editable: currentUser(r).Role == store.RoleOffice && t.FrozenAt == nil}
	if edit.ID != 0 || edit.Errors != nil {
		d.Editing = true
	}
	s.render(w, r, status, view.TemplatePage(s.chrome(r, t.Name, "scoring"), d))
}

func (s *Server) scoringClausePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	t, ok := s.loadTemplate(w, r, y)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	e := view.ClauseEdit{ID: formID(f.Get("id")), AreaID: formID(f.Get("area_id")), Code: clean(f.Get("code")), Title: clean(f.Get("title")),
		Rule: clean(f.Get("rule")), Department: clean(f.Get("department")), Max: clean(f.Get("max")), Bonus: clean(f.Get("bonus")), Veto: f.Get("veto") == "1"}
	back := yearURL(y.Year, fmt.Sprintf("/templates/%d", t.ID))
	if f.Get("delete") == "1" && e.ID != 0 {
		err := s.store.DeleteClause(r.Context(), t.TownshipID, t.ID, e.ID)
		var te *store.TemplateError
		switch {
		case errors.As(err, &te):
			s.renderTemplate(w, r, t, view.ClauseEdit{Validator: validator.Validator{Errors: view.Errors{"form": te.Msg}}}, nil, http.StatusUnprocessableEntity)
			return
		case errors.Is(err, store.ErrTemplateFrozen):
			s.flash(r, flashBad, "评分已开始,本细则不能再修改;请修改下一年度的细则")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已删除条款")
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var v Validator
	v.Check(NotBlank(e.Code) && MaxChars(e.Code, 10), "code", "请填写条款编号(不超过 10 个字符)")
	v.Check(NotBlank(e.Title) && MaxChars(e.Title, 60), "title", "请填写条款名称(不超过 60 字)")
	v.Check(MaxChars(e.Rule, 500), "rule", "评分标准不能超过 500 字")
	v.Check(MaxChars(e.Department, 30), "department", "评分部门不能超过 30 字")
	max, okMax := scoring.ParsePoints(e.Max)
	v.Check(okMax && max >= 0 && max <= 100000, "max", "分值须为 0–1000 之间的数,最多两位小数")
	var bonus int64
	if e.Bonus != "" {
		var okB bool
		bonus, okB = scoring.ParsePoints(e.Bonus)
		v.Check(okB && bonus >= 0 && bonus <= 100000, "bonus", "加分上限须为不小于 0 的数,最多两位小数")
	}
	found := false
	for _, a := range t.Areas {
		found = found || a.ID == e.AreaID
	}
	v.Check(found, "area_id", "请选择所属项目")
	if !v.Valid() {
		e.Errors = v.Errors
		s.renderTemplate(w, r, t, e, nil, http.StatusUnprocessableEntity)
		return
	}
	err := s.store.SaveClause(r.Context(), t.TownshipID, t.ID, e.ID, store.ClauseInput{AreaID: e.AreaID, Code: e.Code, Title: e.Title, Rule: e.Rule,
		Department: e.Department, MaxPoints: max, BonusCap: bonus, Veto: e.Veto})
	var te *store.TemplateError
	switch {
	case errors.Is(err, store.ErrConflict):
		e.Errors = view.Errors{"code": "本细则已有编号为「" + e.Code + "」的条款"}
		s.renderTemplate(w, r, t, e, nil, http.StatusUnprocessableEntity)
		return
	case errors.As(err, &te):
		e.Errors = view.Errors{"max": te.Msg}
		s.renderTemplate(w, r, t, e, nil, http.StatusUnprocessableEntity)
		return
	case errors.Is(err, store.ErrTemplateFrozen):
		s.flash(r, flashBad, "评分已开始,本细则不能再修改;请修改下一年度的细则")
	case err != nil:
		s.storeError(w, r, err)
		return
	default:
		s.flash(r, flashOK, "已保存条款「"+e.Title+"」")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) scoringWeightsPost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	t, ok := s.loadTemplate(w, r, y)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	weights := map[int64]int{}
	var v Validator
	for _, a := range t.Areas {
		raw := clean(r.PostForm.Get(fmt.Sprintf("w_%d", a.ID)))
		if raw == "" {
			raw = "0"
		}
		n, ok := pctField(raw)
		v.Check(ok, "weights", "权重须为 0–100 的整数(0 表示不加权,按原分计入)")
		weights[a.ID] = n
	}
	if v.Valid() {
		err := s.store.SaveAreaWeights(r.Context(), t.TownshipID, t.ID, weights, r.PostForm.Get("allow_negative") == "1")
		var te *store.TemplateError
		switch {
		case errors.As(err, &te):
			v.Add("weights", te.Msg)
		case errors.Is(err, store.ErrTemplateFrozen):
			v.Add("weights", "评分已开始,本细则不能再修改")
		case err != nil:
			s.serverError(w, r, err)
			return
		}
	}
	if !v.Valid() {
		s.renderTemplate(w, r, t, view.ClauseEdit{}, v.Errors, http.StatusUnprocessableEntity)
		return
	}
	s.flash(r, flashOK, "已保存计分方式")
	http.Redirect(w, r, yearURL(y.Year, fmt.Sprintf("/templates/%d", t.ID)), http.StatusSeeOther)
}

// scoringTemplateCreatePost gives a kind of subject without a template (乡直机关/站所)
// a copy of one of the year's templates to edit.
func (s *Server) scoringTemplateCreatePost(w http.ResponseWriter, r *http.Request) {
	y, ok := s.loadScoreYear(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	applies := r.PostForm.Get("applies_to")
	name := clean(r.PostForm.Get("name"))
	var v Validator
	v.Check(applies == "village" || applies == "agency" || applies == "cadre", "template", "请选择适用对象")
	v.Check(NotBlank(name) && MaxChars(name, 60), "template", "请填写细则名称(不超过 60 字)")
	if v.Valid() {
		id, err := s.store.CreateTemplateFrom(r.Context(), y.TownshipID, y.Year, formID(r.PostForm.Get("from")), applies, name)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("template", "该类对象本年度已有考核细则")
		case errors.Is(err, store.ErrNotFound):
			v.Add("template", "请选择要复制的细则")
		case errors.Is(err, store.ErrYearFinal):
			v.Add("template", "本年度已定稿,不能新建细则")
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已建立「"+name+"」,可按需修改条款")
			http.Redirect(w, r, yearURL(y.Year, fmt.Sprintf("/templates/%d", id)), http.StatusSeeOther)
			return
		}
	}
	s.renderYear(w, r, y, http.StatusUnprocessableEntity, v.Errors, "")
}
