package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"pingyi/internal/photo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Progress (践诺) with evidence, self-evaluation (自评) and leaders' commentary (领导点评).

// entryContext is the item of the version in force that {item} names, for a progress
// report: only a leaf (an item with sub-items takes its progress from them).
func (s *Server) entryContext(w http.ResponseWriter, r *http.Request) (store.Commitment, store.CommitmentItem, *store.CommitmentItem, bool) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return c, store.CommitmentItem{}, nil, false
	}
	vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return c, store.CommitmentItem{}, nil, false
	}
	_, inForce, _ := store.Versions(vs)
	if inForce == nil {
		s.errorPage(w, r, http.StatusConflict, "承诺尚未批准", "承诺经组织办批准后才能记录践诺进展。")
		return c, store.CommitmentItem{}, nil, false
	}
	items, err := s.store.VersionItems(r.Context(), c.TownshipID, inForce.ID)
	if err != nil {
		s.serverError(w, r, err)
		return c, store.CommitmentItem{}, nil, false
	}
	id := int64Param(r, "item")
	it, found := findItem(items, id)
	if !found {
		s.notFound(w, r)
		return c, it, nil, false
	}
	for _, x := range items {
		if x.ParentID != nil && *x.ParentID == id {
			s.notFound(w, r) // a parent has no progress of its own
			return c, it, nil, false
		}
	}
	var parent *store.CommitmentItem
	if it.ParentID != nil {
		p, _ := findItem(items, *it.ParentID)
		parent = &p
	}
	return c, it, parent, true
}

func (s *Server) entryCreate(w http.ResponseWriter, r *http.Request) {
	c, it, parent, ok := s.entryContext(w, r)
	if !ok {
		return
	}
	d := view.EntryFormData{C: c, Item: it, Parent: parent, Day: today().Format("2006-01-02"), Max: store.MaxEntryFiles}
	if last, err := s.lastPercent(r, c, it.ID); err == nil {
		d.Last = last
		d.Percent = strconv.Itoa(last)
	} else {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.EntryForm(s.chrome(r, "记录进展", navFor(r)), d))
}

// lastPercent is the percent of the item's latest report, 0 without one.
func (s *Server) lastPercent(r *http.Request, c store.Commitment, itemID int64) (int, error) {
	entries, err := s.store.CommitmentEntries(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		return 0, err
	}
	for _, e := range entries { // newest day first
		if e.ItemID == itemID {
			return e.Percent, nil
		}
	}
	return 0, nil
}

// maxEntryUpload bounds a whole progress post: the files and the form around them.
const maxEntryUpload = store.MaxEntryFiles*store.MaxEntryFile + 1<<20

func (s *Server) entryCreatePost(w http.ResponseWriter, r *http.Request) {
	c, it, parent, ok := s.entryContext(w, r)
	if !ok {
		return
	}
	u := currentUser(r)
	d := view.EntryFormData{C: c, Item: it, Parent: parent, Max: store.MaxEntryFiles}
	var v Validator
	r.Body = http.MaxBytesReader(w, r.Body, maxEntryUpload)
	defer auditForm(r)
	if err := r.ParseMultipartForm(16 << 20); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			err = r.ParseForm()
		}
		if err != nil {
			d.Day, d.Percent = today().Format("2006-01-02"), ""
			v.Add("files", fmt.Sprintf("上传的文件合计过大:每次最多 %d 个文件,每个不超过 10 MB", store.MaxEntryFiles))
			d.Errors = v.Errors
			s.render(w, r, http.StatusUnprocessableEntity, view.EntryForm(s.chrome(r, "记录进展", navFor(r)), d))
			return
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	d.Day, d.Percent, d.Body = clean(r.FormValue("day")), clean(r.FormValue("percent")), clean(r.FormValue("body"))
	in := store.EntryInput{ItemID: it.ID, Body: d.Body, Author: u.DisplayName}
	now := today()
	day, err := time.Parse("2006-01-02", d.Day)
	switch {
	case err != nil:
		v.Add("day", "请填写日期(年-月-日)")
	case day.After(now):
		v.Add("day", "日期不能晚于今天")
	case day.Year() < c.Year:
		v.Add("day", fmt.Sprintf("日期不能早于 %d 年", c.Year))
	}
	in.Day = day
	pct, err := strconv.Atoi(d.Percent)
	v.Check(err == nil && pct >= 0 && pct <= 100, "percent", "完成进度须为 0 到 100 的整数")
	in.Percent = pct
	v.Check(NotBlank(d.Body), "body", "请写明做了什么、做到了哪一步")
	v.Check(MaxChars(d.Body, 2000), "body", "进展说明不能超过 2000 字")
	var headers []*multipart.FileHeader
	if r.MultipartForm != nil {
		headers = r.MultipartForm.File["files"]
	}
	if len(headers) > store.MaxEntryFiles {
		v.Add("files", fmt.Sprintf("每次最多上传 %d 个文件", store.MaxEntryFiles))
		headers = nil
	}
	for _, h := range headers {
		f, msg := readEvidence(h)
		if msg != "" {
			v.Add("files", msg)
			break
		}
		in.Files = append(in.Files, f)
	}
	if !v.Valid() {
		d.Errors = v.Errors
		if len(headers) > 0 {
			d.Reselect = true
		}
		s.render(w, r, http.StatusUnprocessableEntity, view.EntryForm(s.chrome(r, "记录进展", navFor(r)), d))
		return
	}
	if _, err := s.store.AddCommitmentEntry(r.Context(), c.TownshipID, c.ID, in); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, fmt.Sprintf("已记录「%s」的进展:%d%%", it.Content, pct))
	http.Redirect(w, r, commitmentURL(c.ID)+"#item-"+strconv.FormatInt(it.ID, 10), http.StatusSeeOther)
}

