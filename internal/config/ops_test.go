package config

import (
	"net/netip"
	"testing"
	"time"
)

func TestOpsDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.ReplicaURL != "" || c.ReplicaMaxLag != 5*time.Second || c.LogFormat != "text" || c.ShutdownTimeout != 25*time.Second || c.ShutdownDelay != 0 || c.MetricsAddr != "" {
		t.Fatalf("defaults: %+v", c.Ops)
	}
	for addr, want := range map[string]bool{"127.0.0.1": true, "127.8.9.10": true, "::1": true, "10.0.0.1": false, "::ffff:127.0.0.1": true} {
		if got := c.MetricsAllowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("metrics from %s: %v, want %v", addr, got, want)
		}
	}
}

func TestOpsSettings(t *testing.T) {
	c, err := Load(env(map[string]string{
		"PINGYI_REPLICA_URL": "postgres://standby/pingyi", "PINGYI_REPLICA_MAX_LAG": "750ms",
		"PINGYI_METRICS_NETWORKS": "10.42.0.0/16, 192.168.1.5", "PINGYI_METRICS_ADDR": ":9090",
		"PINGYI_LOG_FORMAT": "json", "PINGYI_SHUTDOWN_DELAY": "5s", "PINGYI_SHUTDOWN_TIMEOUT": "1m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ReplicaURL != "postgres://standby/pingyi" || c.ReplicaMaxLag != 750*time.Millisecond || c.MetricsAddr != ":9090" ||
		c.LogFormat != "json" || c.ShutdownDelay != 5*time.Second || c.ShutdownTimeout != time.Minute {
		t.Fatalf("settings: %+v", c.Ops)
	}
	if !c.MetricsAllowed(netip.MustParseAddr("10.42.7.1")) || !c.MetricsAllowed(netip.MustParseAddr("192.168.1.5")) || c.MetricsAllowed(netip.MustParseAddr("127.0.0.1")) {
		t.Fatalf("networks %v", c.MetricsNetworks)
	}
	for name, v := range map[string]string{
		"PINGYI_REPLICA_MAX_LAG": "5", "PINGYI_LOG_FORMAT": "xml", "PINGYI_METRICS_NETWORKS": "10.0.0.0/33",
		"PINGYI_SHUTDOWN_TIMEOUT": "0s", "PINGYI_SHUTDOWN_DELAY": "-1s",
	} {
		if _, err := Load(env(map[string]string{name: v})); err == nil {
			t.Errorf("%s=%q accepted", name, v)
		}
	}
}
