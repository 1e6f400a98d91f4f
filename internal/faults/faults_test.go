package faults_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"pingyi/internal/faults"
	"pingyi/internal/pglocal"
	"pingyi/internal/pgtest"
)

// TestCastsSurviveFaults is the small version of `make faults`: 300 ballots from 32
// raters while the app is killed and PostgreSQL stopped (each twice) and a proxy drops
// commit replies. Every acknowledged ballot must be stored once, as cast.
func TestCastsSurviveFaults(t *testing.T) {
	if _, err := pglocal.BinDir(); err != nil {
		pgtest.Fail(t, err)
	}
	bin := filepath.Join(t.TempDir(), "pingyi")
	_, here, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./cmd/pingyi")
	build.Dir = filepath.Join(filepath.Dir(here), "..", "..")
	build.Env = os.Environ()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build pingyi: %v\n%s", err, out)
	}
	res, err := faults.Run(context.Background(), faults.Options{Casts: 300, Clients: 32, Binary: bin, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Line())
	if !res.OK() || res.AppKills != 2 || res.DBRestarts != 2 || res.DroppedAcks == 0 {
		t.Fatalf("%s; app killed %d×, PostgreSQL restarted %d×, %d commit replies dropped, %d opened ballots not as cast", res.Line(), res.AppKills, res.DBRestarts, res.DroppedAcks, res.Wrong)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
