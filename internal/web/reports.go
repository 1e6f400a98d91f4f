package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

// sniffReport names an attachment's type from its first bytes, not from its name.
func sniffReport(name string, data []byte) (string, bool) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) && ext == ".doc":
		return "application/msword", true
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) && ext == ".docx" && bytes.Contains(data, []byte("word/")):
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true
	}
	return "", false
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
	if file, hdr, err := formFile(r); err == nil {
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, maxReportFile+1))
		switch {
		case err != nil:
			v.Add("file", "附件读取失败,请重试")
		case len(data) == 0:
			v.Add("file", "附件是空文件")
		case len(data) > maxReportFile:
			v.Add("file", "附件不能超过 20 MB")
		default:
			ct, ok := sniffReport(hdr.Filename, data)
			if !ok {
				v.Add("file", "附件须为 PDF、Word(.doc / .docx)、JPEG 或 PNG 文件(按文件内容检查)")
			}
			in.File = &store.ReportFile{Name: filepath.Base(hdr.Filename), ContentType: ct, Data: data}
		}
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

// formFile is r.FormFile("file") that also works for a form without files.
func formFile(r *http.Request) (multipart.File, *multipart.FileHeader, error) {
	if r.MultipartForm == nil || r.MultipartForm.File == nil {
		return nil, nil, http.ErrMissingFile
	}
	return r.FormFile("file")
}
