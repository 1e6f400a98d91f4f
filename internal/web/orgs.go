package web

import (
	"errors"
	"net/http"
	"strconv"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// listFilter reads q, page and all from the query string.
func listFilter(r *http.Request) store.Filter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	return store.Filter{Query: q.Get("q"), Page: page, PerPage: 50, IncludeInactive: q.Get("all") == "1"}
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	page, err := s.store.Organisations(r.Context(), u.TownshipID, listFilter(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if pageBeyondEnd(w, r, page.Page, page.Pages()) {
		return
	}
	s.render(w, r, http.StatusOK, view.OrgList(s.chrome(r, "组织", "orgs"), view.OrgListData{Page: page, Query: r.URL.Query()}))
}

func (s *Server) orgFormOptions(r *http.Request, d *view.OrgFormData) error {
	u := currentUser(r)
	var err error
	if d.Villages, err = s.store.Villages(r.Context(), u.TownshipID); err != nil {
		return err
	}
	d.People, err = s.store.AllPeople(r.Context(), u.TownshipID)
	return err
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	d := view.OrgFormData{Active: true}
	if err := s.orgFormOptions(r, &d); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.OrgForm(s.chrome(r, "新增组织", "orgs"), d))
}

func (s *Server) orgEdit(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	o, err := s.store.Organisation(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	d := view.OrgFormData{ID: o.ID, Name: o.Name, Kind: o.Kind, Active: o.Active}
	if o.VillageID != nil {
		d.VillageID = *o.VillageID
	}
	if o.ResponsibleID != nil {
		d.ResponsibleID = *o.ResponsibleID
	}
	if err := s.orgFormOptions(r, &d); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.OrgForm(s.chrome(r, "编辑组织", "orgs"), d))
}

func (s *Server) orgCreatePost(w http.ResponseWriter, r *http.Request) { s.orgSave(w, r, 0) }

func (s *Server) orgEditPost(w http.ResponseWriter, r *http.Request) {
	id := idParam(r)
	o, err := s.store.Organisation(r.Context(), currentUser(r).TownshipID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	auditBefore(r, map[string]string{"name": o.Name, "kind": o.Kind, "village_id": idText(derefID(o.VillageID)),
		"responsible_id": idText(derefID(o.ResponsibleID)), "active": flag(o.Active)})
	s.orgSave(w, r, id)
}

func (s *Server) orgSave(w http.ResponseWriter, r *http.Request, id int64) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	d := view.OrgFormData{
		ID: id, Name: clean(f.Get("name")), Kind: f.Get("kind"),
		VillageID: formID(f.Get("village_id")), ResponsibleID: formID(f.Get("responsible_id")),
		Active: id == 0 || f.Get("active") == "1",
	}
	var v Validator
	v.Check(NotBlank(d.Name), "name", "请填写组织名称")
	v.Check(MaxChars(d.Name, 60), "name", "名称不能超过 60 个字")
	checkPlain(&v, d.Name, "name", "名称")
	v.Check(store.KindLevel(d.Kind) != 0, "kind", "请选择组织类别")
	isVillage := d.Kind == store.KindVillageBranch || d.Kind == store.KindVillageCommittee
	v.Check(!isVillage || d.VillageID != 0, "village_id", "村党支部、村委会须选择所属村")
	v.Check(isVillage || d.VillageID == 0, "village_id", "只有村党支部、村委会属于某个村")
	if d.VillageID != 0 {
		if _, err := s.store.Village(r.Context(), u.TownshipID, d.VillageID); errors.Is(err, store.ErrNotFound) {
			v.Add("village_id", "所选的村不存在")
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if d.ResponsibleID != 0 {
		if _, err := s.store.Person(r.Context(), u.TownshipID, d.ResponsibleID); errors.Is(err, store.ErrNotFound) {
			v.Add("responsible_id", "所选的负责人不存在")
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if v.Valid() {
		in := store.OrganisationInput{Name: d.Name, Kind: d.Kind, Active: d.Active}
		if d.VillageID != 0 {
			in.VillageID = &d.VillageID
		}
		if d.ResponsibleID != 0 {
			in.ResponsibleID = &d.ResponsibleID
		}
		_, err := s.store.SaveOrganisation(r.Context(), u.TownshipID, id, in)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("name", "本乡镇已有同名组织")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			auditSummary(r, d.Name)
			s.flash(r, flashOK, "已保存组织「"+d.Name+"」")
			http.Redirect(w, r, "/orgs", http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	if err := s.orgFormOptions(r, &d); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, view.OrgForm(s.chrome(r, "组织", "orgs"), d))
}

func (s *Server) villageCreate(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, view.VillageForm(s.chrome(r, "新增村", "orgs"), view.VillageFormData{}))
}

func (s *Server) villageCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	d := view.VillageFormData{Name: clean(r.PostForm.Get("name"))}
	var v Validator
	v.Check(NotBlank(d.Name), "name", "请填写村名")
	v.Check(MaxChars(d.Name, 30), "name", "村名不能超过 30 个字")
	checkPlain(&v, d.Name, "name", "村名")
	if v.Valid() {
		_, err := s.store.CreateVillage(r.Context(), u.TownshipID, d.Name)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("name", "本乡镇已有同名的村或村级组织")
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			branch, committee := store.VillageOrganisationNames(d.Name)
			auditSummary(r, d.Name)
			s.flash(r, flashOK, "已新增「"+d.Name+"」及其"+branch+"、"+committee)
			http.Redirect(w, r, "/orgs", http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.VillageForm(s.chrome(r, "新增村", "orgs"), d))
}
