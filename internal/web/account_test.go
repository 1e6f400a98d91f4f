package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/web"
)

// newAppEnv is newApp with settings from env (PINGYI_* variables).
func newAppEnv(t *testing.T, env map[string]string) *app {
	t.Helper()
	st := pgtest.Store(t)
	if _, err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &app{t: t, url: ts.URL, store: st}
}

// newProxiedApp is behind a trusted proxy: X-Forwarded-For names the client, so one
// test can sign in from several addresses.
func newProxiedApp(t *testing.T) *app {
	return newAppEnv(t, map[string]string{"PINGYI_TRUSTED_PROXIES": "127.0.0.1/32"})
}

// loginFrom posts the sign-in form as a client at address ip.
func (c *client) loginFrom(ip, user, password string) page {
	req, err := http.NewRequest(http.MethodPost, c.a.url+"/login", strings.NewReader(url.Values{"username": {user}, "password": {password}}.Encode()))
	if err != nil {
		c.a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", ip)
	return c.do(req)
}

// TestWrongPasswordsFromOneAddressDoNotLockOutAnother: someone at one address types the
// office's account with wrong passwords until it locks; the office, signing in from its
// own computer with the right password, is not stopped.
func TestWrongPasswordsFromOneAddressDoNotLockOutAnother(t *testing.T) {
	a := newProxiedApp(t)
	attacker := a.client()
	for i := 0; i < 8; i++ {
		p := attacker.loginFrom("10.1.1.66", "zzb", "guess-"+string(rune('a'+i)))
		if i < 5 && p.status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i+1, p.status)
		}
	}
	// That address is locked out of that account, even with the right password.
	p := attacker.loginFrom("10.1.1.66", "zzb", demo.Password)
	if p.status != http.StatusTooManyRequests || !strings.Contains(textOf(p, "login-error"), "在这台设备上登录失败次数过多") {
		t.Fatalf("locked address: %d %q", p.status, textOf(p, "login-error"))
	}
	// The office at another address signs in.
	office := a.client()
	if p := office.loginFrom("10.1.1.20", "zzb", demo.Password); p.status != http.StatusSeeOther {
		t.Fatalf("the right password from another address: %d %q", p.status, textOf(p, "login-error"))
	}
	if p := office.get("/"); !strings.Contains(textOf(p, "whoami"), "周敏") {
		t.Fatalf("office home: %d", p.status)
	}
	// The locked address can still sign in to another account.
	if p := a.client().loginFrom("10.1.1.66", "lingdao", demo.Password); p.status != http.StatusSeeOther {
		t.Fatalf("another account from the locked address: %d", p.status)
	}
	// Many accounts tried from one address lock that address (20 failures), not the accounts.
	for i := 0; i < 20; i++ {
		a.client().loginFrom("10.1.1.99", "nobody"+string(rune('a'+i)), "guess")
	}
	if p := a.client().loginFrom("10.1.1.99", "lingdao", demo.Password); p.status != http.StatusTooManyRequests {
		t.Fatalf("20 failures from one address: %d", p.status)
	}
	if p := a.client().loginFrom("10.1.1.21", "lingdao", demo.Password); p.status != http.StatusSeeOther {
		t.Fatalf("lingdao from elsewhere: %d", p.status)
	}
}

// TestOwnPasswordChange: any user changes their own password with the current one and the
// new one twice; their other sessions end, this one stays.
func TestOwnPasswordChange(t *testing.T) {
	a := newApp(t)
	for _, user := range []string{"lingdao", "xiaoxuan", "zzb"} {
		here, there := a.client(), a.client()
		here.login(user)
		there.login(user)
		if p := here.get("/account/password"); p.status != http.StatusOK || len(p.find("password-form")) != 1 {
			t.Fatalf("%s: password page %d", user, p.status)
		}
		for _, tc := range []struct {
			form  url.Values
			field string
			want  string
		}{
			{url.Values{"current": {"wrong-one"}, "new": {"new-password-9"}, "confirm": {"new-password-9"}}, "current", "当前密码不正确"},
			{url.Values{"current": {demo.Password}, "new": {"short"}, "confirm": {"short"}}, "new", "新密码至少 8 位"},
			{url.Values{"current": {demo.Password}, "new": {"new-password-9"}, "confirm": {"new-password-8"}}, "confirm", "两次输入的新密码不一致"},
			{url.Values{"current": {demo.Password}, "new": {demo.Password}, "confirm": {demo.Password}}, "new", "新密码不能与当前密码相同"},
		} {
			p := here.post("/account/password", tc.form)
			if p.status != http.StatusUnprocessableEntity || textOf(p, "error-"+tc.field) != tc.want {
				t.Fatalf("%s %v: %d %q", user, tc.form, p.status, textOf(p, "error-"+tc.field))
			}
		}
		p := here.post("/account/password", url.Values{"current": {demo.Password}, "new": {"new-password-9"}, "confirm": {"new-password-9"}})
		if kind, msg := here.flashAfter(p); kind != "ok" || !strings.Contains(msg, "密码已修改") {
			t.Fatalf("%s: %s %q", user, kind, msg)
		}
		if p := here.get("/"); p.status != http.StatusOK {
			t.Fatalf("%s: this session should stay signed in, got %d", user, p.status)
		}
		if p := there.get("/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
			t.Fatalf("%s: the other session should be signed out, got %d", user, p.status)
		}
		if p := a.client().post("/login", url.Values{"username": {user}, "password": {demo.Password}}); p.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: old password still works: %d", user, p.status)
		}
		if p := a.client().post("/login", url.Values{"username": {user}, "password": {"new-password-9"}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s: new password refused: %d", user, p.status)
		}
	}
	// Guessing the current password through the form is throttled.
	c := a.client()
	c.post("/login", url.Values{"username": {"lingdao"}, "password": {"new-password-9"}})
	for i := 0; i < 5; i++ {
		c.post("/account/password", url.Values{"current": {"guess"}, "new": {"new-password-7"}, "confirm": {"new-password-7"}})
	}
	p := c.post("/account/password", url.Values{"current": {"new-password-9"}, "new": {"new-password-7"}, "confirm": {"new-password-7"}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("sixth try: %d", p.status)
	}
}

// TestOfficeResetEndsTheUsersSessions: a password set by the office signs the user out
// everywhere; the office member stays signed in when setting their own.
func TestOfficeResetEndsTheUsersSessions(t *testing.T) {
	a := newApp(t)
	leader := a.client()
	leader.login("lingdao")
	office := a.client()
	office.login("zzb")
	ctx := context.Background()
	for _, name := range []string{"lingdao", "zzb"} {
		u, err := a.store.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		p := office.post("/users/"+itoa64(u.ID)+"/edit", url.Values{"display_name": {u.DisplayName}, "role": {u.Role}, "active": {"1"}, "password": {"reset-password-1"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("reset %s: %d", name, p.status)
		}
	}
	if p := leader.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("the leader should be signed out after the reset, got %d", p.status)
	}
	if p := office.get("/"); p.status != http.StatusOK {
		t.Fatalf("the office member who reset their own password stays signed in, got %d", p.status)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
