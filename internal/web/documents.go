package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pingyi/internal/officedoc"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Admonishment documents (诫勉文件): office staff and leaders read them, office staff edit
// a draft and issue it; nobody else ever sees one.

func (s *Server) documentList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if err := s.store.EnsureConsequences(r.Context(), u.TownshipID); err != nil {
		s.serverError(w, r, err)
		return
	}
	docs, err := s.store.Documents(r.Context(), u.TownshipID, store.ConsequenceFilter{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	withheld, err := s.countyWithheld(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	docs = slices.DeleteFunc(docs, func(d store.Document) bool { return withheld.talk(d.TalkID) })
	s.render(w, r, http.StatusOK, view.DocumentList(s.chrome(r, "诫勉文件", "talks"), view.DocumentListData{Documents: docs}))
}

// documentLetter loads {id} and lays it out as a formal document.
func (s *Server) documentLetter(w http.ResponseWriter, r *http.Request) (store.Document, officedoc.Letter, bool) {
	u := currentUser(r)
	doc, err := s.store.Document(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return doc, officedoc.Letter{}, false
	}
	withheld, err := s.countyWithheld(r)
	if err != nil {
		s.serverError(w, r, err)
		return doc, officedoc.Letter{}, false
	}
	if withheld.talk(doc.TalkID) {
		s.errorPage(w, r, http.StatusForbidden, "尚未公示", "这份文件来自尚未公示的评议结果,公示后可查看。")
		return doc, officedoc.Letter{}, false
	}
	set, err := s.store.LoadTalkSettings(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return doc, officedoc.Letter{}, false
	}
	return doc, letterOf(doc, set), true
}

func letterOf(doc store.Document, set store.TalkSettings) officedoc.Letter {
	l := officedoc.Letter{Issuer: set.Issuer(), Number: doc.Number(), Title: doc.Title, Addressee: doc.Addressee,
		Paragraphs: doc.Paragraphs(), Signature: set.Issuer(), Draft: !doc.Issued()}
	if doc.IssuedOn != nil {
		l.Date = fmt.Sprintf("%d年%d月%d日", doc.IssuedOn.Year(), int(doc.IssuedOn.Month()), doc.IssuedOn.Day())
	}
	return l
}

func (s *Server) documentShowData(doc store.Document, l officedoc.Letter, u *store.User) view.DocumentShowData {
	return view.DocumentShowData{Document: doc, Letter: l, CanManage: u.Role == store.RoleOffice, Title: doc.Title,
		Addressee: doc.Addressee, Body: doc.Body, IssuedOn: store.Today().Format("2006-01-02"), IssuedBy: u.DisplayName}
}

func (s *Server) documentShow(w http.ResponseWriter, r *http.Request) {
	doc, l, ok := s.documentLetter(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.DocumentShow(s.chrome(r, doc.Title, "talks"), s.documentShowData(doc, l, currentUser(r))))
}

func (s *Server) documentPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	doc, l, ok := s.documentLetter(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	d := s.documentShowData(doc, l, u)
	d.Title, d.Addressee, d.Body = clean(r.PostForm.Get("title")), clean(r.PostForm.Get("addressee")), strings.TrimSpace(r.PostForm.Get("body"))
	var v Validator
	v.Check(d.Title != "", "title", "请填写标题")
	v.Check(MaxChars(d.Title, 80), "title", "标题不超过 80 字")
	v.Check(MaxChars(d.Addressee, 60), "addressee", "主送不超过 60 字")
	v.Check(d.Body != "", "body", "请填写正文")
	v.Check(MaxChars(d.Body, 10000), "body", "正文不超过 10000 字")
	if v.Valid() {
		err := s.store.SaveDocument(r.Context(), u.TownshipID, doc.ID, d.Title, d.Addressee, d.Body)
		switch {
		case errors.Is(err, store.ErrIssued):
			v.Add("title", "文件已印发,不能再修改")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已保存草稿")
			http.Redirect(w, r, fmt.Sprintf("/documents/%d", doc.ID), http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.DocumentShow(s.chrome(r, doc.Title, "talks"), d))
}

func (s *Server) documentRedraftPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	err := s.store.RedraftDocument(r.Context(), u.TownshipID, idParam(r))
	switch {
	case errors.Is(err, store.ErrIssued):
		s.flash(r, flashBad, "文件已印发,不能重新起草")
	case err != nil:
		s.storeError(w, r, err)
		return
	default:
		s.flash(r, flashOK, "已按评议结果和谈话记录重新起草")
	}
	http.Redirect(w, r, fmt.Sprintf("/documents/%d", idParam(r)), http.StatusSeeOther)
}

func (s *Server) documentIssuePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	doc, l, ok := s.documentLetter(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	d := s.documentShowData(doc, l, u)
	d.IssuedOn, d.IssuedBy = clean(r.PostForm.Get("issued_on")), clean(r.PostForm.Get("issued_by"))
	var v Validator
	on, okD := optionalDate(d.IssuedOn)
	v.Check(okD && on != nil, "issued_on", "请填写印发日期")
	v.Check(on == nil || !on.After(store.Today()), "issued_on", "印发日期不能晚于今天")
	v.Check(d.IssuedBy != "", "issued_by", "请填写签发人")
	v.Check(MaxChars(d.IssuedBy, 30), "issued_by", "签发人不超过 30 字")
	if v.Valid() {
		err := s.store.IssueDocument(r.Context(), u.TownshipID, doc.ID, *on, d.IssuedBy)
		switch {
		case errors.Is(err, store.ErrIssued):
			v.Add("issued_on", "文件已印发")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			issued, _ := s.store.Document(r.Context(), u.TownshipID, doc.ID)
			s.flash(r, flashOK, "已印发,文号 "+issued.Number())
			http.Redirect(w, r, fmt.Sprintf("/documents/%d", doc.ID), http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.DocumentShow(s.chrome(r, doc.Title, "talks"), d))
}

func (s *Server) documentPrint(w http.ResponseWriter, r *http.Request) {
	_, l, ok := s.documentLetter(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.DocumentPrint(l))
}

// documentFileName names an export after its 文号 (or 草稿) and title.
func documentFileName(doc store.Document, ext string) string {
	n := doc.Number()
	if n == "" {
		n = "草稿"
	}
	return n + doc.Title + ext
}

func sendDownload(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"document"+name[strings.LastIndex(name, "."):]+"\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(data)
}

func (s *Server) documentDOCX(w http.ResponseWriter, r *http.Request) {
	doc, l, ok := s.documentLetter(w, r)
	if !ok {
		return
	}
	b, err := officedoc.DOCX(l)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sendDownload(w, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", documentFileName(doc, ".docx"), b)
}

func (s *Server) documentPDF(w http.ResponseWriter, r *http.Request) {
	doc, l, ok := s.documentLetter(w, r)
	if !ok {
		return
	}
	font, err := officedoc.Font(s.cfg.CJKFont)
	if errors.Is(err, officedoc.ErrNoFont) {
		s.log.Error("pdf export: no Chinese font", "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "暂不能导出 PDF", "服务器未安装中文字体(fonts-wqy-microhei),无法生成 PDF。请导出 Word 或使用打印,并联系系统管理员。")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b, err := officedoc.PDF(l, font)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sendDownload(w, "application/pdf", documentFileName(doc, ".pdf"), b)
}
