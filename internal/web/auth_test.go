package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pingyi/internal/config"
	"pingyi/internal/web"
)

func TestSignInAndOut(t *testing.T) {
	a := newApp(t)
	c := a.client()
	if p := c.get("/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Fatalf("signed-out home: %d %s", p.status, p.header.Get("Location"))
	}
	before := c.get("/login")
	if before.status != 200 || len(before.find("login-form")) != 1 {
		t.Fatalf("login page: %d", before.status)
	}
	p := c.post("/login", url.Values{"username": {"zzb"}, "password": {"wrong-password"}})
	if p.status != http.StatusUnprocessableEntity || textOf(p, "login-error") != "账号或密码不正确" {
		t.Fatalf("wrong password: %d %q", p.status, textOf(p, "login-error"))
	}
	p = c.post("/login", url.Values{"username": {"zzb"}, "password": {""}})
	if len(p.find("error-password")) == 0 && !strings.Contains(p.body, "请输入密码") {
		t.Fatalf("empty password: no message next to the field")
	}
	oldToken := sessionCookie(t, c, a)
	c.login("zzb")
	newToken := sessionCookie(t, c, a)
	if newToken == "" || newToken == oldToken {
		t.Fatal("the session token must be renewed at sign-in")
	}
	home := c.get("/")
	if home.status != 200 || !strings.Contains(textOf(home, "whoami"), "周敏") {
		t.Fatalf("home after sign-in: %d %q", home.status, textOf(home, "whoami"))
	}
	p = c.post("/logout", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	if tok := sessionCookie(t, c, a); tok == newToken {
		t.Fatal("the session token must be renewed at sign-out")
	}
	if p := c.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("after sign-out home should redirect, got %d", p.status)
	}
}

func sessionCookie(t *testing.T, c *client, a *app) string {
	t.Helper()
	u, err := url.Parse(a.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "pingyi_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSessionCookieFlagsAndSecurityHeaders(t *testing.T) {
	a := newApp(t)
	c := a.client()
	p := c.post("/login", url.Values{"username": {"zzb"}, "password": {"pingyi2026"}})
	var raw string
	for _, v := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "pingyi_session=") {
			raw = v
		}
	}
	if !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %q", raw)
	}
	h := c.get("/login").header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP must not allow inline script: %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("missing nosniff")
	}
}

func TestSignInThrottledPerAccount(t *testing.T) {
	a := newApp(t)
	c := a.client()
	for i := 0; i < 5; i++ {
		if p := c.post("/login", url.Values{"username": {"zzb"}, "password": {"guess"}}); p.status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i+1, p.status)
		}
	}
	// Even the right password is refused while the account is locked, from any client.
	p := a.client().post("/login", url.Values{"username": {"zzb"}, "password": {"pingyi2026"}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(textOf(p, "login-error"), "登录失败次数过多") {
		t.Fatalf("locked account: %d %q", p.status, textOf(p, "login-error"))
	}
	if p.header.Get("Retry-After") == "" {
		t.Error("a throttled answer should carry Retry-After")
	}
	// Another account is not affected by this account's lock.
	a.client().login("lingdao")
}

func TestSignInThrottledPerAddress(t *testing.T) {
	a := newApp(t)
	c := a.client()
	for i := 0; i < 20; i++ {
		c.post("/login", url.Values{"username": {"nobody" + string(rune('a'+i))}, "password": {"guess"}})
	}
	p := c.post("/login", url.Values{"username": {"lingdao"}, "password": {"pingyi2026"}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("20 failures from one address should throttle it, got %d", p.status)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	req, err := http.NewRequest(http.MethodPost, a.url+"/villages/new", strings.NewReader("name=%E5%81%87%E6%9D%91"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	p := c.do(req)
	if !errorPage(p, http.StatusForbidden, "请求被拒绝") {
		t.Fatalf("cross-site post: %d %q, want 403 请求被拒绝", p.status, textOf(p, "error-page"))
	}
	vs, err := a.store.Villages(req.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Name == "假村" {
			t.Fatal("a cross-site post must not create anything")
		}
	}
	// A cross-site sign-in post is refused too (login CSRF).
	req, err = http.NewRequest(http.MethodPost, a.url+"/login", strings.NewReader("username=zzb&password=pingyi2026"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := a.client().do(req); !errorPage(p, http.StatusForbidden, "请求被拒绝") {
		t.Fatalf("cross-site sign-in: %d %q, want 403 请求被拒绝", p.status, textOf(p, "error-page"))
	}
}

// TestSessionSharedAcrossReplicas signs in on one app instance and uses the session on
// another over the same database, as behind a load balancer.
func TestSessionSharedAcrossReplicas(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.login("zzb")
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	other := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), a.store, cfg)
	defer other.Close()
	ts := httptest.NewServer(other.Handler())
	defer ts.Close()
	// Move the cookie to the second replica's address.
	from, err := url.Parse(a.url)
	if err != nil {
		t.Fatal(err)
	}
	to, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.http.Jar.SetCookies(to, c.http.Jar.Cookies(from))
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := c.do(req)
	if p.status != 200 || !strings.Contains(textOf(p, "whoami"), "周敏") {
		t.Fatalf("second replica: %d %q", p.status, textOf(p, "whoami"))
	}
}

func TestPasswordResetLiftsTheLock(t *testing.T) {
	a := newApp(t)
	for i := 0; i < 5; i++ {
		a.client().post("/login", url.Values{"username": {"lingdao"}, "password": {"guess"}})
	}
	if p := a.client().post("/login", url.Values{"username": {"lingdao"}, "password": {"pingyi2026"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("locked: %d", p.status)
	}
	office := a.client()
	office.login("zzb")
	u, err := a.store.UserByUsername(context.Background(), "lingdao")
	if err != nil {
		t.Fatal(err)
	}
	p := office.post(fmt.Sprintf("/users/%d/edit", u.ID), url.Values{"display_name": {u.DisplayName}, "role": {"leader"}, "active": {"1"}, "password": {"new-password-1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.status)
	}
	if p := a.client().post("/login", url.Values{"username": {"lingdao"}, "password": {"new-password-1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in after the office's reset: %d", p.status)
	}
}