// readEvidence reads one uploaded file, checks it by content and, for a photo, makes its
// page copies. It returns a Chinese message for the form when the file will not do.
func readEvidence(h *multipart.FileHeader) (store.EntryFile, string) {
	f, msg := readFile(h, store.MaxEntryFile, "「"+filepath.Base(h.Filename)+"」")
	if msg != "" {
		return store.EntryFile{}, msg
	}
	out := store.EntryFile{Name: f.Name, ContentType: f.ContentType, Data: f.Data}
	if out.ContentType == "image/jpeg" || out.ContentType == "image/png" {
		cp, err := photo.Prepare(out.Data)
		switch {
		case errors.Is(err, photo.ErrTooLarge):
			return out, "「" + out.Name + "」像素过多,请换一张照片"
		case err != nil:
			return out, "「" + out.Name + "」无法作为照片读取,文件可能已损坏"
		}
		out.Web, out.Thumb, out.WebW, out.WebH, out.ThumbW, out.ThumbH = cp.Web, cp.Thumb, cp.WebW, cp.WebH, cp.ThumbW, cp.ThumbH
	}
	return out, ""
}

// entryDelete asks before a progress report goes.
func (s *Server) entryDelete(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	entries, err := s.store.CommitmentEntries(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	id := int64Param(r, "entry")
	for _, e := range entries {
		if e.ID == id {
			d := view.EntryDeleteData{C: c, Entry: e, Item: store.CommitmentItem{ID: e.ItemID}}
			if vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID); err == nil {
				if _, inForce, _ := store.Versions(vs); inForce != nil {
					if items, err := s.store.VersionItems(r.Context(), c.TownshipID, inForce.ID); err == nil {
						if it, ok := findItem(items, e.ItemID); ok {
							d.Item = it
						}
					}
				}
			}
			s.render(w, r, http.StatusOK, view.EntryDelete(s.chrome(r, "删除进展", navFor(r)), d))
			return
		}
	}
	s.notFound(w, r)
}

