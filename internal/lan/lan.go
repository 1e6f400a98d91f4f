// Package lan finds the addresses other devices on the local network can reach this
// machine at, so ballot slips' QR codes point somewhere a rater's phone can open.
package lan

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// Address is one address of this machine on a local network.
type Address struct {
	IP        string
	Interface string
}

// virtual names interfaces that phones in the hall cannot reach: container bridges,
// VPN tunnels and the like.
var virtual = []string{"docker", "br-", "veth", "virbr", "cni", "flannel", "cali", "vxlan", "tun", "tap", "wg", "zt", "lxc", "podman"}

// Addresses lists this machine's IPv4 addresses on up, non-loopback, non-virtual
// interfaces, private ranges (192.168/16, 10/8, 172.16/12) first.
func Addresses() []Address {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []Address
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || isVirtual(ifc.Name) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip := ipn.IP.To4()
			if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
				continue
			}
			out = append(out, Address{IP: ip.String(), Interface: ifc.Name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].IP) < rank(out[j].IP) })
	return out
}

func isVirtual(name string) bool {
	for _, p := range virtual {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// rank puts the ranges a township office's Wi-Fi router hands out first.
func rank(ip string) int {
	switch {
	case strings.HasPrefix(ip, "192.168."):
		return 0
	case strings.HasPrefix(ip, "10."):
		return 1
	case net.ParseIP(ip).IsPrivate():
		return 2
	}
	return 3
}

// Unreachable reports whether a base URL points at this machine only, so that no
// phone can open it: localhost, a loopback address, or the unspecified 0.0.0.0 / ::.
func Unreachable(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return true
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// Port is the port of a listen address ("127.0.0.1:8080" -> "8080").
func Port(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "8080"
	}
	return port
}

// ListensLocalOnly reports whether a listen address accepts connections from this
// machine only.
func ListensLocalOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
