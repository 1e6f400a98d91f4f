package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// client is one browser or phone behind a client-side balancer: it has a replica it
// prefers and goes to the other when its own does not answer. Cookies are kept per host,
// not per port, so the sign-in or the ballot cookie goes along.
type client struct {
	bases     []string
	cur       int
	http      *http.Client
	failovers int
}

func newClient(bases []string, first int) *client {
	jar, _ := cookiejar.New(nil)
	return &client{bases: bases, cur: first % len(bases), http: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// errRefused is a request no replica would take.
var errRefused = errors.New("no replica answered")

// do sends one request, failing over to the other replica when the connection fails.
// Only a request that never reached a replica (the connection was refused) is sent again
// unless resend says the request is safe to repeat (a ballot with its submission token, a
// page read).
func (c *client) do(ctx context.Context, method, path string, form url.Values, resend bool) (int, http.Header, string, error) {
	var lastErr error
	for attempt := 0; attempt < 2*len(c.bases)+2; attempt++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, c.bases[c.cur]+path, body)
		if err != nil {
			return 0, nil, "", err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := c.http.Do(req)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil {
				return resp.StatusCode, resp.Header, string(b), nil
			}
			err = rerr
		}
		lastErr = err
		if ctx.Err() != nil {
			return 0, nil, "", ctx.Err()
		}
		var op *net.OpError
		if !resend && !(errors.As(err, &op) && op.Op == "dial") {
			return 0, nil, "", err
		}
		c.cur = (c.cur + 1) % len(c.bases)
		c.failovers++
		time.Sleep(time.Duration(20*(attempt+1)) * time.Millisecond)
	}
	return 0, nil, "", fmt.Errorf("%w: %v", errRefused, lastErr)
}

func (c *client) get(ctx context.Context, path string) (string, http.Header, error) {
	status, h, body, err := c.do(ctx, http.MethodGet, path, nil, true)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", path, status)
	}
	return body, h, err
}

func (c *client) post(ctx context.Context, path string, form url.Values, want int) (http.Header, string, error) {
	status, h, body, err := c.do(ctx, http.MethodPost, path, form, false)
	if err == nil && status != want {
		err = fmt.Errorf("POST %s: %d, want %d", path, status, want)
	}
	return h, body, err
}

func (c *client) login(ctx context.Context, user string) error {
	_, _, err := c.post(ctx, "/login", url.Values{"username": {user}, "password": {demo.Password}}, http.StatusSeeOther)
	return err
}

var (
	sheetRE = regexp.MustCompile(`(?s)data-testid="keysheet-groups">(.*?)</ol>`)
	groupRE = regexp.MustCompile(`<code>([0-9A-Z]+)</code>`)
)

