package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// The talk ledger (谈话台账): talk records, their attachments, rectification items, the
// 诫勉 period's follow-up and referrals. Who may do what (method.md §9):
//   - office staff: everything;
//   - leaders: read everything; record talks they held (a pending talk, a talk recorded
//     by hand, or a record they made);
//   - a village secretary: their own village's talks, read-only, never a document or a
//     referral; the village comes from the account, never from the request.

// talkFor loads the talk {id} if the signed-in account may see it: another township's
// talk, or another village's for a secretary, does not exist for it (404).
func (s *Server) talkFor(w http.ResponseWriter, r *http.Request) (store.Talk, bool) {
	u := currentUser(r)
	t, err := s.store.Talk(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return t, false
	}
	if u.Role == store.RoleSecretary && (u.VillageID == nil || t.VillageID == nil || *t.VillageID != *u.VillageID) {
		s.notFound(w, r)
		return t, false
	}
	withheld, err := s.countyWithheld(r)
	if err != nil {
		s.serverError(w, r, err)
		return t, false
	}
	if withheld.round(t.RoundID) {
		s.errorPage(w, r, http.StatusForbidden, "尚未公示", "这次谈话来自尚未公示的评议结果,公示后可查看。")
		return t, false
	}
	return t, true
}

// canRecord says whether the account may write the talk's record: office staff always,
// a leader while the talk is pending or when they recorded it.
func canRecord(u *store.User, t store.Talk) bool {
	switch u.Role {
	case store.RoleOffice:
		return true
	case store.RoleLeader:
		return !t.Held() || (t.RecordedBy != nil && *t.RecordedBy == u.ID)
	}
	return false
}

func confidential(u *store.User) bool {
	return u.Role == store.RoleOffice || u.Role == store.RoleLeader || u.Role == store.RoleCounty
}

func (s *Server) talkList(w http.ResponseWriter, r *http.Request) {
	d, err := s.talkLedgerData(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.TalkLedger(s.chrome(r, "谈话台账", "talks"), d))
}

func (s *Server) talkLedgerData(r *http.Request) (view.TalkLedgerData, error) {
	u := currentUser(r)
	q := r.URL.Query()
	d := view.TalkLedgerData{Today: store.Today(), Status: q.Get("status"), Kind: q.Get("kind")}
	switch d.Status {
	case "", store.TalkPending, store.TalkHeld, "overdue":
	default:
		d.Status = ""
	}
	if d.Kind != store.TalkReminder && d.Kind != store.TalkAdmonishment {
		d.Kind = ""
	}
	d.Year, _ = strconv.Atoi(q.Get("year"))
	f := store.TalkFilter{Status: d.Status, Kind: d.Kind, Year: d.Year}
	if u.Role == store.RoleSecretary {
		f.VillageID = u.VillageID
	} else if err := s.store.EnsureConsequences(r.Context(), u.TownshipID); err != nil {
		return d, err
	}
	var err error
	if d.Talks, err = s.store.TalkList(r.Context(), u.TownshipID, d.Today, f); err != nil {
		return d, err
	}
	withheld, err := s.countyWithheld(r)
	if err != nil {
		return d, err
	}
	d.Talks = withheld.keepTalks(d.Talks)
	d.Years, err = s.store.TalkYears(r.Context(), u.TownshipID, f.VillageID)
	return d, err
}

func (s *Server) talkNewData(r *http.Request, m view.ManualTalk) (view.TalkNewData, error) {
	u := currentUser(r)
	d := view.TalkNewData{Manual: m}
	var err error
	if d.People, err = s.store.AllPeople(r.Context(), u.TownshipID); err != nil {
		return d, err
	}
	d.Orgs, err = s.store.AllOrganisations(r.Context(), u.TownshipID)
	return d, err
}

func (s *Server) talkNew(w http.ResponseWriter, r *http.Request) {
	today := store.Today()
	m := view.ManualTalk{Year: strconv.Itoa(today.Year()), HeldOn: today.Format("2006-01-02"), Subject: r.URL.Query().Get("subject")}
	if currentUser(r).Role == store.RoleLeader {
		m.HeldBy = currentUser(r).DisplayName
	}
	d, err := s.talkNewData(r, m)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.TalkNew(s.chrome(r, "手工记录谈话", "talks"), d))
}

