package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestSlipsWarnWhenQRCodesPointAtLoopback: with the default base URL every QR code
// points at 127.0.0.1; the slips page says so plainly, before anyone prints, and names
// a command with a LAN address. With a LAN base URL there is no warning.
func TestSlipsWarnWhenQRCodesPointAtLoopback(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		warn bool
	}{
		{map[string]string{}, true},
		{map[string]string{"PINGYI_ADDR": "0.0.0.0:8080", "PINGYI_BASE_URL": "http://localhost:8080"}, true},
		{map[string]string{"PINGYI_ADDR": "0.0.0.0:8080", "PINGYI_BASE_URL": "http://192.168.1.23:8080"}, false},
	} {
		a := newAppEnv(t, tc.env)
		id, _, _ := testRound(t, a, roundSpec{})
		c := a.client()
		c.login("zzb")
		p := c.get(fmt.Sprintf("/rounds/%d/slips", id))
		if p.status != http.StatusOK || len(p.find("slip")) != 20 {
			t.Fatalf("%v: slips %d, %d slips", tc.env, p.status, len(p.find("slip")))
		}
		warning := textOf(p, "slips-base-warning")
		if (warning != "") != tc.warn {
			t.Fatalf("%v: warning %q, want shown=%v", tc.env, warning, tc.warn)
		}
		if tc.warn && !strings.Contains(warning, "手机扫这些二维码打不开") {
			t.Fatalf("%v: warning %q", tc.env, warning)
		}
		if s := textOf(p, "slips-base-suggestion"); tc.warn && s != "" && !strings.Contains(s, "PINGYI_BASE_URL=http://") {
			t.Fatalf("suggestion %q", s)
		}
	}
}
