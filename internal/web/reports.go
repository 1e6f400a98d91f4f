package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/store"
	"pingyi/web/view"
)

const maxReportFile = 20 << 20

func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

// reportSubject loads the subject of {id}/{sid} that the signed-in user may see; write
// says whether they may also file it: office staff any subject, a village secretary
// only subjects of their own village, leaders none.
func (s *Server) reportSubject(w http.ResponseWriter, r *http.Request) (store.Round, store.RoundSubject, bool, bool) {
	u := currentUser(r)
	round, err := s.store.Round(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return round, store.RoundSubject{}, false, false
	}
	sub, ok := s.roundSubject(w, r, round)
	if !ok {
		return round, sub, false, false
	}
	if sub.CommitmentID != nil {
		s.notFound(w, r) // a 评诺 subject is a commitment: it has no duty report
		return round, sub, false, false
	}
	var write bool
	switch u.Role {
	case store.RoleOffice:
		write = true
	case store.RoleSecretary:
		if sub.VillageID == nil || u.VillageID == nil || *sub.VillageID != *u.VillageID {
			s.notFound(w, r) // another village's subject does not exist for this account
			return round, sub, false, false
		}
		write = true
	}
	return round, sub, write && round.Status == store.StatusDraft, true
}

func (s *Server) reportBack(r *http.Request, roundID int64) string {
	if currentUser(r).Role == store.RoleSecretary {
		return "/"
	}
	return fmt.Sprintf("/rounds/%d", roundID)
}

func (s *Server) reportShow(w http.ResponseWriter, r *http.Request) {
	round, sub, write, ok := s.reportSubject(w, r)
	if !ok {
		return
	}
	d := view.ReportFormData{Round: round, Subject: sub, Text: sub.ReportText, Oral: sub.ReportOral, OralNote: sub.ReportOralNote,
		ReadOnly: !write, Back: s.reportBack(r, round.ID)}
	s.render(w, r, http.StatusOK, view.ReportForm(s.chrome(r, "述职报告", "rounds"), d))
}

func (s *Server) reportPost(w http.ResponseWriter, r *http.Request) {
	round, sub, write, ok := s.reportSubject(w, r)
	if !ok {
		return
	}
	if !write {
		s.errorPage(w, r, http.StatusForbidden, "不能修改", "投票开始后述职报告不能再修改,或您无权修改。")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReportFile+1<<20)
	d := view.ReportFormData{Round: round, Subject: sub, Back: s.reportBack(r, round.ID)}
	var v Validator
	defer auditForm(r)
	err := r.ParseMultipartForm(maxReportFile + 1<<20)
	if errors.Is(err, http.ErrNotMultipart) {
		// A plain form (text only) is fine too.
		if err = r.ParseForm(); err == nil {
			r.MultipartForm = &multipart.Form{Value: r.PostForm}
		}
	}
	if err != nil {
		v.Add("file", "附件不能超过 20 MB")
		d.Text, d.Oral, d.OralNote = sub.ReportText, sub.ReportOral, sub.ReportOralNote
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.ReportForm(s.chrome(r, "述职报告", "rounds"), d))
		return
	}
	f := r.MultipartForm.Value
	get := func(k string) string {
		if vs := f[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	in := store.ReportInput{Text: strings.TrimSpace(get("text")), Oral: get("oral") == "1", OralNote: clean(get("oral_note")), RemoveFile: get("remove_file") == "1"}
	d.Text, d.Oral, d.OralNote = in.Text, in.Oral, in.OralNote
	v.Check(MaxChars(in.Text, 20000), "text", "报告正文不能超过 20000 字")
	v.Check(MaxChars(in.OralNote, 200), "oral", "说明不能超过 200 字")
	if hdr := formFile(r, "file"); hdr != nil {
		f, msg := readFile(hdr, maxReportFile, "附件")
		v.Check(msg == "", "file", msg)
		in.File = &f
	}
	hasFile := (sub.FileName != nil && !in.RemoveFile) || in.File != nil
	v.Check(in.Text != "" || hasFile || in.Oral, "text", "请填写报告正文、上传附件,或标记为口头述职")
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.ReportForm(s.chrome(r, "述职报告", "rounds"), d))
		return
	}
	if err := s.store.SaveReport(r.Context(), round.TownshipID, sub.ID, in); err != nil {
		if errors.Is(err, store.ErrFrozen) {
			s.errorPage(w, r, http.StatusConflict, "不能修改", "投票已开始,述职报告不能再修改。")
			return
		}
		s.serverError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存「"+sub.Name+"」的述职报告")
	http.Redirect(w, r, d.Back, http.StatusSeeOther)
}

func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) {
	round, sub, _, ok := s.reportSubject(w, r)
	if !ok {
		return
	}
	s.sendReportFile(w, r, round.TownshipID, round.ID, sub.ID)
}

func (s *Server) sendReportFile(w http.ResponseWriter, r *http.Request, townshipID, roundID, subjectID int64) {
	f, err := s.store.ReportFileOf(r.Context(), townshipID, roundID, subjectID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"report"+filepath.Ext(f.Name)+"\"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(f.Data)
}

// formFile is the form's file in field, or nil when none was chosen (or the form has no files).
func formFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 || r.MultipartForm.File[field][0].Filename == "" {
		return nil
	}
	return r.MultipartForm.File[field][0]
}