// checkHeld validates when and by whom a talk was held.
func checkHeld(v *Validator, onText, by, note string) time.Time {
	on, err := time.Parse("2006-01-02", onText)
	v.Check(err == nil, "held_on", "请填写谈话日期")
	v.Check(err != nil || !on.After(store.Today()), "held_on", "谈话日期不能晚于今天")
	v.Check(err != nil || on.Year() >= 2000, "held_on", "谈话日期不正确")
	v.Check(by != "", "held_by", "请填写谈话人")
	v.Check(MaxChars(by, 30), "held_by", "谈话人不超过 30 字")
	v.Check(MaxChars(note, 500), "note", "备注不超过 500 字")
	return on
}

func (s *Server) talkCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	m := view.ManualTalk{Subject: f.Get("subject"), Year: clean(f.Get("year")), Kind: f.Get("kind"), HeldOn: f.Get("held_on"),
		HeldBy: clean(f.Get("held_by")), TalkerPost: clean(f.Get("talker_post")), Place: clean(f.Get("place")),
		Trigger: clean(f.Get("trigger")), Points: strings.TrimSpace(f.Get("points")), Response: strings.TrimSpace(f.Get("response")),
		Note: clean(f.Get("note"))}
	var v Validator
	in := store.TalkInput{Kind: m.Kind, HeldBy: m.HeldBy, Note: m.Note, TalkerPost: m.TalkerPost, Place: m.Place,
		TriggerText: m.Trigger, Points: m.Points, Response: m.Response, RecordedBy: u.ID}
	if len(m.Subject) > 1 {
		in.SubjectKind, in.SubjectID = m.Subject[:1], formID(m.Subject[1:])
	}
	v.Check(in.SubjectID != 0, "subject", "请选择谈话对象")
	year, err := strconv.Atoi(m.Year)
	v.Check(err == nil && year >= 2000 && year <= 2100, "year", "年度须为 2000–2100 之间的整数")
	in.Year = year
	v.Check(in.Kind == store.TalkReminder || in.Kind == store.TalkAdmonishment, "kind", "请选择谈话类别")
	in.HeldOn = checkHeld(&v, m.HeldOn, m.HeldBy, m.Note)
	v.Check(MaxChars(m.TalkerPost, 30), "talker_post", "职务不超过 30 字")
	v.Check(MaxChars(m.Place, 60), "place", "地点不超过 60 字")
	v.Check(MaxChars(m.Trigger, 200), "trigger", "事由不超过 200 字")
	v.Check(MaxChars(m.Points, 5000), "points", "谈话要点不超过 5000 字")
	v.Check(MaxChars(m.Response, 2000), "response", "本人表态不超过 2000 字")
	if v.Valid() {
		id, err := s.store.RecordTalk(r.Context(), u.TownshipID, in)
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
			v.Add("subject", "所选对象不存在")
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已记录"+store.TalkKindLabel(in.Kind)+",并生成书面检查 / 整改承诺事项")
			http.Redirect(w, r, fmt.Sprintf("/talks/%d", id), http.StatusSeeOther)
			return
		}
	}
	m.Errors = v.Errors
	d, err := s.talkNewData(r, m)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, view.TalkNew(s.chrome(r, "手工记录谈话", "talks"), d))
}

// talkHeldPost is the ledger's quick form: a pending talk held, by whom, with a note.
func (s *Server) talkHeldPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if t.Held() {
		s.flash(r, flashOK, "该谈话已记录,请在谈话记录页修改")
		http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
		return
	}
	by, note := clean(r.PostForm.Get("held_by")), clean(r.PostForm.Get("note"))
	var v Validator
	on := checkHeld(&v, r.PostForm.Get("held_on"), by, note)
	if !v.Valid() {
		d, err := s.talkLedgerData(r)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Errors = map[int64]string{t.ID: firstMessages(v, []string{"held_on", "held_by", "note"})}
		s.render(w, r, http.StatusUnprocessableEntity, view.TalkLedger(s.chrome(r, "谈话台账", "talks"), d))
		return
	}
	if err := s.store.MarkTalkHeld(r.Context(), u.TownshipID, t.ID, u.ID, on, by, note); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已记录谈话")
	http.Redirect(w, r, "/talks", http.StatusSeeOther)
}

func talkPath(id int64) string { return fmt.Sprintf("/talks/%d", id) }

