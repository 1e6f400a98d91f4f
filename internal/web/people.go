package web

import (
	"errors"
	"net/http"
	"strconv"

	"pingyi/internal/store"
	"pingyi/web/view"
)

func (s *Server) personList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	page, err := s.store.People(r.Context(), u.TownshipID, listFilter(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if pageBeyondEnd(w, r, page.Page, page.Pages()) {
		return
	}
	s.render(w, r, http.StatusOK, view.PersonList(s.chrome(r, "干部", "people"), view.PersonListData{Page: page, Query: r.URL.Query()}))
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	orgs, err := s.store.AllOrganisations(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PersonFormData{Active: true, Organisations: orgs, OrganisationID: formID(r.URL.Query().Get("org"))}
	s.render(w, r, http.StatusOK, view.PersonForm(s.chrome(r, "新增干部", "people"), d))
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	p, err := s.store.Person(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	orgs, err := s.store.AllOrganisations(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PersonFormData{ID: p.ID, Name: p.Name, Position: p.Position, OrganisationID: p.OrganisationID,
		Level: p.Level, VillageCadre: p.VillageCadre, Phone: p.Phone, Active: p.Active, Organisations: orgs}
	s.render(w, r, http.StatusOK, view.PersonForm(s.chrome(r, "编辑干部", "people"), d))
}

func (s *Server) personCreatePost(w http.ResponseWriter, r *http.Request) { s.personSave(w, r, 0) }

func (s *Server) personEditPost(w http.ResponseWriter, r *http.Request) {
	id := idParam(r)
	p, err := s.store.Person(r.Context(), currentUser(r).TownshipID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	auditBefore(r, map[string]string{"name": p.Name, "position": p.Position, "organisation_id": idText(p.OrganisationID),
		"level": strconv.Itoa(p.Level), "village_cadre": flag(p.VillageCadre), "phone": p.Phone, "active": flag(p.Active)})
	s.personSave(w, r, id)
}

// checkPerson validates a person's fields; org is the chosen organisation, if found.
func checkPerson(v *Validator, in *store.PersonInput, org *store.Organisation, levelText string) {
	v.Check(NotBlank(in.Name), "name", "请填写姓名")
	v.Check(MaxChars(in.Name, 30), "name", "姓名不能超过 30 个字")
	checkPlain(v, in.Name, "name", "姓名")
	v.Check(MaxChars(in.Position, 40), "position", "职务不能超过 40 个字")
	checkPlain(v, in.Position, "position", "职务")
	v.Check(org != nil, "organisation_id", "请选择所在组织")
	v.Check(PhoneOK(in.Phone), "phone", PhoneMessage)
	switch levelText {
	case "":
		if org != nil {
			in.Level = org.Level
		}
	default:
		l, err := strconv.Atoi(levelText)
		v.Check(err == nil && l >= 1 && l <= 4, "level", "述职层次须为 1–4")
		in.Level = l
	}
	in.Phone = NormalizePhone(in.Phone)
}

func (s *Server) personSave(w http.ResponseWriter, r *http.Request, id int64) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := store.PersonInput{
		Name: clean(f.Get("name")), Position: clean(f.Get("position")), OrganisationID: formID(f.Get("organisation_id")),
		VillageCadre: f.Get("village_cadre") == "1", Phone: clean(f.Get("phone")), Active: id == 0 || f.Get("active") == "1",
	}
	var org *store.Organisation
	if in.OrganisationID != 0 {
		if o, err := s.store.Organisation(r.Context(), u.TownshipID, in.OrganisationID); err == nil {
			org = &o
		}
	}
	var v Validator
	checkPerson(&v, &in, org, f.Get("level"))
	if v.Valid() {
		_, err := s.store.SavePerson(r.Context(), u.TownshipID, id, in)
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("name", "「"+org.Name+"」已有同名干部「"+in.Name+"」")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			auditSummary(r, in.Name)
			s.flash(r, flashOK, "已保存干部「"+in.Name+"」")
			http.Redirect(w, r, "/people", http.StatusSeeOther)
			return
		}
	}
	orgs, err := s.store.AllOrganisations(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PersonFormData{ID: id, Name: in.Name, Position: in.Position, OrganisationID: in.OrganisationID,
		Level: in.Level, VillageCadre: in.VillageCadre, Phone: in.Phone, Active: in.Active, Organisations: orgs, Validator: v}
	s.render(w, r, http.StatusUnprocessableEntity, view.PersonForm(s.chrome(r, "干部", "people"), d))
}
