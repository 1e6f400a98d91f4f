package web

import (
	"errors"
	"net/http"

	"pingyi/internal/store"
	"pingyi/internal/validator"
	"pingyi/web/view"
)

func (s *Server) raterList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	cats, err := s.store.RaterCategories(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := store.RaterFilter{Filter: listFilter(r), CategoryID: formID(r.URL.Query().Get("category"))}
	page, err := s.store.Raters(r.Context(), u.TownshipID, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if pageBeyondEnd(w, r, page.Page, page.Pages()) {
		return
	}
	s.render(w, r, http.StatusOK, view.RaterList(s.chrome(r, "评议代表", "raters"), view.RaterListData{Page: page, Query: r.URL.Query(), Categories: cats}))
}

func (s *Server) raterCreate(w http.ResponseWriter, r *http.Request) {
	cats, err := s.store.RaterCategories(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.RaterForm(s.chrome(r, "新增评议代表", "raters"), view.RaterFormData{Active: true, Categories: cats}))
}

func (s *Server) raterEdit(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	x, err := s.store.Rater(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	cats, err := s.store.RaterCategories(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.RaterFormData{ID: x.ID, Name: x.Name, CategoryID: x.CategoryID, Unit: x.Unit, Phone: x.Phone, Active: x.Active, Categories: cats}
	s.render(w, r, http.StatusOK, view.RaterForm(s.chrome(r, "编辑评议代表", "raters"), d))
}

func (s *Server) raterCreatePost(w http.ResponseWriter, r *http.Request) { s.raterSave(w, r, 0) }

func (s *Server) raterEditPost(w http.ResponseWriter, r *http.Request) {
	id := idParam(r)
	x, err := s.store.Rater(r.Context(), currentUser(r).TownshipID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	auditBefore(r, map[string]string{"name": x.Name, "category_id": idText(x.CategoryID), "unit": x.Unit, "phone": x.Phone, "active": flag(x.Active)})
	s.raterSave(w, r, id)
}

func checkRater(v *Validator, in *store.RaterInput, catOK bool) {
	v.Check(NotBlank(in.Name), "name", "请填写姓名")
	v.Check(MaxChars(in.Name, 30), "name", "姓名不能超过 30 个字")
	checkPlain(v, in.Name, "name", "姓名")
	v.Check(catOK, "category_id", "请选择类别")
	v.Check(MaxChars(in.Unit, 60), "unit", "工作单位不能超过 60 个字")
	checkPlain(v, in.Unit, "unit", "工作单位")
	v.Check(PhoneOK(in.Phone), "phone", PhoneMessage)
	in.Phone = NormalizePhone(in.Phone)
}

func (s *Server) raterSave(w http.ResponseWriter, r *http.Request, id int64) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := store.RaterInput{Name: clean(f.Get("name")), CategoryID: formID(f.Get("category_id")), Unit: clean(f.Get("unit")),
		Phone: clean(f.Get("phone")), Active: id == 0 || f.Get("active") == "1"}
	cats, err := s.store.RaterCategories(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	catName := ""
	for _, c := range cats {
		if c.ID == in.CategoryID {
			catName = c.Name
		}
	}
	var v Validator
	checkRater(&v, &in, catName != "")
	if v.Valid() {
		_, err := s.store.SaveRater(r.Context(), u.TownshipID, id, in)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("name", "「"+catName+"」中已有同名代表「"+in.Name+"」")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			auditSummary(r, in.Name)
			s.flash(r, flashOK, "已保存评议代表「"+in.Name+"」")
			http.Redirect(w, r, "/raters", http.StatusSeeOther)
			return
		}
	}
	d := view.RaterFormData{ID: id, Name: in.Name, CategoryID: in.CategoryID, Unit: in.Unit, Phone: in.Phone, Active: in.Active, Categories: cats, Validator: v}
	s.render(w, r, http.StatusUnprocessableEntity, view.RaterForm(s.chrome(r, "评议代表", "raters"), d))
}

func (s *Server) categoryList(w http.ResponseWriter, r *http.Request) {
	s.renderCategories(w, r, http.StatusOK, view.CategoryListData{})
}

// renderCategories shows the categories and groups page with d's forms and messages.
func (s *Server) renderCategories(w http.ResponseWriter, r *http.Request, status int, d view.CategoryListData) {
	tid := currentUser(r).TownshipID
	var err error
	if d.Categories, err = s.store.RaterCategories(r.Context(), tid); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Groups, err = s.store.TownshipGroups(r.Context(), tid); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, view.CategoryList(s.chrome(r, "代表类别与计票组", "raters"), d))
}

func (s *Server) categoryCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	d := view.CategoryListData{Name: clean(r.PostForm.Get("name")), Group: r.PostForm.Get("group")}
	var v Validator
	v.Check(NotBlank(d.Name), "name", "请填写类别名称")
	v.Check(MaxChars(d.Name, 20), "name", "类别名称不能超过 20 个字")
	checkPlain(&v, d.Name, "name", "类别名称")
	v.Check(d.Group != "", "group", "请选择计票组")
	if v.Valid() {
		_, err := s.store.CreateRaterCategory(r.Context(), u.TownshipID, d.Name, d.Group)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("name", "已有同名类别")
		case errors.Is(err, store.ErrNotFound):
			v.Add("group", "请选择计票组")
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			auditSummary(r, d.Name)
			s.flash(r, flashOK, "已新增类别「"+d.Name+"」")
			http.Redirect(w, r, "/raters/categories", http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.renderCategories(w, r, http.StatusUnprocessableEntity, d)
}

// categoryGroupPost changes the group a category votes in by default.
func (s *Server) categoryGroupPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	err := s.store.SetCategoryGroup(r.Context(), currentUser(r).TownshipID, idParam(r), r.PostForm.Get("group"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已修改类别的默认计票组")
	http.Redirect(w, r, "/raters/categories", http.StatusSeeOther)
}

// groupSavePost adds a rater group (no key) or renames one and sets its default weight.
func (s *Server) groupSavePost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	key := chiParam(r, "key")
	d := view.CategoryListData{GroupName: clean(r.PostForm.Get("name")), GroupWeight: clean(r.PostForm.Get("weight"))}
	nameField, weightField := "group_name", "group_weight"
	if key != "" {
		nameField, weightField = "groups", "groups"
	}
	var v Validator
	v.Check(NotBlank(d.GroupName), nameField, "请填写计票组名称")
	v.Check(MaxChars(d.GroupName, 20), nameField, "计票组名称不能超过 20 个字")
	checkPlain(&v, d.GroupName, nameField, "计票组名称")
	weight, ok := pctField(d.GroupWeight)
	v.Check(d.GroupWeight == "" || ok, weightField, "默认权重须为 0–100 的整数")
	if v.Valid() {
		_, err := s.store.SaveTownshipGroup(r.Context(), currentUser(r).TownshipID, key, d.GroupName, weight)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add(nameField, "已有同名计票组")
		case errors.Is(err, store.ErrTooManyGroups):
			v.Add(nameField, "计票组已达上限(12 个)")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			auditSummary(r, d.GroupName)
			s.flash(r, flashOK, "已保存计票组「"+d.GroupName+"」")
			http.Redirect(w, r, "/raters/categories", http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.renderCategories(w, r, http.StatusUnprocessableEntity, d)
}

// groupDeletePost removes a rater group no category belongs to.
func (s *Server) groupDeletePost(w http.ResponseWriter, r *http.Request) {
	err := s.store.DeleteTownshipGroup(r.Context(), currentUser(r).TownshipID, chiParam(r, "key"))
	switch {
	case errors.Is(err, store.ErrGroupInUse):
		s.renderCategories(w, r, http.StatusUnprocessableEntity, view.CategoryListData{Validator: validator.Validator{Errors: view.Errors{"groups": "该计票组还有代表类别,请先把这些类别改计入其他组"}}})
	case err != nil:
		s.storeError(w, r, err)
	default:
		s.flash(r, flashOK, "已删除计票组")
		http.Redirect(w, r, "/raters/categories", http.StatusSeeOther)
	}
}
