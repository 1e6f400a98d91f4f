package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pingyi/internal/metrics"
	"pingyi/internal/standby"
	"pingyi/internal/store"
)

// Operations: liveness and readiness probes, Prometheus metrics, a request id on every
// request and in every log line about it, graceful draining, and the read-only public
// pages served from a streaming standby while it keeps up.

// opsState is the operations side of a Server.
type opsState struct {
	metrics  *metrics.Metrics
	draining atomic.Bool
	// standby, when set, is a Server identical to this one but for its store, which reads
	// from the standby; monitor says whether the standby is fresh enough.
	standby *Server
	monitor *standby.Monitor
}

func newOps(st *store.Store) *opsState {
	m := metrics.New()
	m.WatchPool("primary", st.Pool())
	return &opsState{metrics: m}
}

// UseStandby sends the public pages (公示, 三公开) to a standby's store while mon finds it
// fresh enough, and to the primary otherwise; the metrics follow mon's checks. Call it
// before serving and before mon runs.
func (s *Server) UseStandby(st *store.Store, mon *standby.Monitor) {
	s.ops.metrics.WatchPool("standby", st.Pool())
	mon.OnCheck = func(c standby.Status) { s.ops.metrics.StandbyState(c.Usable, c.Lag) }
	c := *s
	c.store = st
	c.log = s.log.With("database", "standby")
	s.ops.standby, s.ops.monitor = &c, mon
}

// Drain makes /readyz answer 503 from now on: the server is shutting down and a load
// balancer should send its requests elsewhere. Requests still arrive and are answered.
func (s *Server) Drain() { s.ops.draining.Store(true) }

// healthz is the liveness probe: the process answers HTTP. It never touches the
// database, so a database outage does not get every replica restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz is the readiness probe: not draining, the database answers and its schema is
// the one this binary was built for.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	type answer struct {
		Status   string `json:"status"`
		Database string `json:"database"`
		Standby  string `json:"standby,omitempty"`
		Reason   string `json:"reason,omitempty"`
	}
	a := answer{Status: "ok", Database: "ok"}
	status := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.SchemaCurrent(ctx); err != nil {
		a.Status, a.Database, status = "unavailable", "unavailable", http.StatusServiceUnavailable
		a.Reason = "database unreachable"
		if isStale(err) {
			a.Database, a.Reason = "schema not current", "run `pingyi migrate`"
		}
		s.log.WarnContext(r.Context(), "not ready", "err", err)
	}
	if s.ops.draining.Load() {
		a.Status, a.Reason, status = "draining", "shutting down", http.StatusServiceUnavailable
	}
	if s.ops.monitor != nil {
		// The standby never makes the app unready: public pages fall back to the primary.
		if st := s.ops.monitor.Status(); st.Usable {
			a.Standby = "in use"
		} else {
			a.Standby = "not used: " + st.Reason
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

func isStale(err error) bool { return errors.Is(err, store.ErrStaleSchema) }

// metricsPage serves Prometheus metrics to the configured networks only; anyone else
// gets the ordinary 404 page. With PINGYI_METRICS_ADDR set, metrics live on that
// listener and this route always answers 404.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsAddr != "" || !s.metricsClient(r) {
		s.notFound(w, r)
		return
	}
	s.metricsHTTP().ServeHTTP(w, r)
}

// MetricsHandler serves /metrics alone, for the separate listener of PINGYI_METRICS_ADDR;
// it too answers only the configured networks.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.metricsClient(r) {
			http.NotFound(w, r)
			return
		}
		s.metricsHTTP().ServeHTTP(w, r)
	})
	return mux
}

func (s *Server) metricsHTTP() http.Handler {
	return promhttp.HandlerFor(s.ops.metrics.Registry, promhttp.HandlerOpts{})
}

// metricsClient reports whether the request comes from a network allowed to read metrics.
// Through a trusted reverse proxy the client is the one the proxy names; a forwarded
// request from a proxy that is not trusted is refused, since the proxy's own (often
// loopback) address says nothing about who asked.
func (s *Server) metricsClient(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	forwarded := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != ""
	if forwarded && !s.trustedProxy(peer) {
		return false
	}
	client, err := netip.ParseAddr(s.clientIP(r))
	return err == nil && s.cfg.MetricsAllowed(client)
}

// fromStandby runs a read-only public handler on the standby's store while the standby
// is fresh, and on the primary's otherwise. A page the standby cannot answer — not found
// (it may not have replayed a publication made a moment ago) or an error (it went away
// mid-request) — is answered again by the primary, so the standby never shows a visitor
// less than the primary would. The X-Pingyi-Database header says which one answered,
// and X-Pingyi-Standby why the standby did not (lag, down, error, not_found).
func (s *Server) fromStandby(h func(*Server, http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.ops.metrics
		if s.ops.standby != nil {
			reason := ""
			if st := s.ops.monitor.Status(); st.Usable {
				sw := &standbyWriter{w: w, h: http.Header{}}
				h(s.ops.standby, sw, r)
				switch {
				case !sw.failed:
					if !sw.wrote {
						sw.WriteHeader(http.StatusOK)
					}
					m.PublicRead(true)
					return
				case r.Context().Err() != nil:
					return // the visitor has gone: nobody to answer
				case sw.status == http.StatusNotFound:
					reason = "not_found"
				default:
					reason = "error"
				}
			} else {
				reason = st.Reason
			}
			m.StandbyFallback(reason)
			w.Header().Set("X-Pingyi-Standby", reason)
		}
		w.Header().Set("X-Pingyi-Database", "primary")
		m.PublicRead(false)
		h(s, w, r)
	}
}

// standbyWriter holds back a standby's answer until its status is known: a 404 or a 5xx
// is dropped, headers and all, so the primary can answer instead.
type standbyWriter struct {
	w             http.ResponseWriter
	h             http.Header
	status        int
	wrote, failed bool
}

func (sw *standbyWriter) Header() http.Header { return sw.h }

func (sw *standbyWriter) WriteHeader(code int) {
	if sw.wrote || sw.failed {
		return
	}
	sw.status = code
	if code == http.StatusNotFound || code >= 500 {
		sw.failed = true
		return
	}
	dst := sw.w.Header()
	for k, v := range sw.h {
		dst[k] = v
	}
	dst.Set("X-Pingyi-Database", "standby")
	sw.wrote = true
	sw.w.WriteHeader(code)
}

func (sw *standbyWriter) Write(b []byte) (int, error) {
	if !sw.wrote && !sw.failed {
		sw.WriteHeader(http.StatusOK)
	}
	if sw.failed {
		return len(b), nil
	}
	return sw.w.Write(b)
}

// Request ids: every request gets one, in the X-Request-Id response header and in every
// log line written with the request's context. A trusted proxy's id is kept, so its
// access log and ours can be joined.

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID(id) || !s.fromTrustedProxy(r) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && s.trustedProxy(a)
}

// goodRequestID accepts a proxy's id of up to 64 letters, digits and - _ . only, so a
// forged header cannot put anything odd into the logs.
func goodRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// requestIDHandler adds the request id to every record logged with a request's context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// withRequestIDs makes a logger whose records carry the request id of their context.
func withRequestIDs(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(requestIDHandler); ok {
		return l
	}
	return slog.New(requestIDHandler{l.Handler()})
}

// routePattern is the route chi matched ("/v/{code}"), never the path itself.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}