// talkShowData loads a talk's page: its record, files, items, period and, for office
// staff and leaders, its documents and referrals.
func (s *Server) talkShowData(r *http.Request, t store.Talk) (view.TalkShowData, error) {
	u := currentUser(r)
	ctx, tid := r.Context(), u.TownshipID
	d := view.TalkShowData{Talk: t, Today: store.Today(), CanRecord: canRecord(u, t), CanManage: u.Role == store.RoleOffice,
		Confidential: confidential(u)}
	d.Record = view.TalkRecordForm{PlannedOn: dateText(t.PlannedOn), HeldOn: dateText(t.HeldOn), Place: t.Place, Talker: t.HeldBy,
		TalkerPost: t.TalkerPost, Recorder: t.RecorderName, RecorderPost: t.RecorderPost, Trigger: t.TriggerText, Points: t.Points,
		Response: t.Response, Note: t.Note}
	if !t.Held() && d.Record.Talker == "" && u.Role == store.RoleLeader {
		d.Record.Talker = u.DisplayName
	}
	var err error
	if d.Settings, err = s.store.LoadTalkSettings(ctx, tid); err != nil {
		return d, err
	}
	if d.Files, err = s.store.TalkFiles(ctx, tid, t.ID); err != nil {
		return d, err
	}
	if d.Items, err = s.store.Rectifications(ctx, tid, d.Today, store.RectificationFilter{TalkID: t.ID}); err != nil {
		return d, err
	}
	f := store.ConsequenceFilter{TalkID: t.ID}
	if d.Periods, err = s.store.Periods(ctx, tid, d.Today, f); err != nil {
		return d, err
	}
	if d.Confidential {
		if err := s.store.EnsureConsequences(ctx, tid); err != nil {
			return d, err
		}
		if d.Documents, err = s.store.Documents(ctx, tid, f); err != nil {
			return d, err
		}
		if d.Referrals, err = s.store.Referrals(ctx, tid, f); err != nil {
			return d, err
		}
	} else {
		// A secretary sees the talk's own attachments and evidence, never a referral's.
		var kept []store.TalkFile
		for _, x := range d.Files {
			if x.ReferralID == nil {
				kept = append(kept, x)
			}
		}
		d.Files = kept
	}
	return d, nil
}

func dateText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func (s *Server) talkShow(w http.ResponseWriter, r *http.Request) {
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	d, err := s.talkShowData(r, t)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.TalkShow(s.chrome(r, "谈话记录", "talks"), d))
}

// renderTalk re-renders a talk's page with a form's messages (422).
func (s *Server) renderTalk(w http.ResponseWriter, r *http.Request, t store.Talk, edit func(*view.TalkShowData)) {
	d, err := s.talkShowData(r, t)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	edit(&d)
	s.render(w, r, http.StatusUnprocessableEntity, view.TalkShow(s.chrome(r, "谈话记录", "talks"), d))
}

// optionalDate reads a yyyy-mm-dd field; ok is false for a malformed one.
func optionalDate(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return nil, false
	}
	return &t, true
}

func (s *Server) talkRecordPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !canRecord(u, t) {
		s.forbidden(w, r)
		return
	}
	f := r.PostForm
	form := view.TalkRecordForm{PlannedOn: clean(f.Get("planned_on")), HeldOn: clean(f.Get("held_on")), Place: clean(f.Get("place")),
		Talker: clean(f.Get("talker")), TalkerPost: clean(f.Get("talker_post")), Recorder: clean(f.Get("recorder")),
		RecorderPost: clean(f.Get("recorder_post")), Trigger: clean(f.Get("trigger")), Points: strings.TrimSpace(f.Get("points")),
		Response: strings.TrimSpace(f.Get("response")), Note: clean(f.Get("note"))}
	if t.RoundID != nil {
		form.Trigger = t.TriggerText // a round's talk is triggered by the round
	}
	var v Validator
	planned, okP := optionalDate(form.PlannedOn)
	v.Check(okP, "planned_on", "计划日期格式不正确")
	held, okH := optionalDate(form.HeldOn)
	v.Check(okH, "held_on", "谈话日期格式不正确")
	v.Check(held == nil || !held.After(store.Today()), "held_on", "谈话日期不能晚于今天")
	v.Check(held != nil || !t.Held(), "held_on", "已谈话的记录须保留谈话日期")
	if held != nil {
		v.Check(form.Talker != "", "talker", "请填写谈话人")
	}
	for _, c := range []struct {
		field, value, msg string
		n                 int
	}{
		{"place", form.Place, "地点不超过 60 字", 60}, {"talker", form.Talker, "谈话人不超过 30 字", 30},
		{"talker_post", form.TalkerPost, "职务不超过 30 字", 30}, {"recorder", form.Recorder, "记录人不超过 30 字", 30},
		{"recorder_post", form.RecorderPost, "职务不超过 30 字", 30}, {"trigger", form.Trigger, "事由不超过 200 字", 200},
		{"points", form.Points, "谈话要点不超过 5000 字", 5000}, {"response", form.Response, "本人表态不超过 2000 字", 2000},
		{"note", form.Note, "备注不超过 500 字", 500},
	} {
		v.Check(MaxChars(c.value, c.n), c.field, c.msg)
	}
	if v.Valid() {
		err := s.store.SaveTalkRecord(r.Context(), u.TownshipID, t.ID, u.ID, store.TalkRecord{PlannedOn: planned, HeldOn: held,
			Place: form.Place, Talker: form.Talker, TalkerPost: form.TalkerPost, Recorder: form.Recorder, RecorderPost: form.RecorderPost,
			TriggerText: form.Trigger, Points: form.Points, Response: form.Response, Note: form.Note})
		switch {
		case errors.Is(err, store.ErrHeldDateRequired):
			v.Add("held_on", "已谈话的记录须保留谈话日期")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			if held != nil && !t.Held() {
				s.flash(r, flashOK, "已保存谈话记录,并生成书面检查 / 整改承诺事项")
			} else {
				s.flash(r, flashOK, "已保存谈话记录")
			}
			http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
			return
		}
	}
	form.Errors = v.Errors
	s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.Record = form })
}

