package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"pingyi/internal/config"
	"pingyi/internal/standby"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

// startOps starts what runs beside the web server: the standby's monitor (with
// PINGYI_REPLICA_URL) and the metrics listener (with PINGYI_METRICS_ADDR). The returned
// function stops them.
func startOps(cfg config.Config, log *slog.Logger, st *store.Store, srv *web.Server) (func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	var stops []func()
	stop := func() {
		cancel()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if cfg.ReplicaURL != "" {
		rs, err := store.OpenReplica(cfg.ReplicaURL)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("PINGYI_REPLICA_URL: %w", err)
		}
		mon := standby.New(st.Pool(), rs.Pool(), cfg.ReplicaMaxLag, log)
		mon.OnCheck = func(s standby.Status) { srv.Metrics().StandbyState(s.Usable, s.Lag) }
		srv.UseStandby(rs, mon)
		done := make(chan struct{})
		go func() { mon.Run(ctx); close(done) }()
		stops = append(stops, func() { <-done; rs.Close() })
		log.Info("public pages read from the standby while it is at most this far behind", "max_lag_ms", cfg.ReplicaMaxLag.Milliseconds())
	}
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			stop()
			return nil, fmt.Errorf("无法监听 PINGYI_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := ms.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener", "err", err)
			}
		}()
		stops = append(stops, func() {
			c, done := context.WithTimeout(context.Background(), 2*time.Second)
			defer done()
			ms.Shutdown(c)
		})
		log.Info("metrics", "addr", cfg.MetricsAddr)
	}
	return stop, nil
}
