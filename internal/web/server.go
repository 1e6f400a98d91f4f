// Package web is pingyi's HTTP layer: handlers, middleware and the route map.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"

	"pingyi/internal/config"
	"pingyi/internal/store"
)

// Server holds the dependencies every handler uses.
type Server struct {
	log           *slog.Logger
	store         *store.Store
	sessions      *scs.SessionManager
	cfg           config.Config
	sessionsStore *pgxstore.PostgresStore
	// ballots caches an open round's ballot subjects. An open round is frozen, so the
	// cache never goes stale, on this replica or any other.
	ballots *sync.Map // round id -> []store.BallotSubject
	// ballotPages holds an open round's blank ballot per category, rendered and
	// compressed once (ballotpage.go).
	ballotPages *sync.Map // ballotPageKey -> *ballotPage
	// ops is health, metrics and the standby (ops.go).
	ops *opsState
	// stop ends the daily clean-up of the audit log.
	stop chan struct{}
}

// New builds a server. Sessions live in PostgreSQL, so they survive restarts and are
// shared by every replica.
func New(log *slog.Logger, st *store.Store, cfg config.Config) *Server {
	ps := pgxstore.NewWithCleanupInterval(st.Pool(), 10*time.Minute)
	sm := scs.New()
	sm.Store = ps
	sm.Lifetime = cfg.SessionLifetime
	sm.IdleTimeout = 2 * time.Hour
	sm.Cookie.Name = "pingyi_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	sm.Cookie.Path = "/"
	s := &Server{log: withRequestIDs(log), store: st, sessions: sm, cfg: cfg, sessionsStore: ps,
		ballots: &sync.Map{}, ballotPages: &sync.Map{}, ops: newOps(st), stop: make(chan struct{})}
	go s.pruneAudit()
	return s
}

// Close stops the clean-up goroutines (sessions, audit log).
func (s *Server) Close() {
	s.sessionsStore.StopCleanup()
	close(s.stop)
}

// pruneAudit deletes audit entries past their retention once a day (every replica does;
// the deletes are idempotent).
func (s *Server) pruneAudit() {
	tick := time.NewTicker(24 * time.Hour)
	defer tick.Stop()
	for {
		if s.cfg.AuditRetention > 0 {
			if n, err := s.store.PruneAudit(context.Background(), s.cfg.AuditRetention); err != nil {
				s.log.Error("audit retention", "err", err)
			} else if n > 0 {
				s.log.Info("audit retention", "deleted", n)
			}
		}
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}
