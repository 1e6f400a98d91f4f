package cli

import (
	"bytes"
	"strings"
	"testing"

	"pingyi/internal/config"
	"pingyi/internal/lan"
)

// TestPhoneAccessAdvice: `make run` on the default loopback address names the LAN
// address and the exact command that lets phones reach the ballot.
func TestPhoneAccessAdvice(t *testing.T) {
	addrs := []lan.Address{{IP: "192.168.1.23", Interface: "wlan0"}, {IP: "10.0.0.8", Interface: "eth0"}}
	load := func(m map[string]string) config.Config {
		cfg, err := config.Load(env(m))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	var b bytes.Buffer
	printPhoneAccess(&b, load(nil), addrs)
	out := b.String()
	for _, want := range []string{"192.168.1.23(wlan0)、10.0.0.8(eth0)", "现在只在 127.0.0.1:8080 上服务", "手机扫码后打不开",
		"PINGYI_ADDR=0.0.0.0:8080 PINGYI_BASE_URL=http://192.168.1.23:8080 make run"} {
		if !strings.Contains(out, want) {
			t.Errorf("advice lacks %q:\n%s", want, out)
		}
	}
	// Listening on the LAN with a LAN base URL: just where the phones go.
	b.Reset()
	printPhoneAccess(&b, load(map[string]string{"PINGYI_ADDR": "0.0.0.0:8084", "PINGYI_BASE_URL": "http://192.168.1.23:8084"}), addrs)
	if out := b.String(); !strings.Contains(out, "http://192.168.1.23:8084/v") || strings.Contains(out, "make run") {
		t.Errorf("ready for phones:\n%s", out)
	}
	// Listening on the LAN but the slips still say 127.0.0.1.
	b.Reset()
	printPhoneAccess(&b, load(map[string]string{"PINGYI_ADDR": "0.0.0.0:8084"}), addrs)
	if out := b.String(); !strings.Contains(out, "PINGYI_BASE_URL=http://192.168.1.23:8084") || strings.Contains(out, "现在只在") {
		t.Errorf("base URL still loopback:\n%s", out)
	}
	// No network at all.
	b.Reset()
	printPhoneAccess(&b, load(nil), nil)
	if !strings.Contains(b.String(), "未找到本机的局域网地址") {
		t.Errorf("no LAN:\n%s", b.String())
	}
}