const maxTalkFile = 20 << 20

// readTalkFile reads the form's "file" (PDF, Word, JPEG or PNG up to 20 MB, checked by
// content). It returns nil and no message when no file was sent, and a Chinese message
// for a bad one. The request body is limited first.
func readTalkFile(w http.ResponseWriter, r *http.Request) (*store.Upload, string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTalkFile+1<<20)
	defer auditForm(r)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return nil, ""
		}
		return nil, "文件不能超过 20 MB"
	}
	hdr := formFile(r, "file")
	if hdr == nil {
		return nil, ""
	}
	f, msg := readFile(hdr, maxTalkFile, "文件")
	if msg != "" {
		return nil, msg
	}
	return &f, ""
}

func formValue(r *http.Request, k string) string {
	if r.MultipartForm != nil {
		if vs := r.MultipartForm.Value[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	return r.PostForm.Get(k)
}

func (s *Server) talkFilePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	if !canRecord(u, t) {
		s.forbidden(w, r)
		return
	}
	up, msg := readTalkFile(w, r)
	if up == nil && msg == "" {
		msg = "请选择要上传的文件"
	}
	if msg != "" {
		s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.FileError = msg })
		return
	}
	if _, err := s.store.AddTalkFile(r.Context(), u.TownshipID, t.ID, nil, nil, *up); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已上传「"+up.Name+"」")
	http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
}

func (s *Server) talkFile(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	f, data, err := s.store.TalkFileData(r.Context(), u.TownshipID, t.ID, formID(chiParam(r, "fid")))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if f.ReferralID != nil && !confidential(u) {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"file"+filepath.Ext(f.FileName)+"\"; filename*=UTF-8''"+url.PathEscape(f.FileName))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}

func (s *Server) talkFileDeletePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteTalkFile(r.Context(), u.TownshipID, t.ID, formID(chiParam(r, "fid"))); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已删除附件")
	http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
}

func (s *Server) rectificationAddPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	form := view.RectificationItemForm{Content: clean(r.PostForm.Get("content")), DueOn: clean(r.PostForm.Get("due_on"))}
	var v Validator
	v.Check(form.Content != "", "content", "请填写整改内容")
	v.Check(MaxChars(form.Content, 200), "content", "整改内容不超过 200 字")
	due, okD := optionalDate(form.DueOn)
	v.Check(okD && due != nil, "due_on", "请填写整改期限")
	if v.Valid() {
		if _, err := s.store.AddRectification(r.Context(), u.TownshipID, t.ID, form.Content, *due); err != nil {
			s.storeError(w, r, err)
			return
		}
		s.flash(r, flashOK, "已添加整改事项")
		http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
		return
	}
	form.Errors = v.Errors
	s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.Item = form })
}

