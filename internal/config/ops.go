package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Ops is the operations side of the configuration: the read-only standby, metrics,
// logs and shutdown. Every field has a default that suits one server on one machine.
type Ops struct {
	// ReplicaURL is a streaming standby that serves the read-only public pages (公示 /p/…,
	// 三公开 /gk/…) (PINGYI_REPLICA_URL); empty sends them to DATABASE_URL like the rest.
	ReplicaURL string
	// ReplicaMaxLag is how far behind the primary the standby may be before public pages
	// go back to the primary (PINGYI_REPLICA_MAX_LAG, a Go duration, default 5s).
	ReplicaMaxLag time.Duration
	// MetricsNetworks are the client networks that may read /metrics
	// (PINGYI_METRICS_NETWORKS, comma-separated CIDRs; default loopback only).
	MetricsNetworks []netip.Prefix
	// MetricsAddr, if set, serves /metrics on its own listener and not on Addr
	// (PINGYI_METRICS_ADDR), so a firewall or a NetworkPolicy can limit it by port.
	MetricsAddr string
	// LogFormat is text (for people) or json (for a log pipeline) (PINGYI_LOG_FORMAT).
	LogFormat string
	// ShutdownDelay is how long the server keeps serving after SIGTERM with /readyz
	// answering 503, so a load balancer stops sending it requests first
	// (PINGYI_SHUTDOWN_DELAY, default 0).
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish after
	// SIGTERM (PINGYI_SHUTDOWN_TIMEOUT, default 25s; Kubernetes waits 30s by default).
	ShutdownTimeout time.Duration
}

// DefaultMetricsNetworks are loopback, IPv4 and IPv6.
var DefaultMetricsNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func loadOps(getenv func(string) string) (Ops, error) {
	o := Ops{
		ReplicaURL:      strings.TrimSpace(getenv("PINGYI_REPLICA_URL")),
		ReplicaMaxLag:   5 * time.Second,
		MetricsNetworks: DefaultMetricsNetworks,
		MetricsAddr:     strings.TrimSpace(getenv("PINGYI_METRICS_ADDR")),
		LogFormat:       or(getenv("PINGYI_LOG_FORMAT"), "text"),
		ShutdownTimeout: 25 * time.Second,
	}
	var err error
	if o.ReplicaMaxLag, err = duration(getenv, "PINGYI_REPLICA_MAX_LAG", o.ReplicaMaxLag, 0, time.Hour); err != nil {
		return o, err
	}
	if o.ShutdownDelay, err = duration(getenv, "PINGYI_SHUTDOWN_DELAY", 0, 0, 5*time.Minute); err != nil {
		return o, err
	}
	if o.ShutdownTimeout, err = duration(getenv, "PINGYI_SHUTDOWN_TIMEOUT", o.ShutdownTimeout, time.Second, 10*time.Minute); err != nil {
		return o, err
	}
	if v := getenv("PINGYI_METRICS_NETWORKS"); strings.TrimSpace(v) != "" {
		if o.MetricsNetworks, err = cidrs("PINGYI_METRICS_NETWORKS", v); err != nil {
			return o, err
		}
	}
	switch o.LogFormat {
	case "text", "json":
	default:
		return o, fmt.Errorf("config: PINGYI_LOG_FORMAT %q must be text or json", o.LogFormat)
	}
	return o, nil
}

// duration reads a Go duration (5s, 500ms, 1m) within [lo, hi].
func duration(getenv func(string) string, name string, def, lo, hi time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return def, fmt.Errorf("config: %s %q must be a duration from %s to %s, such as 5s or 500ms", name, v, lo, hi)
	}
	return d, nil
}

// cidrs reads a comma-separated list of CIDRs or single addresses for the named variable.
func cidrs(name, v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("config: %s: %q is not an address or CIDR", name, f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %q is not an address or CIDR", name, f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// MetricsAllowed reports whether a client address may read /metrics.
func (o Ops) MetricsAllowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range o.MetricsNetworks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