// openRound opens voting and reads the scrutineers' shares off the key sheets.
func (c *client) openRound(ctx context.Context, round int64) ([]string, error) {
	_, body, err := c.post(ctx, fmt.Sprintf("/rounds/%d/open", round), url.Values{}, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var shares []string
	for _, m := range sheetRE.FindAllStringSubmatch(body, -1) {
		var groups []string
		for _, g := range groupRE.FindAllStringSubmatch(m[1], -1) {
			groups = append(groups, g[1])
		}
		shares = append(shares, strings.Join(groups, " "))
	}
	if len(shares) < 2 {
		return nil, fmt.Errorf("key sheets: %d shares in the page", len(shares))
	}
	return shares, nil
}

// closeAndPublish ends the vote, opens the box with the first two shares and publishes.
func (c *client) closeAndPublish(ctx context.Context, round int64, shares []string) error {
	if _, _, err := c.post(ctx, fmt.Sprintf("/rounds/%d/end", round), url.Values{}, http.StatusSeeOther); err != nil {
		return err
	}
	h, _, err := c.post(ctx, fmt.Sprintf("/rounds/%d/count", round), url.Values{"given": {shares[0]}, "share": {shares[1]}}, http.StatusSeeOther)
	if err != nil {
		return fmt.Errorf("open the box: %w", err)
	}
	if loc := h.Get("Location"); !strings.HasSuffix(loc, "/results") {
		return fmt.Errorf("open the box: sent to %q, not the results", loc)
	}
	from := time.Now().Format("2006-01-02")
	to := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
	_, _, err = c.post(ctx, fmt.Sprintf("/rounds/%d/publish", round), url.Values{"from": {from}, "to": {to}, "contact": {"乡党委组织办,电话 0719-1234567"}}, http.StatusSeeOther)
	return err
}

// castOutcome is one rater's vote as the phone saw it.
type castOutcome struct {
	receipt   string
	took      time.Duration // the cast that got the receipt
	failovers int
	err       error
}

var (
	radioRE   = regexp.MustCompile(`name="s(\d+)" value="1"`)
	receiptRE = regexp.MustCompile(`data-testid="receipt">([0-9A-Z]+)<`)
)

// phoneVote is one rater: scan the slip, load the ballot, answer every subject, cast.
// A cast that gets no answer is sent again, to whichever replica answers, with the same
// submission token (in the phone's cookie): it gets the original receipt, never a second
// ballot.
func phoneVote(ctx context.Context, c *client, code string, seed int) (out castOutcome) {
	defer func() { out.failovers = c.failovers }()
	rng := rand.New(rand.NewPCG(uint64(seed), 29))
	status, h, _, err := c.do(ctx, http.MethodGet, "/v/"+code, nil, true)
	if err != nil || status != http.StatusSeeOther || h.Get("Location") != "/v/ballot" {
		out.err = fmt.Errorf("scan: %d %v", status, err)
		return out
	}
	page, _, err := c.get(ctx, "/v/ballot")
	if err != nil {
		out.err = fmt.Errorf("ballot: %w", err)
		return out
	}
	ids := radioRE.FindAllStringSubmatch(page, -1)
	if len(ids) == 0 {
		out.err = errors.New("ballot: no subjects")
		return out
	}
	form := url.Values{"step": {"cast"}}
	for _, m := range ids {
		// One answer in twenty abstains (5): few enough that every group keeps the
		// round's minimum of valid votes, so every ballot shows in every subject's count.
		level := 1 + rng.IntN(4)
		if rng.IntN(20) == 0 {
			level = 5
		}
		form.Set("s"+m[1], strconv.Itoa(level))
	}
	for attempt := 0; attempt < 40; attempt++ {
		if attempt > 0 {
			time.Sleep(min(50*time.Millisecond<<min(attempt, 5), time.Second))
		}
		t := time.Now()
		status, _, body, err := c.do(ctx, http.MethodPost, "/v/ballot", form, true)
		if err != nil {
			out.err = err
			continue
		}
		if status == http.StatusOK {
			if m := receiptRE.FindStringSubmatch(body); m != nil {
				out.receipt, out.took, out.err = m[1], time.Since(t), nil
				return out
			}
		}
		out.err = fmt.Errorf("cast: %d", status)
		if status == http.StatusGone {
			return out // refused as used or closed: never retried into a second ballot
		}
	}
	return out
}

// visits is what the public page readers saw.
type visits struct {
	mu                       sync.Mutex
	took                     []time.Duration
	standby, primary, errors int
	skipped                  map[string]int // why the standby did not answer
}

// run reads the pages in turn until ctx ends.
func (v *visits) run(ctx context.Context, c *client, pages []string, seed int) {
	for i := seed; ctx.Err() == nil; i++ {
		t := time.Now()
		status, h, _, err := c.do(ctx, http.MethodGet, pages[i%len(pages)], nil, true)
		took := time.Since(t)
		if ctx.Err() != nil {
			return
		}
		v.mu.Lock()
		switch {
		case err != nil || status != http.StatusOK:
			v.errors++
		default:
			v.took = append(v.took, took)
			if h.Get("X-Pingyi-Database") == "standby" {
				v.standby++
			} else {
				v.primary++
				if v.skipped == nil {
					v.skipped = map[string]int{}
				}
				v.skipped[h.Get("X-Pingyi-Standby")]++
			}
		}
		v.mu.Unlock()
	}
}

var commitmentLinkRE = regexp.MustCompile(`href="(/gk/c/\d+)"`)

// publicPages are the public pages that exist before the day's results: 小漩乡's
// published rounds, its 三公开 index and its commitments.
func (c *cluster) publicPages(ctx context.Context, bases []string) ([]string, error) {
	var pages []string
	rows, err := c.pool.Query(ctx, `SELECT '/p/' || public_slug FROM rounds WHERE status = 'published' AND public_slug IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		pages = append(pages, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t, err := store.New(c.pool).TownshipByName(ctx, demo.Township)
	if err != nil {
		return nil, err
	}
	index := fmt.Sprintf("/gk/t/%d", t.ID)
	pages = append(pages, index)
	body, _, err := newClient(bases, 0).get(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("三公开 index: %w", err)
	}
	seen := map[string]bool{}
	for _, m := range commitmentLinkRE.FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] && len(seen) < 4 {
			seen[m[1]] = true
			pages = append(pages, m[1])
		}
	}
	if len(pages) < 3 {
		return nil, fmt.Errorf("only %d public pages to read: %v", len(pages), pages)
	}
	return pages, nil
}

var standbyMetricRE = regexp.MustCompile(`(?m)^pingyi_public_reads_total\{database="standby"\} (\S+)$`)

// standbyReads reads a replica's count of public pages answered by the standby.
func standbyReads(ctx context.Context, base string) (float64, error) {
	body, _, err := newClient([]string{base}, 0).get(ctx, "/metrics")
	if err != nil {
		return 0, fmt.Errorf("metrics: %w", err)
	}
	m := standbyMetricRE.FindStringSubmatch(body)
	if m == nil {
		return 0, nil
	}
	return strconv.ParseFloat(m[1], 64)
}

// codesInLogs counts the ballot codes that appear anywhere in the replicas' logs.
func codesInLogs(towns []town, apps []*app) int {
	tokenRE := regexp.MustCompile(`[` + store.CodeAlphabet + `]{` + strconv.Itoa(store.CodeLength) + `}`)
	seen := map[string]bool{}
	for _, a := range apps {
		b, err := os.ReadFile(a.logPath)
		if err != nil {
			continue
		}
		for _, tok := range tokenRE.FindAllString(strings.ToUpper(string(b)), -1) {
			seen[tok] = true
		}
	}
	n := 0
	for _, t := range towns {
		for _, code := range t.codes {
			if seen[code] {
				n++
			}
		}
	}
	return n
}

// app is a `pingyi serve` replica as a child process.
type app struct {
	name, base, logPath string
	cmd                 *exec.Cmd
	done                chan struct{}
}

func startApp(ctx context.Context, binary, name string, port int, env []string, logPath string) (*app, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(binary, "serve")
	cmd.Env = append([]string{"PINGYI_ADDR=" + addr, "PATH=/usr/bin:/bin"}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &app{name: name, base: "http://" + addr, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(a.done) }()
	hc := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if resp, err := hc.Get(a.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		select {
		case <-a.done:
			return nil, fmt.Errorf("replica %s exited: %s", name, lastLines(logPath))
		case <-ctx.Done():
			a.kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	a.kill()
	return nil, fmt.Errorf("replica %s not ready in 30s: %s", name, lastLines(logPath))
}

// kill ends the replica as a crash would.
func (a *app) kill() {
	a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
}

// stop ends the replica as an orchestrator would: SIGTERM, then wait.
func (a *app) stop() {
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		a.kill()
	}
}
