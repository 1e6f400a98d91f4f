package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// render writes a component into a buffer first, so a template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// serverError logs the error and shows a plain 500 page, never the error text.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "server error", "method", r.Method, "path", redactPath(r.URL.Path), "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "服务器错误", "处理请求时出错,已记录。请稍后重试,或联系系统管理员。")
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	var buf bytes.Buffer
	if err := view.ErrorPage(status, title, msg).Render(r.Context(), &buf); err != nil {
		http.Error(w, title, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "页面不存在", "您要找的页面不存在,或您无权查看。")
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "无权访问", "您的账号无权使用此页面。")
}

// storeError maps ErrNotFound to 404 and anything else to 500.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.serverError(w, r, err)
}

// idParam reads {id} from the path; 0 if it is not a positive number.
func idParam(r *http.Request) int64 {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// chrome builds the page frame for the signed-in user, taking any flash message.
func (s *Server) chrome(r *http.Request, title, nav string) view.Chrome {
	c := view.Chrome{Title: title, Nav: nav, User: currentUser(r)}
	if c.User != nil {
		c.Township = c.User.TownshipName
		if c.User.Role == store.RoleCounty {
			c.Township = strings.TrimSuffix(c.User.County+" · "+c.User.TownshipName, " · ")
		}
	}
	c.Flash = s.popFlash(r)
	return c
}

// Flash kinds: a success is green, a failure red, a neutral notice blue. Every message
// names its kind, so a refusal never shows in the success banner.
const (
	flashOK   = view.FlashOK
	flashBad  = view.FlashBad
	flashInfo = view.FlashInfo
	flashWarn = view.FlashWarn
)

// flash leaves a message of the given kind for the next page.
func (s *Server) flash(r *http.Request, kind, msg string) {
	if kind == flashBad {
		auditRefused(r) // a refusal told in red changed nothing
	}
	s.sessions.Put(r.Context(), "flash", msg)
	s.sessions.Put(r.Context(), "flash_kind", kind)
}

// popFlash takes the message left for this page, if any.
func (s *Server) popFlash(r *http.Request) view.Flash {
	msg := s.sessions.PopString(r.Context(), "flash")
	kind := s.sessions.PopString(r.Context(), "flash_kind")
	if msg == "" {
		return view.Flash{}
	}
	switch kind {
	case flashOK, flashBad, flashInfo, flashWarn:
	default:
		kind = flashInfo // a message left before kinds existed: neither green nor red
	}
	return view.Flash{Kind: kind, Text: msg}
}
