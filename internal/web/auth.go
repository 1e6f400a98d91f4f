package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"pingyi/internal/auth"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Sign-in throttling: failures within the window per account and client address, and
// per client address. An account is never locked as such: five wrong passwords from one
// address lock that address out of that account, and the right password from any other
// address (the office's own computer on meeting day) still signs in.
const (
	throttleWindow     = 15 * time.Minute
	maxAccountFailures = 5  // per account and address
	maxAddressFailures = 20 // per address, any account
)

func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	if currentUser(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, view.Login("", nil, s.popFlash(r)))
}

// throttled says how long the caller must wait, or 0.
func (s *Server) throttled(r *http.Request, accountKey, addressKey string) (time.Duration, error) {
	var wait time.Duration
	for _, k := range []struct {
		key string
		max int
	}{{accountKey, maxAccountFailures}, {addressKey, maxAddressFailures}} {
		n, until, err := s.store.AuthFailures(r.Context(), k.key, throttleWindow)
		if err != nil {
			return 0, err
		}
		if n >= k.max {
			if d := time.Until(until); d > wait {
				wait = d
			}
		}
	}
	return wait, nil
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	username := strings.ToLower(clean(r.PostForm.Get("username")))
	password := r.PostForm.Get("password")
	var v Validator
	v.Check(NotBlank(username), "username", "请输入账号")
	v.Check(password != "", "password", "请输入密码")
	if !v.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, view.Login(username, v.Errors, view.Flash{}))
		return
	}
	ip := s.clientIP(r)
	accountKey, addressKey := store.AccountAddressKey(username, ip), store.AddressKey(ip)
	wait, err := s.throttled(r, accountKey, addressKey)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if wait > 0 {
		mins := int(math.Ceil(wait.Minutes()))
		v.Add("form", fmt.Sprintf("在这台设备上登录失败次数过多,已暂时锁定。请在 %d 分钟后再试,或联系组织办重置密码。", mins))
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, view.Login(username, v.Errors, view.Flash{}))
		return
	}
	u, err := s.store.UserByUsername(r.Context(), username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.Burn(password)
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	if err != nil || !u.Active || auth.CheckPassword(u.PasswordHash, password) != nil {
		known := &u
		if err != nil {
			known = nil
		}
		s.auditLogin(r, known, username, false)
		if err := s.store.RecordAuthFailure(r.Context(), accountKey, addressKey); err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Add("form", "账号或密码不正确")
		s.render(w, r, http.StatusUnprocessableEntity, view.Login(username, v.Errors, view.Flash{}))
		return
	}
	if err := s.store.ClearAuthFailures(r.Context(), accountKey); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.auditLogin(r, &u, username, true)
	// A new token at sign-in defeats session fixation.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	next := s.sessions.PopString(r.Context(), "after_login")
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Remove(r.Context(), "user_id")
	s.flash(r, flashInfo, "您已安全退出。")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
