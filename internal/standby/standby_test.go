package standby

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// fake is a primary whose WAL moves when told and a standby that replays when told.
type fake struct {
	t               time.Time
	primary, replay int64
	down            bool
}

func newFake(maxLag time.Duration) (*fake, *Monitor) {
	f := &fake{t: time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)}
	m := &Monitor{
		primaryLSN: func(context.Context) (int64, error) { return f.primary, nil },
		standbyLSN: func(context.Context) (*int64, error) {
			if f.down {
				return nil, errors.New("connection refused")
			}
			v := f.replay
			return &v, nil
		},
		now:    func() time.Time { return f.t },
		maxLag: maxLag, interval: maxLag / 4,
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		status: Status{Lag: -1, Reason: "down"},
	}
	return f, m
}

func TestLag(t *testing.T) {
	ctx := context.Background()
	f, m := newFake(4 * time.Second)
	step := func(d time.Duration) { f.t = f.t.Add(d) }

	// Caught up: no lag, whatever the primary's position.
	f.primary, f.replay = 100, 100
	if s := m.Check(ctx); !s.Usable || s.Lag != 0 {
		t.Fatalf("caught up: %+v", s)
	}
	// An idle primary costs nothing: the standby has what the primary had just now.
	step(time.Minute)
	if s := m.Check(ctx); !s.Usable || s.Lag != 0 {
		t.Fatalf("idle primary: %+v", s)
	}
	// Writes arrive each second; the standby replays up to what the primary had 3 s ago.
	for i := 1; i <= 3; i++ {
		step(time.Second)
		f.primary = 100 + int64(i)*10
		m.Check(ctx)
	}
	step(time.Second)
	f.primary = 140
	f.replay = 110 // the primary's position 3 s ago
	if s := m.Check(ctx); !s.Usable || s.Lag != 3*time.Second {
		t.Fatalf("3 s behind: %+v", s)
	}
	// The standby stops replaying: as time goes on it falls behind the limit.
	for i := 0; i < 3; i++ {
		step(time.Second)
		f.primary += 10
		m.Check(ctx)
	}
	if s := m.Status(); s.Usable || s.Reason != "lag" {
		t.Fatalf("6 s behind with a 4 s limit: %+v", s)
	}
	// It catches up and is used again at once.
	step(time.Second)
	f.replay = f.primary
	if s := m.Check(ctx); !s.Usable || s.Lag != 0 {
		t.Fatalf("caught up again: %+v", s)
	}
	// Down: not used.
	step(time.Second)
	f.down = true
	if s := m.Check(ctx); s.Usable || s.Reason != "down" {
		t.Fatalf("down: %+v", s)
	}
	f.down = false
	m.Check(ctx)
	// A check result that has not been renewed for long (the checker stalled) is not trusted.
	step(time.Minute)
	if s := m.Status(); s.Usable || s.Reason != "down" {
		t.Fatalf("stale check: %+v", s)
	}
}

// TestNeverCaughtUp: a standby behind every position the monitor has seen is not used.
func TestNeverCaughtUp(t *testing.T) {
	f, m := newFake(time.Second)
	f.primary, f.replay = 500, 100
	if s := m.Check(context.Background()); s.Usable || s.Lag >= 0 {
		t.Fatalf("%+v", s)
	}
}
