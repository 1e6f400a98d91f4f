package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"pingyi/internal/store"
)

type ctxKey int

const userKey ctxKey = 1

// currentUser is the signed-in account, or nil.
func currentUser(r *http.Request) *store.User {
	u, _ := r.Context().Value(userKey).(*store.User)
	return u
}

// securityHeaders sets a CSP without inline script, forbids framing and sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses cross-site unsafe requests (by Sec-Fetch-Site / Origin),
// with a Chinese page.
func crossOriginProtection(s *Server) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "请求被拒绝", "跨站提交的表单已被拒绝。请在本系统页面内操作。")
	}))
	return cop.Handler
}

// loadUser puts the signed-in, active account into the request context, and restricts
// the request's database work to the account's township (row-level security, store/scope.go):
// a visitor's request sees no township at all.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(store.WithTownships(r.Context()))
		id := s.sessions.GetInt64(r.Context(), "user_id")
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.store.SessionUser(r.Context(), id)
		// A deactivated account, or a password changed since this session signed in,
		// signs the session out.
		if errors.Is(err, store.ErrNotFound) || (err == nil && (!u.Active || u.SessionEpoch != s.sessions.GetInt(r.Context(), "epoch"))) {
			s.sessions.Remove(r.Context(), "user_id")
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if u.Role == store.RoleCounty {
			if r, err = s.countyUser(r, &u); err != nil {
				s.serverError(w, r, err)
				return
			}
		} else {
			r = r.WithContext(store.WithTownships(r.Context(), u.TownshipID))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, &u)))
	})
}

// requireUser sends visitors to the sign-in page.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) == nil {
			if r.Method == http.MethodGet {
				s.sessions.Put(r.Context(), "after_login", r.URL.RequestURI())
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// requireRole lets only the given roles through.
func (s *Server) requireRole(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u := currentUser(r); u == nil || !slices.Contains(roles, u.Role) {
				s.forbidden(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequest logs method, path and status, and times the request for the metrics by its
// route pattern (ops.go). It logs the path only, never the query, and ballot paths are
// redacted, so ballot codes never reach the logs. The access log is at info level with
// JSON logs (a log pipeline wants it) and at debug with text logs (a terminal does not);
// probes and metrics scrapes are always at debug.
func (s *Server) logRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		route := routePattern(r)
		s.ops.metrics.ObserveRequest(r.Method, route, sw.status, took)
		lvl := slog.LevelDebug
		if s.cfg.LogFormat == "json" && route != "/healthz" && route != "/readyz" && route != "/metrics" {
			lvl = slog.LevelInfo
		}
		s.log.Log(r.Context(), lvl, "request", "method", r.Method, "path", redactPath(r.URL.Path), "route", route,
			"status", sw.status, "ms", took.Milliseconds())
	})
}

// redactPath hides the code in /v/<code> (and the slips' upper-case /V/<code>) and
// similar rater paths.
func redactPath(p string) string {
	for _, prefix := range []string{"/v/", "/receipt/"} {
		if strings.HasPrefix(strings.ToLower(p), prefix) {
			return prefix + "…"
		}
	}
	return p
}

// clientIP is the address used for throttling and shown to the office. X-Forwarded-For
// is believed only from a configured proxy: walking it from the right, every hop that is
// itself a trusted proxy is skipped and the first other address is the client's.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trustedProxy(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			break
		}
		if !s.trustedProxy(a) {
			return a.Unmap().String()
		}
	}
	return host
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
