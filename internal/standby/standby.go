// Package standby decides, check by check, whether a streaming standby is fresh enough to
// answer the public pages. It measures staleness directly: every check reads the
// primary's WAL position (with the time it read it) and the standby's replayed position;
// the standby holds everything the primary had at the newest sampled time whose position
// it has replayed, so its lag is at most now minus that time. An idle primary costs no
// lag (the standby is caught up with the latest sample), and a standby that stopped
// receiving WAL ages at once even though it has replayed all it received.
package standby

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Status is the result of one check.
type Status struct {
	// Usable says public pages may be read from the standby.
	Usable bool
	// Lag is how stale the standby's data may be; negative when unknown.
	Lag time.Duration
	// Reason is why it is not usable: "down" (no answer) or "lag" (too far behind).
	Reason string
	// Checked is when the check ran.
	Checked time.Time
}

// Monitor checks a standby against its primary at a steady interval.
type Monitor struct {
	// primaryLSN and standbyLSN read the WAL positions (standbyLSN: replayed, or nil);
	// now is the clock. Tests replace them.
	primaryLSN func(context.Context) (int64, error)
	standbyLSN func(context.Context) (*int64, error)
	now        func() time.Time

	maxLag, interval time.Duration
	log              *slog.Logger
	// OnCheck, if set, is told every check's result (the metrics follow it).
	OnCheck func(Status)

	mu      sync.Mutex
	status  Status
	samples []sample // the primary's WAL position over the last while, oldest first
}

type sample struct {
	at  time.Time
	lsn int64
}

// New makes a monitor; call Run to start checking. Until the first check the standby is
// not used.
func New(primary, standby *pgxpool.Pool, maxLag time.Duration, log *slog.Logger) *Monitor {
	interval := min(max(maxLag/10, 100*time.Millisecond), time.Second)
	return &Monitor{
		primaryLSN: func(ctx context.Context) (lsn int64, err error) {
			err = primary.QueryRow(ctx, primaryLSNQuery).Scan(&lsn)
			return lsn, err
		},
		standbyLSN: func(ctx context.Context) (lsn *int64, err error) {
			err = standby.QueryRow(ctx, standbyLSNQuery).Scan(&lsn)
			return lsn, err
		},
		now:    time.Now,
		maxLag: maxLag, interval: interval, log: log,
		status: Status{Lag: -1, Reason: "down"},
	}
}

// Interval is the time between checks.
func (m *Monitor) Interval() time.Duration { return m.interval }

// Run checks until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		m.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Status is the latest check's result. A result older than a few intervals (the checker
// stalled) is not trusted: the standby counts as down.
func (m *Monitor) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.status
	if s.Usable && m.now().Sub(s.Checked) > 3*m.interval+m.maxLag {
		s.Usable, s.Reason = false, "down"
	}
	return s
}

const (
	primaryLSNQuery = `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint`
	// A promoted standby (or a primary named as the standby by mistake) is never behind
	// itself: its own WAL position counts.
	standbyLSNQuery = `SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::bigint`
)

// Check runs one check now and returns its result.
func (m *Monitor) Check(ctx context.Context) Status {
	ctx, cancel := context.WithTimeout(ctx, max(m.interval, time.Second))
	defer cancel()
	now := m.now()
	plsn, perr := m.primaryLSN(ctx)
	slsn, serr := m.standbyLSN(ctx)

	m.mu.Lock()
	defer m.mu.Unlock()
	if perr == nil {
		m.samples = append(m.samples, sample{at: now, lsn: plsn})
	}
	// Keep what could still prove a lag within the limit, and at least the newest sample.
	cut := 0
	for cut < len(m.samples)-1 && now.Sub(m.samples[cut].at) > m.maxLag+2*m.interval {
		cut++
	}
	m.samples = m.samples[cut:]

	st := Status{Lag: -1, Checked: now}
	switch {
	case serr != nil || slsn == nil:
		st.Reason = "down"
	default:
		for i := len(m.samples) - 1; i >= 0; i-- {
			if m.samples[i].lsn <= *slsn {
				st.Lag = now.Sub(m.samples[i].at)
				break
			}
		}
		st.Usable = st.Lag >= 0 && st.Lag <= m.maxLag
		if !st.Usable {
			st.Reason = "lag"
		}
	}
	if st.Usable != m.status.Usable || (m.status.Checked.IsZero() && !st.Usable) {
		switch {
		case st.Usable:
			m.log.Info("standby in use for public pages", "lag_ms", st.Lag.Milliseconds())
		case serr != nil:
			m.log.Warn("standby not used: no answer", "err", serr)
		default:
			m.log.Warn("standby not used", "reason", st.Reason, "lag_ms", st.Lag.Milliseconds(), "max_lag_ms", m.maxLag.Milliseconds())
		}
	}
	m.status = st
	if m.OnCheck != nil {
		m.OnCheck(st)
	}
	return st
}
