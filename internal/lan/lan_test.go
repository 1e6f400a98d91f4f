package lan

import "testing"

func TestUnreachable(t *testing.T) {
	for base, want := range map[string]bool{
		"http://127.0.0.1:8080":      true,
		"http://127.3.4.5":           true,
		"http://localhost:8080":      true,
		"http://app.localhost":       true,
		"http://[::1]:8080":          true,
		"http://0.0.0.0:8080":        true,
		"http://[::]:8080":           true,
		"":                           true,
		"http://192.168.1.23:8080":   false,
		"https://pingyi.example.gov": false,
		"http://10.0.0.5":            false,
	} {
		if got := Unreachable(base); got != want {
			t.Errorf("Unreachable(%q) = %v, want %v", base, got, want)
		}
	}
}

func TestListensLocalOnly(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "0.0.0.0:8080": false, ":8080": false, "192.168.1.2:8080": false} {
		if got := ListensLocalOnly(addr); got != want {
			t.Errorf("ListensLocalOnly(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestAddressesSkipLoopbackAndRankPrivate(t *testing.T) {
	for _, a := range Addresses() {
		if a.IP == "127.0.0.1" || a.Interface == "lo" || isVirtual(a.Interface) {
			t.Errorf("address %+v should not be offered to phones", a)
		}
	}
	if !(rank("192.168.1.2") < rank("10.1.1.1") && rank("10.1.1.1") < rank("172.16.0.9") && rank("172.16.0.9") < rank("203.0.113.5")) {
		t.Error("private ranges should come first, 192.168 before 10 before 172.16")
	}
}
