package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

// BenchmarkSlips2000 serves the slips page (one slip with its QR code per ballot code, to
// print and cut) of a round with 2,000 codes issued, to the office, as a browser asks for
// it; it reports the bytes sent.
func BenchmarkSlips2000(b *testing.B) {
	ctx := context.Background()
	st := pgtest.Store(b)
	if _, err := demo.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		b.Fatal(err)
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		b.Fatal(err)
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2,000 张测评码", Year: 2026, Kind: "year_end",
		Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1, 2, 3, 4}, People: true, Organisations: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.GenerateCodes(ctx, town.ID, id, cats[0].ID, 2000); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	cfg.BaseURL = "http://192.168.1.23:8080" // a LAN address, as at a meeting
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(ts.URL+"/login", url.Values{"username": {"zzb"}, "password": {demo.Password}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	page := fmt.Sprintf("%s/rounds/%d/slips", ts.URL, id)
	var sent int64
	b.ResetTimer()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, page, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("slips: status %d", resp.StatusCode)
		}
		sent = n
	}
	b.ReportMetric(float64(sent)/1024, "KB-sent")
}
