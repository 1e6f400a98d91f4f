package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"pingyi/internal/cluster"
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

// clusterCmd runs the county meeting day on a loopback cluster with this binary as both
// app replicas (`make cluster-test`).
func clusterCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	townships := fs.Int("townships", 20, "townships voting at once")
	raters := fs.Int("raters", 2000, "raters in all")
	clients := fs.Int("clients", 64, "phones casting at once")
	visitors := fs.Int("visitors", 8, "public page readers at once")
	noKill := fs.Bool("no-kill", false, "keep both replicas alive")
	direct := fs.Bool("direct", false, "replicas connect to the primary without PgBouncer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	bin, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "pingyi cluster:", err)
		return 1
	}
	res, err := cluster.Run(ctx, cluster.Options{Binary: bin, Townships: *townships, Raters: *raters, Clients: *clients,
		Visitors: *visitors, Durable: true, NoKill: *noKill, Direct: *direct, Backup: true, Log: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "pingyi cluster:", err)
		return 1
	}
	for _, p := range res.Problems() {
		fmt.Fprintln(stdout, "cluster: FAILED:", p)
	}
	fmt.Fprintln(stdout, res.Line())
	if len(res.Problems()) > 0 {
		return 1
	}
	return 0
}
