package cluster_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"pingyi/internal/cluster"
	"pingyi/internal/pglocal"
	"pingyi/internal/pgtest"
)

// binary is the pingyi executable built once for this test binary.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pingyi-cluster-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "pingyi")
	_, here, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", binary, "./cmd/pingyi")
	build.Dir = filepath.Join(filepath.Dir(here), "..", "..")
	build.Env = os.Environ()
	if out, err := build.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTools fails (in CI) or skips where PostgreSQL or PgBouncer is missing.
func needTools(t *testing.T) {
	t.Helper()
	if _, err := pglocal.BinDir(); err != nil {
		pgtest.Fail(t, err)
	}
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		if _, err := os.Stat("/usr/sbin/pgbouncer"); err != nil {
			pgtest.Fail(t, err)
		}
	}
}

// TestCountyMeetingDay is the small version of `make cluster-test`: four townships, 200
// raters, through PgBouncer, public pages from the standby, one replica killed mid-run.
func TestCountyMeetingDay(t *testing.T) {
	needTools(t)
	res, err := cluster.Run(context.Background(), cluster.Options{Binary: binary, Townships: 4, Raters: 200, Clients: 16, Visitors: 4, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Line())
	for _, p := range res.Problems() {
		t.Error(p)
	}
	if !res.Killed || res.Failovers == 0 {
		t.Errorf("no replica was killed (%v) or nobody failed over (%d)", res.Killed, res.Failovers)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