func (s *Server) entryDeletePost(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteCommitmentEntry(r.Context(), c.TownshipID, c.ID, int64Param(r, "entry")); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已删除该条进展及其照片、附件")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}

// commitmentFile sends evidence to staff who may see the commitment: the original
// ("file"), or a photo's page copies ("photo", "thumb").
func (s *Server) commitmentFile(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	f, err := s.store.CommitmentFile(r.Context(), c.TownshipID, c.ID, int64Param(r, "file"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	disposition := "attachment"
	if f.ContentType == "image/jpeg" || f.ContentType == "image/png" {
		disposition = "inline"
	}
	w.Header().Set("Content-Disposition", disposition+"; filename=\"evidence"+filepath.Ext(f.Name)+"\"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(f.Data)
}

// commitmentThumb sends a photo's thumbnail to signed-in staff who may see it.
func (s *Server) commitmentThumb(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	data, err := s.store.CommitmentPhoto(r.Context(), c.TownshipID, c.ID, int64Param(r, "file"), true)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(data)
}

// Self-evaluation (自评): the owner's year-end account of each top-level item.

func (s *Server) selfEvaluation(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	d, ok := s.selfData(w, r, c)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.SelfForm(s.chrome(r, "年终自评", navFor(r)), d))
}

func (s *Server) selfData(w http.ResponseWriter, r *http.Request, c store.Commitment) (view.SelfFormData, bool) {
	d := view.SelfFormData{C: c, Rating: map[int64]string{}, Body: map[int64]string{}}
	vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	_, inForce, _ := store.Versions(vs)
	if inForce == nil {
		s.errorPage(w, r, http.StatusConflict, "承诺尚未批准", "承诺经组织办批准后才能填写年终自评。")
		return d, false
	}
	b, err := s.store.CommitmentBoard(r.Context(), c, *inForce)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	self, err := s.store.SelfEvaluations(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	d.Items = itemViews(b.Items, b.Assess(today()), nil, self)
	for _, it := range d.Items {
		if it.Self != nil {
			d.Rating[it.Item.ID], d.Body[it.Item.ID] = it.Self.Rating, it.Self.Body
		} else if it.State != nil && it.State.Status == rules.ItemDone {
			d.Rating[it.Item.ID] = store.SelfFulfilled // a suggestion from the reported progress
		}
	}
	return d, true
}

func (s *Server) selfEvaluationPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	d, ok := s.selfData(w, r, c)
	if !ok {
		return
	}
	var v Validator
	var in []store.SelfEvaluationInput
	for _, it := range d.Items {
		key := strconv.FormatInt(it.Item.ID, 10)
		rating, body := clean(r.PostFormValue("rating_"+key)), clean(r.PostFormValue("body_"+key))
		d.Rating[it.Item.ID], d.Body[it.Item.ID] = rating, body
		if rating == "" && body == "" {
			continue // not evaluated yet
		}
		v.Check(validRating(rating), "item_"+key, "请选择兑现情况")
		v.Check(MaxChars(body, 1000), "item_"+key, "说明不能超过 1000 字")
		v.Check(rating == store.SelfFulfilled || NotBlank(body), "item_"+key, "部分兑现或未兑现的,请说明原因和下步措施")
		in = append(in, store.SelfEvaluationInput{ItemID: it.Item.ID, Rating: rating, Body: body})
	}
	if v.Valid() && len(in) == 0 {
		v.Add("form", "请至少对一项承诺作出自评")
	}
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.SelfForm(s.chrome(r, "年终自评", navFor(r)), d))
		return
	}
	if err := s.store.SaveSelfEvaluations(r.Context(), c.TownshipID, c.ID, in, currentUser(r).DisplayName); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存年终自评")
	http.Redirect(w, r, commitmentURL(c.ID)+"#self", http.StatusSeeOther)
}

// Leaders' commentary (领导点评): leaders and office staff; at least once a quarter.

func (s *Server) commentCreatePost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, acc, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	if !acc.Comment {
		s.forbidden(w, r)
		return
	}
	vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, inForce, _ := store.Versions(vs); inForce == nil {
		s.errorPage(w, r, http.StatusConflict, "承诺尚未批准", "承诺经组织办批准后才能点评。")
		return
	}
	u := currentUser(r)
	body := clean(r.PostFormValue("body"))
	q, err := strconv.Atoi(r.PostFormValue("quarter"))
	now := today()
	switch {
	case err != nil || q < 1 || q > 4:
		s.rerenderShow(w, r, c, "quarter", "请选择点评的季度")
		return
	case c.Year > now.Year() || (c.Year == now.Year() && q > rules.Quarter(now)):
		s.rerenderShow(w, r, c, "quarter", "不能点评尚未到来的季度")
		return
	case !NotBlank(body):
		s.rerenderShow(w, r, c, "body", "请填写点评内容:肯定成绩、指出不足、提出要求")
		return
	case !MaxChars(body, 1000):
		s.rerenderShow(w, r, c, "body", "点评不能超过 1000 字")
		return
	}
	in := store.CommentInput{Year: c.Year, Quarter: q, Body: body, AuthorID: u.ID, AuthorName: u.DisplayName, Public: r.PostFormValue("public") == "1"}
	if err := s.store.AddCommitmentComment(r.Context(), c.TownshipID, c.ID, in); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已记录点评")
	http.Redirect(w, r, commitmentURL(c.ID)+"#comments", http.StatusSeeOther)
}

// commentPublicPost chooses a comment for the public page, or withdraws it (office).
func (s *Server) commentPublicPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	public := r.PostFormValue("public") == "1"
	if err := s.store.SetCommentPublic(r.Context(), c.TownshipID, c.ID, int64Param(r, "comment"), public); err != nil {
		s.storeError(w, r, err)
		return
	}
	if public {
		s.flash(r, flashOK, "该点评已在公开页显示")
	} else {
		s.flash(r, flashOK, "该点评已从公开页撤下")
	}
	http.Redirect(w, r, commitmentURL(c.ID)+"#comments", http.StatusSeeOther)
}

func validRating(k string) bool {
	for _, r := range store.SelfRatings {
		if r.Key == k {
			return true
		}
	}
	return false
}
