package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
	"unicode/utf8"

	"pingyi/internal/auth"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Wrong current passwords on the change form are throttled like sign-ins, so a session
// left open on a shared computer cannot be used to guess the password.
const maxPasswordChangeFailures = 5

func passwordChangeKey(userID int64) string { return fmt.Sprintf("pwchange:%d", userID) }

// passwordShow is every user's own password form.
func (s *Server) passwordShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, view.PasswordForm(s.chrome(r, "修改密码", ""), view.PasswordFormData{}))
}

// passwordPost changes the signed-in user's own password: the current one, the new one
// twice. The account's other sessions end; this one stays signed in under a new token.
func (s *Server) passwordPost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	current, next, again := r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("confirm")
	var v Validator
	fail := func(status int) {
		s.render(w, r, status, view.PasswordForm(s.chrome(r, "修改密码", ""), view.PasswordFormData{Validator: v}))
	}
	key := passwordChangeKey(u.ID)
	n, until, err := s.store.AuthFailures(r.Context(), key, throttleWindow)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if n >= maxPasswordChangeFailures {
		wait := time.Until(until)
		v.Add("current", fmt.Sprintf("当前密码输错次数过多,请 %d 分钟后再试。", int(math.Ceil(wait.Minutes()))))
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		fail(http.StatusTooManyRequests)
		return
	}
	v.Check(current != "", "current", "请输入当前密码")
	v.Check(utf8.RuneCountInString(next) >= auth.MinPasswordLength, "new", fmt.Sprintf("新密码至少 %d 位", auth.MinPasswordLength))
	v.Check(utf8.RuneCountInString(next) <= 128, "new", "新密码不能超过 128 位")
	v.Check(next == again, "confirm", "两次输入的新密码不一致")
	if current != "" && auth.CheckPassword(u.PasswordHash, current) != nil {
		if err := s.store.RecordAuthFailure(r.Context(), key); err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Add("current", "当前密码不正确")
	}
	if v.Valid() && next == current {
		v.Add("new", "新密码不能与当前密码相同")
	}
	if !v.Valid() {
		fail(http.StatusUnprocessableEntity)
		return
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	epoch, err := s.store.ChangePassword(r.Context(), u.TownshipID, u.ID, hash)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err == nil {
		err = s.store.ClearAuthFailures(r.Context(), key)
	}
	if err == nil {
		err = s.sessions.RenewToken(r.Context())
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "epoch", epoch)
	s.flash(r, flashOK, "密码已修改。此账号在其他设备上的登录已全部退出。")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
