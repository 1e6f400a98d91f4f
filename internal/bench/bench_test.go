package bench_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"pingyi/internal/bench"
)

// TestBenchSmall runs `make bench` in small (4 raters, 5 subjects, a second per load, a
// results page of 10 subjects and 200 ballots) so make test proves it still works end to
// end; the figures themselves are make bench's to print, not this test's to judge.
func TestBenchSmall(t *testing.T) {
	var out bytes.Buffer
	err := bench.Run(context.Background(), os.Getenv("DATABASE_URL"), bench.Options{Raters: 4, Duration: time.Second, Subjects: 5,
		ResultSubjects: 10, ResultBallots: 200}, &out)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	summary := regexp.MustCompile(`(?m)^ballots: app=\d+/s reference=\d+/s ratio=[\d.]+ p99=\d+ms$`)
	if !summary.Match(out.Bytes()) {
		t.Fatalf("no summary line in the output")
	}
	if !bytes.Contains(out.Bytes(), []byte("box: opened and tallied")) {
		t.Fatalf("no box-opening figure in the output")
	}
}
