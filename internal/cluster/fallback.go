package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// standbyFallbacks makes the standby fall behind and then go away, with the app replicas
// running, and checks each time that the public pages go to the primary (and back to the
// standby once it has caught up): replay is paused on the standby while the primary
// writes, until the replicas find it too far behind; then the standby is stopped.
func (c *cluster) standbyFallbacks(ctx context.Context, base, page string, res *Result) error {
	sc, err := pgx.Connect(ctx, c.standbyURL)
	if err != nil {
		return err
	}
	defer sc.Close(ctx)
	if _, err := sc.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		return err
	}
	if _, err := c.pool.Exec(ctx, `UPDATE townships SET county = county`); err != nil {
		return err
	}
	if err := waitStandby(ctx, base, "not used: lag"); err != nil {
		return err
	}
	if res.LagFallback, err = servedBy(ctx, base, page, "primary", "lag"); err != nil {
		return err
	}
	if _, err := sc.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		return err
	}
	if err := waitStandby(ctx, base, "in use"); err != nil {
		return err
	}
	back, err := servedBy(ctx, base, page, "standby", "")
	if err != nil {
		return err
	}
	res.LagFallback = res.LagFallback && back
	sc.Close(ctx)
	c.standby.Stop()
	c.standby = nil
	if err := waitStandby(ctx, base, "not used: down"); err != nil {
		return err
	}
	res.DownFallback, err = servedBy(ctx, base, page, "primary", "down")
	return err
}

// waitStandby polls a replica's /readyz until it reports the standby as want.
func waitStandby(ctx context.Context, base, want string) error {
	hc := &http.Client{Timeout: 5 * time.Second}
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		resp, err := hc.Get(base + "/readyz")
		if err == nil {
			var a struct{ Standby string }
			json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
			if last = a.Standby; last == want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("the replica did not report the standby as %q within 30s (last: %q)", want, last)
}

// servedBy fetches a public page and reports whether it came, whole, from the database
// named, skipping the standby for the reason given.
func servedBy(ctx context.Context, base, page, database, reason string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+page, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK && resp.Header.Get("X-Pingyi-Database") == database &&
		resp.Header.Get("X-Pingyi-Standby") == reason, nil
}
