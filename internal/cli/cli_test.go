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
	"pingyi/internal/store"
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
	// A township that does not exist is made only with its county: a typo is refused.
	code := Run(ctx, []string{"pingyi", "create-user", "-township", "青山镇", "-username", "qsz", "-name", "李青", "-role", "office"}, e, strings.NewReader("long-enough-pw\n"), &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "乡镇「青山镇」不存在") {
		t.Fatalf("create-user in a township that does not exist, no county: %d %q", code, errb.String())
	}
	errb.Reset()
	code = Run(ctx, []string{"pingyi", "create-user", "-township", "青山镇", "-county", "示范县", "-username", "qsz", "-name", "李青", "-role", "office"}, e, strings.NewReader("long-enough-pw\n"), &out, &errb)
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

// TestCountyCommands adds townships to a county and a county account, and refuses what
// would be wrong: a township twice, a county account with a township, a county with none.
func TestCountyCommands(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	e := env(map[string]string{"DATABASE_URL": url})
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"pingyi"}, args...), e, strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, msg := run("long-enough-pw\n", "create-user", "-role", "county", "-county", "示范县", "-username", "xian", "-name", "县委组织部"); code != 2 || !strings.Contains(msg, "还没有乡镇") {
		t.Fatalf("county account before any township: %d %q", code, msg)
	}
	for _, name := range []string{"青山镇", "白沙乡"} {
		if code, out, msg := run("", "create-township", "-county", "示范县", "-name", name); code != 0 || !strings.Contains(out, "已创建乡镇 "+name) {
			t.Fatalf("create-township %s: %d %q %q", name, code, out, msg)
		}
	}
	if code, _, msg := run("", "create-township", "-county", "示范县", "-name", "青山镇"); code != 1 || !strings.Contains(msg, "已存在") {
		t.Fatalf("a township twice: %d %q", code, msg)
	}
	if code, _, msg := run("", "create-township", "-name", "红岩镇"); code != 2 || !strings.Contains(msg, "-county") {
		t.Fatalf("a township without its county: %d %q", code, msg)
	}
	if code, _, msg := run("long-enough-pw\n", "create-user", "-role", "county", "-county", "示范县", "-township", "青山镇", "-username", "xian", "-name", "县委组织部"); code != 2 || !strings.Contains(msg, "不填 -township") {
		t.Fatalf("a county account with a township: %d %q", code, msg)
	}
	if code, out, msg := run("long-enough-pw\n", "create-user", "-role", "county", "-county", "示范县", "-username", "xian", "-name", "县委组织部"); code != 0 || !strings.Contains(out, "县级账号 xian") {
		t.Fatalf("county account: %d %q %q", code, out, msg)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByUsername(ctx, "xian")
	if err != nil || u.Role != store.RoleCounty || u.TownshipID != 0 {
		t.Fatalf("county account stored as %+v, %v", u, err)
	}
	if towns, err := st.CountyTownships(ctx, "示范县"); err != nil || len(towns) != 2 {
		t.Fatalf("county townships: %v %v", towns, err)
	}
}

func TestRulesSubcommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"pingyi", "rules"}, env(nil), strings.NewReader(`{"groups":{"g":100},"subjects":[{"id":"a","kind":"person"}]}`), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `"rounds"`) {
		t.Fatalf("rules: %d %q %q", code, out.String(), errb.String())
	}
}
