// Package deploy_test keeps deploy/ true: it parses every deployment file and checks the
// settings the README promises — the app through PgBouncer with no prepared statements,
// migrations and backups straight to the primary, public pages from the standby, probes
// on /healthz and /readyz, metrics kept to the monitoring network, enough replicas, a
// disruption budget, a grace period longer than the drain — and that every setting the
// files use is one pingyi reads and the README documents.
package deploy_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// doc is one parsed YAML document.
type doc = map[string]any

func parse(t *testing.T, path string) []doc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []doc
	for {
		var d doc
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
}

// get walks a parsed document: get(d, "spec", "template", "spec").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(doc)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func num(v any, path ...any) int {
	switch n := get(v, path...).(type) {
	case int:
		return n
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return -1
}

func durationOf(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

// hostOf is host:port of a postgres:// URL (with ${…} placeholders blanked).
func hostOf(t *testing.T, raw string) (string, url.Values) {
	t.Helper()
	raw = regexp.MustCompile(`\$\{[^}]*\}`).ReplaceAllString(raw, "x")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return u.Host, u.Query()
}

// throughPgBouncer checks an app DATABASE_URL: PgBouncer's address, and a query mode that
// needs no named prepared statements.
func throughPgBouncer(t *testing.T, where, dsn, bouncer string) {
	t.Helper()
	host, q := hostOf(t, dsn)
	if host != bouncer {
		t.Errorf("%s: DATABASE_URL goes to %s, not PgBouncer (%s)", where, host, bouncer)
	}
	switch q.Get("default_query_exec_mode") {
	case "exec", "cache_describe", "simple_protocol":
	default:
		t.Errorf("%s: DATABASE_URL through PgBouncer needs default_query_exec_mode=cache_describe (or exec), has %q", where, q.Get("default_query_exec_mode"))
	}
}

func composeEnv(svc any) map[string]string {
	env := map[string]string{}
	if m, ok := get(svc, "environment").(doc); ok {
		for k, v := range m {
			switch x := v.(type) {
			case string:
				env[k] = x
			case int:
				env[k] = strconv.Itoa(x)
			case bool:
				env[k] = strconv.FormatBool(x)
			}
		}
	}
	return env
}

func TestCompose(t *testing.T) {
	docs := parse(t, "compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	svcs, _ := get(docs[0], "services").(doc)
	for _, name := range []string{"db", "standby", "pgbouncer", "migrate", "app", "proxy", "backup"} {
		if svcs[name] == nil {
			t.Fatalf("compose has no %s service", name)
		}
	}
	app := svcs["app"]
	if n := num(app, "deploy", "replicas"); n != 2 {
		t.Errorf("app replicas: %d, want 2", n)
	}
	env := composeEnv(app)
	throughPgBouncer(t, "compose app", env["DATABASE_URL"], "pgbouncer:6432")
	if host, _ := hostOf(t, env["PINGYI_REPLICA_URL"]); host != "standby:5432" {
		t.Errorf("compose app: PINGYI_REPLICA_URL goes to %q, not the standby", host)
	}
	if env["PINGYI_LOG_FORMAT"] != "json" {
		t.Error("compose app: logs should be JSON")
	}
	if grace := durationOf(t, str(app, "stop_grace_period")); grace <= durationOf(t, env["PINGYI_SHUTDOWN_DELAY"])+durationOf(t, env["PINGYI_SHUTDOWN_TIMEOUT"]) {
		t.Errorf("compose app: stop_grace_period %v does not cover the drain", grace)
	}
	for _, name := range []string{"migrate", "backup"} {
		if host, q := hostOf(t, composeEnv(svcs[name])["DATABASE_URL"]); host != "db:5432" || q.Get("default_query_exec_mode") != "" {
			t.Errorf("compose %s: DATABASE_URL goes to %q; it must go to the primary directly", name, host)
		}
	}
	if !slices.Contains(asStrings(list(svcs["migrate"], "command")), "migrate") || !slices.Contains(asStrings(list(svcs["backup"], "command")), "backup") {
		t.Error("compose migrate / backup run the wrong commands")
	}
	// The primary archives its WAL and streams to the standby.
	cmd := strings.Join(asStrings(list(svcs["db"], "command")), " ")
	for _, want := range []string{"wal_level=replica", "archive_mode=on", "archive_command=", "max_wal_senders="} {
		if !strings.Contains(cmd, want) {
			t.Errorf("compose db: no %s", want)
		}
	}
	for _, v := range append(asStrings(list(svcs["db"], "volumes")), asStrings(list(svcs["standby"], "volumes"))...) {
		if strings.HasPrefix(v, "./") {
			if _, err := os.Stat(strings.SplitN(v, ":", 2)[0]); err != nil {
				t.Errorf("compose mounts %s, which does not exist", v)
			}
		}
	}
	standby, _ := os.ReadFile("postgres/standby.sh")
	if !strings.Contains(string(standby), "pg_basebackup") || !strings.Contains(string(standby), " -R") || !strings.Contains(string(standby), "hot_standby=on") {
		t.Error("postgres/standby.sh does not make a streaming hot standby")
	}
	// PgBouncer: transaction pooling on the port the app uses.
	ini := readINI(t, "pgbouncer/pgbouncer.ini")
	if ini["pool_mode"] != "transaction" || ini["listen_port"] != "6432" {
		t.Errorf("pgbouncer.ini: pool_mode %q, listen_port %q", ini["pool_mode"], ini["listen_port"])
	}
	if str(svcs["pgbouncer"], "build", "context") != "./pgbouncer" {
		t.Error("compose pgbouncer is not built from deploy/pgbouncer")
	}
	// nginx in front: /metrics refused, ballot paths unlogged, one request id.
	nginx, _ := os.ReadFile("nginx-compose.conf")
	for _, want := range []string{"location = /metrics { return 404; }", "X-Request-Id $request_id", `~^/[vV](/|$|\?)  0;`, "server app:8080"} {
		if !strings.Contains(string(nginx), want) {
			t.Errorf("nginx-compose.conf lacks %q", want)
		}
	}
	checkSettings(t, "compose.yaml", env)
}

func TestKubernetes(t *testing.T) {
	byKind := map[string]doc{}
	var files []string
	paths, _ := filepath.Glob("kubernetes/*.yaml")
	for _, p := range paths {
		files = append(files, filepath.Base(p))
		for _, d := range parse(t, p) {
			byKind[str(d, "kind")+"/"+str(d, "metadata", "name")] = d
		}
	}
	need := func(key string) doc {
		d := byKind[key]
		if d == nil {
			t.Fatalf("no %s in deploy/kubernetes (%v)", key, files)
		}
		return d
	}
	dep := need("Deployment/pingyi")
	secret := need("Secret/pingyi")
	secretValue := func(key string) string { return str(secret, "stringData", key) }

	replicas := num(dep, "spec", "replicas")
	if replicas < 3 {
		t.Errorf("pingyi replicas %d, want at least 3", replicas)
	}
	labels, _ := get(dep, "spec", "template", "metadata", "labels").(doc)
	c := get(dep, "spec", "template", "spec", "containers", 0)
	ports := map[string]int{}
	for _, p := range list(c, "ports") {
		ports[str(p, "name")] = num(p, "containerPort")
	}
	probe := func(name, path string) {
		if got := str(c, name, "httpGet", "path"); got != path {
			t.Errorf("%s on %q, want %s", name, got, path)
		}
		if port := str(c, name, "httpGet", "port"); ports[port] != 8080 {
			t.Errorf("%s on port %q", name, port)
		}
	}
	probe("readinessProbe", "/readyz")
	probe("livenessProbe", "/healthz")

	env := map[string]string{}
	for _, e := range list(c, "env") {
		if v := str(e, "value"); v != "" {
			env[str(e, "name")] = v
		} else if key := str(e, "valueFrom", "secretKeyRef", "key"); key != "" {
			env[str(e, "name")] = secretValue(key)
		}
	}
	throughPgBouncer(t, "kubernetes app", env["DATABASE_URL"], "pingyi-pgbouncer:6432")
	if host, _ := hostOf(t, env["PINGYI_REPLICA_URL"]); host != "pingyi-postgres-standby:5432" {
		t.Errorf("kubernetes app: PINGYI_REPLICA_URL goes to %q", host)
	}
	_, metricsPort, _ := strings.Cut(env["PINGYI_METRICS_ADDR"], ":")
	if p, _ := strconv.Atoi(metricsPort); p == 0 || p != ports["metrics"] {
		t.Errorf("PINGYI_METRICS_ADDR %q does not match the metrics port %d", env["PINGYI_METRICS_ADDR"], ports["metrics"])
	}
	drain := durationOf(t, env["PINGYI_SHUTDOWN_DELAY"]) + durationOf(t, env["PINGYI_SHUTDOWN_TIMEOUT"])
	if grace := time.Duration(num(dep, "spec", "template", "spec", "terminationGracePeriodSeconds")) * time.Second; grace <= drain {
		t.Errorf("terminationGracePeriodSeconds %v does not cover the drain %v", grace, drain)
	}
	checkSettings(t, "kubernetes/pingyi.yaml", env)

	// Disruptions never take the replicas below two.
	pdb := need("PodDisruptionBudget/pingyi")
	if !selects(get(pdb, "spec", "selector", "matchLabels"), labels) {
		t.Error("the PodDisruptionBudget does not select the app's pods")
	}
	if min := num(pdb, "spec", "minAvailable"); min < 2 || min >= replicas {
		t.Errorf("PodDisruptionBudget minAvailable %d with %d replicas: a drain must leave two, and be possible", min, replicas)
	}

	// The NetworkPolicy: the HTTP port from the ingress, the metrics port from Prometheus
	// in the monitoring namespace only.
	np := need("NetworkPolicy/pingyi")
	if !selects(get(np, "spec", "podSelector", "matchLabels"), labels) {
		t.Error("the NetworkPolicy does not select the app's pods")
	}
	metricsRules := 0
	for _, rule := range list(np, "spec", "ingress") {
		opens := map[int]bool{}
		for _, p := range list(rule, "ports") {
			opens[num(p, "port")] = true
		}
		if len(opens) == 0 {
			t.Error("a NetworkPolicy rule opens every port")
		}
		if !opens[ports["metrics"]] {
			continue
		}
		metricsRules++
		from := list(rule, "from")
		if len(from) == 0 {
			t.Error("the metrics port is open to everyone")
		}
		for _, peer := range from {
			if str(peer, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") != "monitoring" || get(peer, "ipBlock") != nil {
				t.Errorf("the metrics port is open to %v", peer)
			}
		}
		if opens[ports["http"]] {
			t.Error("the metrics rule also opens the HTTP port")
		}
	}
	if metricsRules != 1 {
		t.Errorf("%d rules open the metrics port", metricsRules)
	}

	// Migrations and backups: straight to the primary.
	job := need("Job/pingyi-migrate")
	jc := get(job, "spec", "template", "spec", "containers", 0)
	if !slices.Contains(asStrings(list(jc, "args")), "migrate") {
		t.Error("the migrate Job does not migrate")
	}
	direct := func(where string, container any) {
		key := str(container, "env", 0, "valueFrom", "secretKeyRef", "key")
		if host, q := hostOf(t, secretValue(key)); host != "pingyi-postgres:5432" || q.Get("default_query_exec_mode") != "" {
			t.Errorf("%s: DATABASE_URL (%s) goes to %q, not the primary directly", where, key, host)
		}
	}
	direct("migrate Job", jc)
	cron := need("CronJob/pingyi-backup")
	bc := get(cron, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
	if !slices.Contains(asStrings(list(bc, "args")), "backup") || str(cron, "spec", "schedule") == "" {
		t.Error("the backup CronJob does not back up daily")
	}
	direct("backup CronJob", bc)

	// Every Service the URLs name exists, and PgBouncer points at the primary.
	for _, svc := range []string{"pingyi-pgbouncer", "pingyi-postgres", "pingyi-postgres-standby", "pingyi"} {
		need("Service/" + svc)
	}
	pgb := need("Deployment/pingyi-pgbouncer")
	for _, e := range list(pgb, "spec", "template", "spec", "containers", 0, "env") {
		if str(e, "name") == "PGBOUNCER_DB_HOST" && str(e, "value") != "pingyi-postgres" {
			t.Errorf("PgBouncer points at %q", str(e, "value"))
		}
	}
	// The primary archives its WAL; the standby streams from it.
	pgArgs := strings.Join(asStrings(list(need("StatefulSet/pingyi-postgres"), "spec", "template", "spec", "containers", 0, "args")), " ")
	for _, want := range []string{"wal_level=replica", "archive_mode=on", "archive_command="} {
		if !strings.Contains(pgArgs, want) {
			t.Errorf("the primary's args lack %s", want)
		}
	}
	scripts := need("ConfigMap/pingyi-postgres-scripts")
	if s := str(scripts, "data", "standby.sh"); !strings.Contains(s, "pg_basebackup") || !strings.Contains(s, " -R") {
		t.Error("the standby's script does not copy the primary as a standby")
	}
}

// TestHostFiles: the host nginx refuses /metrics and passes a request id; systemd waits
// longer than pingyi's drain.
func TestHostFiles(t *testing.T) {
	nginx, _ := os.ReadFile("nginx.conf")
	for _, want := range []string{"location = /metrics { return 404; }", "X-Request-Id $request_id", `~^/[vV](/|$|\?)  0;`} {
		if !strings.Contains(string(nginx), want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	unit, _ := os.ReadFile("pingyi.service")
	m := regexp.MustCompile(`(?m)^TimeoutStopSec=(\d+)$`).FindStringSubmatch(string(unit))
	if m == nil {
		t.Fatal("pingyi.service has no TimeoutStopSec")
	}
	if s, _ := strconv.Atoi(m[1]); time.Duration(s)*time.Second <= 25*time.Second {
		t.Errorf("TimeoutStopSec=%s does not cover the default 25 s drain", m[1])
	}
}

// checkSettings: every PINGYI_ variable a deployment sets is one pingyi reads and one the
// README's configuration table documents.
func checkSettings(t *testing.T, where string, env map[string]string) {
	t.Helper()
	var source strings.Builder
	files, _ := filepath.Glob("../internal/config/*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			source.Write(b)
		}
	}
	readme, _ := os.ReadFile("../README.md")
	for name := range env {
		if !strings.HasPrefix(name, "PINGYI_") && name != "DATABASE_URL" {
			continue
		}
		if !strings.Contains(source.String(), `"`+name+`"`) {
			t.Errorf("%s sets %s, which pingyi does not read", where, name)
		}
		if !strings.Contains(string(readme), "| `"+name+"` |") {
			t.Errorf("%s sets %s, which the README's configuration table does not document", where, name)
		}
	}
}

func readINI(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

func asStrings(l []any) []string {
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// selects reports whether a matchLabels selector matches the labels.
func selects(sel any, labels doc) bool {
	m, ok := sel.(doc)
	if !ok || len(m) == 0 {
		return false
	}
	for k, v := range m {
		if labels[k] != v {
			return false
		}
	}
	return true
}
