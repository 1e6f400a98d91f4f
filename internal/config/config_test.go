package config

import (
	"net/netip"
	"strings"
	"testing"
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
