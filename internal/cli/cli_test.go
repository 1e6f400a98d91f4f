package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pingyi/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServeRefusesStaleSchema(t *testing.T) {
	url := pgtest.EmptyURL(t)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": url, "PINGYI_ADDR": "127.0.0.1:0"})
	var out, errb bytes.Buffer
	code := Run(ctx, []string{"pingyi", "serve"}, e, nil, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "pingyi migrate") {
		t.Fatalf("serve on an empty schema: exit %d, stderr %q", code, errb.String())
	}
	if code := Run(ctx, []string{"pingyi", "migrate"}, e, nil, &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	// Now serve starts, answers, and shuts down cleanly when its context ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e = env(map[string]string{"DATABASE_URL": url, "PINGYI_ADDR": addr})
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var serveErr bytes.Buffer
	exited := make(chan int, 1)
	go func() { exited <- Run(cctx, []string{"pingyi", "serve"}, e, nil, io.Discard, &serveErr) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/login")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /login: %s", resp.Status)
			}
			break
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d before answering: %s", code, serveErr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered on %s: %v", addr, err)
		}
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Fatalf("serve on a current schema: exit %d %s", code, serveErr.String())
	}
}

func TestCreateUserAndSeedDemo(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": url})
	var out, errb bytes.Buffer
	code := Run(ctx, []string{"pingyi", "create-user", "-township", "青山镇", "-username", "qsz", "-name", "李青", "-role", "office"}, e, strings.NewReader("long-enough-pw\n"), &out, &errb)
	if code != 0 {
		t.Fatalf("create-user: %d %s", code, errb.String())
	}
	errb.Reset()
	code = Run(ctx, []string{"pingyi", "create-user", "-township", "青山镇", "-username", "qsz2", "-name", "李", "-role", "office"}, e, strings.NewReader("short\n"), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "至少 8 位") {
		t.Fatalf("short password: %d %q", code, errb.String())
	}
	for i := 0; i < 2; i++ {
		out.Reset()
		if code := Run(ctx, []string{"pingyi", "seed-demo"}, e, nil, &out, &errb); code != 0 {
			t.Fatalf("seed-demo: %d %s", code, errb.String())
		}
	}
	if !strings.Contains(out.String(), "已存在") {
		t.Fatalf("second seed-demo should leave the township alone: %q", out.String())
	}
}

func TestRulesSubcommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"pingyi", "rules"}, env(nil), strings.NewReader(`{"groups":{"g":100},"subjects":[{"id":"a","kind":"person"}]}`), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `"rounds"`) {
		t.Fatalf("rules: %d %q %q", code, out.String(), errb.String())
	}
}
