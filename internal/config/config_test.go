package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"PINGYI_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if len(c.TrustedProxies) != len(want) {
		t.Fatalf("proxies %v, want %v", c.TrustedProxies, want)
	}
	for i := range want {
		if c.TrustedProxies[i] != want[i] {
			t.Fatalf("proxies %v, want %v", c.TrustedProxies, want)
		}
	}
	if _, err := Load(env(map[string]string{"PINGYI_TRUSTED_PROXIES": "10.0.0.0/33"})); err == nil || !strings.Contains(err.Error(), `"10.0.0.0/33" is not an address or CIDR`) {
		t.Fatalf("a bad CIDR: %v", err)
	}
	// The old blanket switch let anyone forge an address: it is refused with the way out.
	if _, err := Load(env(map[string]string{"PINGYI_TRUST_PROXY": "true"})); err == nil || !strings.Contains(err.Error(), "PINGYI_TRUSTED_PROXIES") {
		t.Fatalf("PINGYI_TRUST_PROXY: %v", err)
	}
}

// TestSettingsAreChecked refuses values a deployment would regret at the first request:
// each message names the variable.
func TestSettingsAreChecked(t *testing.T) {
	bin := t.TempDir()
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"a folder without postgres":   {map[string]string{"PINGYI_PG_BIN": bin}, "PINGYI_PG_BIN"},
		"retention below six months":  {map[string]string{"PINGYI_AUDIT_RETENTION_DAYS": "30"}, "PINGYI_AUDIT_RETENTION_DAYS"},
		"retention not a number":      {map[string]string{"PINGYI_AUDIT_RETENTION_DAYS": "5y"}, "PINGYI_AUDIT_RETENTION_DAYS"},
		"a session of no hours":       {map[string]string{"PINGYI_SESSION_HOURS": "0"}, "PINGYI_SESSION_HOURS"},
		"an address without its port": {map[string]string{"PINGYI_ADDR": "127.0.0.1"}, "PINGYI_ADDR"},
	} {
		if _, err := Load(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "postgres"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"PINGYI_PG_BIN": bin + " ", "PINGYI_AUDIT_RETENTION_DAYS": "365"}))
	if err != nil || c.PGBin != bin || c.AuditRetention != 365*24*time.Hour {
		t.Fatalf("good settings: %+v %v", c, err)
	}
}