func (s *Server) rectificationDonePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	rid := formID(chiParam(r, "rid"))
	up, msg := readTalkFile(w, r)
	if r.MultipartForm == nil && r.PostForm == nil {
		if !s.parseForm(w, r) {
			return
		}
	}
	evidence := strings.TrimSpace(formValue(r, "evidence"))
	on, okD := optionalDate(formValue(r, "done_on"))
	switch {
	case msg != "":
	case !okD || on == nil:
		msg = "请填写完成日期"
	case on.After(store.Today()):
		msg = "完成日期不能晚于今天"
	case evidence == "" && up == nil:
		msg = "请填写完成情况或上传佐证材料"
	case !MaxChars(evidence, 1000):
		msg = "完成情况不超过 1000 字"
	}
	if msg == "" {
		err := s.store.CompleteRectification(r.Context(), u.TownshipID, t.ID, rid, *on, evidence, up)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		s.flash(r, flashOK, "已标记整改完成")
		http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
		return
	}
	s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.DoneErrors = map[int64]string{rid: msg} })
}

func (s *Server) rectificationReopenPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	if err := s.store.ReopenRectification(r.Context(), u.TownshipID, t.ID, formID(chiParam(r, "rid"))); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "整改事项已重新打开")
	http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
}

func (s *Server) followupPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	form := view.FollowupForm{PeriodID: formID(chiParam(r, "pid")), HeldOn: clean(f.Get("held_on")), Findings: strings.TrimSpace(f.Get("findings")),
		Decision: f.Get("decision"), Months: clean(f.Get("months")), HeldBy: clean(f.Get("held_by"))}
	var v Validator
	on, okD := optionalDate(form.HeldOn)
	v.Check(okD && on != nil, "held_on", "请填写回访日期")
	v.Check(on == nil || !on.After(store.Today()), "held_on", "回访日期不能晚于今天")
	v.Check(form.HeldBy != "", "held_by", "请填写回访人")
	v.Check(MaxChars(form.HeldBy, 30), "held_by", "回访人不超过 30 字")
	v.Check(form.Findings != "", "findings", "请填写回访情况")
	v.Check(MaxChars(form.Findings, 2000), "findings", "回访情况不超过 2000 字")
	v.Check(form.Decision == "lift" || form.Decision == "extend" || form.Decision == "escalate", "decision", "请选择回访决定")
	months, err := strconv.Atoi(form.Months)
	if form.Decision == "extend" {
		v.Check(err == nil && months >= 1 && months <= 12, "decision", "延长月数须为 1–12 的整数")
	}
	if v.Valid() {
		err := s.store.RecordFollowup(r.Context(), u.TownshipID, t.ID, form.PeriodID, store.FollowupInput{HeldOn: *on, Findings: form.Findings,
			Decision: form.Decision, ExtendMonths: months, HeldBy: form.HeldBy})
		switch {
		case errors.Is(err, store.ErrPeriodClosed):
			v.Add("decision", "该诫勉期已结束,不能再记录回访")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已记录回访:"+store.FollowUpDecisionLabel(form.Decision))
			http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
			return
		}
	}
	form.Errors = v.Errors
	s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.Followup = form })
}

func (s *Server) referralPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ref, err := s.store.Referral(r.Context(), u.TownshipID, formID(chiParam(r, "rid")))
	if err == nil && ref.TalkID != t.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	f := r.PostForm
	in := store.ReferralInput{Reason: strings.TrimSpace(f.Get("reason")), Result: clean(f.Get("result"))}
	var v Validator
	for _, b := range f["bodies"] {
		v.Check(store.ReferralBodyLabel(b) != b, "bodies", "移送机关无效")
		in.Bodies = append(in.Bodies, b)
	}
	var okS, okR bool
	in.SentOn, okS = optionalDate(f.Get("sent_on"))
	in.ResultOn, okR = optionalDate(f.Get("result_on"))
	v.Check(okS, "sent_on", "移送日期格式不正确")
	v.Check(okR, "result_on", "办结日期格式不正确")
	v.Check(in.SentOn == nil || len(in.Bodies) > 0, "bodies", "移送前请选择移送机关")
	v.Check(in.ResultOn == nil || in.SentOn != nil, "result_on", "请先填写移送日期")
	v.Check(in.ResultOn == nil || in.SentOn == nil || !in.ResultOn.Before(*in.SentOn), "result_on", "办结日期不能早于移送日期")
	v.Check(in.ResultOn == nil || in.Result != "", "result", "办结时请填写处理结果")
	v.Check(MaxChars(in.Reason, 2000), "reason", "事由不超过 2000 字")
	v.Check(MaxChars(in.Result, 200), "result", "处理结果不超过 200 字")
	if !v.Valid() {
		s.renderTalk(w, r, t, func(d *view.TalkShowData) {
			d.RefErrors = map[int64]view.Errors{ref.ID: v.Errors}
			for i := range d.Referrals {
				if d.Referrals[i].ID == ref.ID {
					d.Referrals[i].Bodies, d.Referrals[i].Reason, d.Referrals[i].Result = in.Bodies, in.Reason, in.Result
				}
			}
		})
		return
	}
	if err := s.store.SaveReferral(r.Context(), u.TownshipID, ref.ID, in); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存组织处理情况")
	http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
}

