package web

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"pingyi/internal/auth"
	"pingyi/internal/store"
	"pingyi/web/view"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	users, err := s.store.Users(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.UserList(s.chrome(r, "账号", "users"), view.UserListData{Users: users}))
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	villages, err := s.store.Villages(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.UserForm(s.chrome(r, "新增账号", "users"), view.UserFormData{Role: store.RoleOffice, Active: true, Villages: villages}))
}

func (s *Server) userEdit(w http.ResponseWriter, r *http.Request) {
	cu := currentUser(r)
	u, err := s.store.UserByID(r.Context(), cu.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	villages, err := s.store.Villages(r.Context(), cu.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.UserFormData{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Active: u.Active, Villages: villages}
	if u.VillageID != nil {
		d.VillageID = *u.VillageID
	}
	s.render(w, r, http.StatusOK, view.UserForm(s.chrome(r, "编辑账号", "users"), d))
}

func (s *Server) userCreatePost(w http.ResponseWriter, r *http.Request) { s.userSave(w, r, 0) }

func (s *Server) userEditPost(w http.ResponseWriter, r *http.Request) {
	id := idParam(r)
	cu := currentUser(r)
	old, err := s.store.UserByID(r.Context(), cu.TownshipID, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	auditBefore(r, map[string]string{"username": old.Username, "display_name": old.DisplayName, "role": old.Role,
		"village_id": idText(derefID(old.VillageID)), "active": flag(old.Active)})
	s.userSave(w, r, id)
}

func (s *Server) userSave(w http.ResponseWriter, r *http.Request, id int64) {
	cu := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	d := view.UserFormData{ID: id, Username: strings.ToLower(clean(f.Get("username"))), DisplayName: clean(f.Get("display_name")),
		Role: f.Get("role"), VillageID: formID(f.Get("village_id")), Active: id == 0 || f.Get("active") == "1"}
	password := f.Get("password")
	var v Validator
	if id == 0 {
		v.Check(usernameRE.MatchString(d.Username), "username", "账号须为 3–32 位小写字母、数字或 _ . -")
		v.Check(utf8.RuneCountInString(password) >= auth.MinPasswordLength, "password", "密码至少 8 位")
	} else {
		v.Check(password == "" || utf8.RuneCountInString(password) >= auth.MinPasswordLength, "password", "密码至少 8 位")
	}
	v.Check(NotBlank(d.DisplayName), "display_name", "请填写姓名")
	v.Check(MaxChars(d.DisplayName, 30), "display_name", "姓名不能超过 30 个字")
	checkPlain(&v, d.DisplayName, "display_name", "姓名")
	v.Check(d.Role == store.RoleOffice || d.Role == store.RoleLeader || d.Role == store.RoleSecretary, "role", "请选择角色")
	if d.Role == store.RoleSecretary {
		_, err := s.store.Village(r.Context(), cu.TownshipID, d.VillageID)
		v.Check(d.VillageID != 0 && err == nil, "village_id", "村书记须选择所属村")
	}
	v.Check(!(id == cu.ID && (!d.Active || d.Role != store.RoleOffice)), "role", "不能停用自己的账号或取消自己的组织办角色")
	if v.Valid() {
		in := store.UserInput{Username: d.Username, DisplayName: d.DisplayName, Role: d.Role, Active: d.Active}
		if d.VillageID != 0 {
			in.VillageID = &d.VillageID
		}
		if password != "" {
			hash, err := auth.HashPassword(password)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			in.PasswordHash = hash
		}
		saved, err := s.store.SaveUser(r.Context(), cu.TownshipID, id, in)
		if err == nil && password != "" {
			// A new password from the office also lifts a sign-in lock, as the lock page promises.
			var u store.User
			if u, err = s.store.UserByID(r.Context(), cu.TownshipID, saved); err == nil {
				err = s.store.ClearAccountFailures(r.Context(), u.Username)
			}
			// The new password ends the account's sessions; an office member who set
			// their own stays signed in here.
			if err == nil && u.ID == cu.ID {
				s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
			}
		}
		switch {
		case errors.Is(err, store.ErrConflict):
			v.Add("username", "该账号已被使用")
		case err != nil:
			s.storeError(w, r, err)
			return
		default:
			auditSummary(r, d.DisplayName)
			s.flash(r, flashOK, "已保存账号「"+d.DisplayName+"」")
			http.Redirect(w, r, "/users", http.StatusSeeOther)
			return
		}
	}
	var err error
	if d.Villages, err = s.store.Villages(r.Context(), cu.TownshipID); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.UserForm(s.chrome(r, "账号", "users"), d))
}
