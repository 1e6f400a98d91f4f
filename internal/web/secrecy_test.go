package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/pglocal"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// TestSecrecyFromACopyOfTheCluster is the threat model's test: someone who, after the
// fact, holds every byte the cluster wrote (relation files, WAL segments, the server's
// log) and the app's log, and knows which code each rater received, must not find any
// single ballot's choices there. It runs its own PostgreSQL, whose files it can read.
func TestSecrecyFromACopyOfTheCluster(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pingyi-secrecy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // as root, the server runs as postgres and must enter it
		t.Fatal(err)
	}
	serverLog, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer serverLog.Close()
	pg, err := pglocal.Start(ctx, pglocal.Options{DataDir: filepath.Join(dir, "data"), Log: serverLog})
	if err != nil {
		pgtest.Fail(t, err)
	}
	t.Cleanup(func() { pg.Stop() })
	if err := store.Migrate(pg.URL("postgres")); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	t.Cleanup(st.Close)
	// Statement logging on, as a careless administrator might leave it.
	if _, err := pool.Exec(ctx, `ALTER SYSTEM SET log_statement = 'all'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `SELECT pg_reload_conf()`); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	var appLog syncBuffer
	a := serveApp(t, st, &appLog)
	// The round asks for the 三争创 criteria (optional): they are sealed with the rest.
	f := criteriaRound(t, a, store.CriteriaOptional, "")

	// Every rater casts a ballot with its own pattern of choices and criteria ratings.
	type cast struct {
		code, receipt string
		levels        []uint8
		criteria      []uint8 // five per subject, 0 not rated
		category      int64
	}
	var casts []cast
	for i, code := range f.codes[:16] {
		ci, err := st.Code(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		c := cast{code: code, category: ci.CategoryID}
		form := url.Values{"step": {"cast"}}
		rng := rand.New(rand.NewPCG(uint64(i), 2026))
		for _, s := range f.subs {
			level := uint8(1 + rng.IntN(5))
			c.levels = append(c.levels, level)
			form.Set(fmt.Sprintf("s%d", s.ID), strconv.Itoa(int(level)))
			for k := 1; k <= 5; k++ {
				var r uint8
				if level != 5 { // an abstention has no criteria
					r = uint8(rng.IntN(5))
				}
				c.criteria = append(c.criteria, r)
				form.Set(fmt.Sprintf("c%d_%d", s.ID, k), strconv.Itoa(int(r)))
			}
		}
		phone := a.client()
		phone.get("/v/" + code)
		p := phone.post("/v/ballot", form)
		if c.receipt = textOf(p, "receipt"); c.receipt == "" {
			t.Fatalf("cast %d: %d", i, p.status)
		}
		casts = append(casts, c)
	}
	seen := map[string]bool{}
	for _, c := range casts {
		if seen[string(c.levels)] || seen[string(c.criteria)] {
			t.Fatal("two ballots with the same choices: the test could not tell them apart")
		}
		seen[string(c.levels)], seen[string(c.criteria)] = true, true
	}

	// What a ballot in clear could look like on disk: the sealed plaintext itself (choices
	// and criteria), its levels as bytes, as digits, as a PostgreSQL array, and the posted
	// form; its criteria ratings as bytes, as digits, as JSON arrays, and as posted.
	needles := func(c cast) [][]byte {
		b := ballotbox.Ballot{CategoryID: c.category}
		var digits, critDigits []string
		for j, s := range f.subs {
			m := ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(c.levels[j])}
			copy(m.Criteria[:], c.criteria[5*j:5*j+5])
			b.Marks = append(b.Marks, m)
			digits = append(digits, strconv.Itoa(int(c.levels[j])))
		}
		for _, r := range c.criteria {
			critDigits = append(critDigits, strconv.Itoa(int(r)))
		}
		// The first subject the rater did not abstain on, as its criteria were posted and
		// as a JSON array of its five ratings.
		j := 0
		for c.levels[j] == 5 {
			j++
		}
		id, r := f.subs[j].ID, c.criteria[5*j:5*j+5]
		posted := fmt.Sprintf("c%d_1=%d&c%d_2=%d&c%d_3=%d", id, r[0], id, r[1], id, r[2])
		return [][]byte{b.Plaintext(), c.levels, []byte(strings.Join(digits, "")), []byte("{" + strings.Join(digits, ",") + "}"),
			[]byte(fmt.Sprintf("s%d=%d&s%d=%d", f.subs[0].ID, c.levels[0], f.subs[1].ID, c.levels[1])),
			c.criteria, []byte(strings.Join(critDigits, "")), []byte("[" + strings.Join(critDigits[5*j:5*j+5], ", ") + "]"), []byte(posted)}
	}
	scan := func(when string) {
		t.Helper()
		if _, err := pool.Exec(ctx, `CHECKPOINT`); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `SELECT pg_switch_wal()`); err != nil {
			t.Fatal(err)
		}
		var files, size int
		corpus := map[string][]byte{"app log": []byte(appLog.String())}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) { // a file the server just removed
					return nil
				}
				return err
			}
			corpus[path] = b
			files++
			size += len(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: read %d files, %d MB (relation files, WAL, server log) and the app log", when, files, size>>20)
		// The scan can see: every receipt, stored in clear by design, is found.
		for _, c := range casts {
			found := false
			for _, b := range corpus {
				found = found || bytes.Contains(b, []byte(c.receipt))
			}
			if !found {
				t.Fatalf("%s: receipt %s not found: the scan does not see what was written", when, c.receipt)
			}
		}
		for i, c := range casts {
			for k, n := range needles(c) {
				for path, b := range corpus {
					if bytes.Contains(b, n) {
						t.Fatalf("%s: ballot %d's choices (form %d) found in %s", when, i, k, path)
					}
				}
			}
		}
	}
	scan("while voting is open")

	office := a.client()
	office.login("zzb")
	office.count(f)
	if p := office.post(fmt.Sprintf("/rounds/%d/publish", f.id), url.Values{"from": {"2026-01-05"}, "to": {"2026-01-12"}, "contact": {"组织办"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.status)
	}
	round, err := st.Round(ctx, 1, f.id)
	if err != nil || round.Status != store.StatusPublished {
		t.Fatalf("round after count and publication: %s (%v)", round.Status, err)
	}
	scan("after the box was opened and the results published")

	// One share short of k opens nothing; k shares open the box again.
	if _, err := voting.Open(ctx, st, round, f.shares[:1]); !errors.Is(err, ballotbox.ErrTooFewShares) {
		t.Fatalf("k−1 shares: %v", err)
	}
	count, err := voting.Open(ctx, st, round, f.shares[1:])
	if err != nil || count.Ballots != len(casts) {
		t.Fatalf("k shares: %d ballots (%v), want %d", count.Ballots, err, len(casts))
	}
	if p := office.get(fmt.Sprintf("/rounds/%d/results", f.id)); p.status != http.StatusOK {
		t.Fatalf("results: %d", p.status)
	}
}