func (s *Server) referralFilePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	t, ok := s.talkFor(w, r)
	if !ok {
		return
	}
	rid := formID(chiParam(r, "rid"))
	up, msg := readTalkFile(w, r)
	if up == nil && msg == "" {
		msg = "请选择要上传的文件"
	}
	if msg != "" {
		s.renderTalk(w, r, t, func(d *view.TalkShowData) { d.FileError = msg })
		return
	}
	if _, err := s.store.AddTalkFile(r.Context(), u.TownshipID, t.ID, nil, &rid, *up); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已上传「"+up.Name+"」")
	http.Redirect(w, r, talkPath(t.ID), http.StatusSeeOther)
}

func (s *Server) talkSettings(w http.ResponseWriter, r *http.Request) {
	set, err := s.store.LoadTalkSettings(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.TalkSettingsData{Settings: set, Deadline: itoa(set.TalkDeadlineDays), Pledge: itoa(set.PledgeDays),
		Months: itoa(set.AdmonishMonths), Prefix: set.DocPrefix, Issuer: set.DocIssuer}
	s.render(w, r, http.StatusOK, view.TalkSettingsForm(s.chrome(r, "谈话设置", "talks"), d))
}

func (s *Server) talkSettingsPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	set, err := s.store.LoadTalkSettings(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := r.PostForm
	d := view.TalkSettingsData{Settings: set, Deadline: clean(f.Get("deadline")), Pledge: clean(f.Get("pledge")), Months: clean(f.Get("months")),
		Prefix: clean(f.Get("prefix")), Issuer: clean(f.Get("issuer"))}
	var v Validator
	num := func(s string, lo, hi int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= lo && n <= hi
	}
	var ok bool
	set.TalkDeadlineDays, ok = num(d.Deadline, 1, 365)
	v.Check(ok, "deadline", "须为 1–365 的整数")
	set.PledgeDays, ok = num(d.Pledge, 1, 365)
	v.Check(ok, "pledge", "须为 1–365 的整数")
	set.AdmonishMonths, ok = num(d.Months, 1, 36)
	v.Check(ok, "months", "须为 1–36 的整数")
	v.Check(MaxChars(d.Prefix, 12) && !strings.ContainsAny(d.Prefix, "〔〕[]"), "prefix", "文号前缀不超过 12 字,不含括号")
	v.Check(MaxChars(d.Issuer, 40), "issuer", "发文机关不超过 40 字")
	set.DocPrefix, set.DocIssuer = d.Prefix, d.Issuer
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.TalkSettingsForm(s.chrome(r, "谈话设置", "talks"), d))
		return
	}
	if err := s.store.SaveTalkSettings(r.Context(), u.TownshipID, set); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存谈话期限与文件设置")
	http.Redirect(w, r, "/talks", http.StatusSeeOther)
}

// talkAlerts is what the home page of office staff and leaders flags.
func (s *Server) talkAlerts(r *http.Request) (view.TalkAlerts, error) {
	ctx, tid := r.Context(), currentUser(r).TownshipID
	a := view.TalkAlerts{Today: store.Today()}
	if err := s.store.EnsureConsequences(ctx, tid); err != nil {
		return a, err
	}
	var err error
	if a.OverdueTalks, err = s.store.TalkList(ctx, tid, a.Today, store.TalkFilter{Status: "overdue"}); err != nil {
		return a, err
	}
	if a.OverdueItems, err = s.store.Rectifications(ctx, tid, a.Today, store.RectificationFilter{OverdueOnly: true}); err != nil {
		return a, err
	}
	if a.FollowupsDue, err = s.store.Periods(ctx, tid, a.Today, store.ConsequenceFilter{DueOnly: true}); err != nil {
		return a, err
	}
	docs, err := s.store.Documents(ctx, tid, store.ConsequenceFilter{})
	for _, d := range docs {
		if !d.Issued() {
			a.DraftDocs++
		}
	}
	return a, err
}
