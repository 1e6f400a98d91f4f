// Package config reads pingyi's settings from environment variables.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting a deployment can change.
type Config struct {
	// DatabaseURL is a postgres:// URL; empty means `pingyi dev` boots a local cluster.
	DatabaseURL string
	// Addr is where the HTTP server listens (PINGYI_ADDR, default 127.0.0.1:8080).
	Addr string
	// BaseURL is the public address printed on ballot slips' QR codes (PINGYI_BASE_URL).
	BaseURL string
	// SecureCookies marks cookies Secure; set it when served over HTTPS (PINGYI_SECURE_COOKIES).
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed
	// (PINGYI_TRUSTED_PROXIES, comma-separated CIDRs or addresses). A request from any
	// other address is taken at its own address, whatever headers it sends.
	TrustedProxies []netip.Prefix
	// SessionLifetime is how long a staff sign-in lasts (PINGYI_SESSION_HOURS, default 12).
	SessionLifetime time.Duration
	// DataDir holds the local PostgreSQL cluster for `pingyi dev` (PINGYI_DATA_DIR, default .pgdata).
	DataDir string
	// LogLevel is debug, info, warn or error (PINGYI_LOG_LEVEL, default info).
	LogLevel string
	// CodeFailureDelay is the first step of the growing delay that slows failed ballot-code
	// lookups from one address (default 250ms; tests shorten it).
	CodeFailureDelay time.Duration
	// CJKFont is the Chinese TrueType font (.ttf or .ttc) embedded in exported PDFs
	// (PINGYI_CJK_FONT); empty looks in the usual Debian places (fonts-wqy-microhei).
	CJKFont string
	// PGBin is the folder of the PostgreSQL server binaries (initdb, postgres, pg_dump) that
	// `make run`, `make test` and `pingyi backup` use (PINGYI_PG_BIN); empty means the newest
	// under /usr/lib/postgresql.
	PGBin string
	// AuditRetention is how long the audit log keeps an entry (PINGYI_AUDIT_RETENTION_DAYS,
	// default 1825, at least 180); older entries are deleted once a day.
	AuditRetention time.Duration

	// Operations (ops.go): the read-only standby, metrics, logs and shutdown.
	Ops
}

// Load reads the configuration through getenv and checks it.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:      getenv("DATABASE_URL"),
		Addr:             or(getenv("PINGYI_ADDR"), "127.0.0.1:8080"),
		BaseURL:          strings.TrimRight(getenv("PINGYI_BASE_URL"), "/"),
		DataDir:          or(getenv("PINGYI_DATA_DIR"), ".pgdata"),
		LogLevel:         or(getenv("PINGYI_LOG_LEVEL"), "info"),
		SessionLifetime:  12 * time.Hour,
		CodeFailureDelay: 250 * time.Millisecond,
		CJKFont:          getenv("PINGYI_CJK_FONT"),
		AuditRetention:   1825 * 24 * time.Hour,
		PGBin:            PGBin(getenv),
	}
	if c.PGBin != "" {
		if fi, err := os.Stat(filepath.Join(c.PGBin, "postgres")); err != nil || fi.IsDir() {
			return c, fmt.Errorf("config: PINGYI_PG_BIN %q has no postgres program (it names a folder such as /usr/lib/postgresql/17/bin)", c.PGBin)
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("config: PINGYI_ADDR %q is not host:port", c.Addr)
	}
	var err error
	if c.SecureCookies, err = boolVar(getenv, "PINGYI_SECURE_COOKIES"); err != nil {
		return c, err
	}
	if getenv("PINGYI_TRUST_PROXY") != "" {
		return c, fmt.Errorf("config: PINGYI_TRUST_PROXY 已停用(它让任何人都能伪造来源地址);请改用 PINGYI_TRUSTED_PROXIES=反向代理的地址段,如 10.0.0.0/8")
	}
	if c.TrustedProxies, err = cidrs("PINGYI_TRUSTED_PROXIES", getenv("PINGYI_TRUSTED_PROXIES")); err != nil {
		return c, err
	}
	if v := getenv("PINGYI_SESSION_HOURS"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 1 || h > 24*30 {
			return c, fmt.Errorf("config: PINGYI_SESSION_HOURS %q must be a whole number of hours from 1 to 720", v)
		}
		c.SessionLifetime = time.Duration(h) * time.Hour
	}
	if v := getenv("PINGYI_AUDIT_RETENTION_DAYS"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 180 || d > 36500 {
			return c, fmt.Errorf("config: PINGYI_AUDIT_RETENTION_DAYS %q must be a whole number of days from 180 to 36500", v)
		}
		c.AuditRetention = time.Duration(d) * 24 * time.Hour
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("config: PINGYI_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if c.Ops, err = loadOps(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// PGBin is PINGYI_PG_BIN as getenv gives it: the folder of the PostgreSQL binaries, or ""
// for the newest installed. Tools without a Config (the test harness) read it here too.
func PGBin(getenv func(string) string) string { return strings.TrimSpace(getenv("PINGYI_PG_BIN")) }

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func boolVar(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("config: %s %q must be true or false", name, v)
	}
	return b, nil
}
