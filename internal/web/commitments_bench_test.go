package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pingyi/internal/config"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
	"pingyi/internal/web"
)

// BenchmarkPublicCommitmentPage serves the demo's 小漩村 public page (five items, progress
// with photos, comments) compressed, as a phone asks for it; it reports the bytes sent.
func BenchmarkPublicCommitmentPage(b *testing.B) {
	ctx := context.Background()
	st := pgtest.Store(b)
	if _, err := demo.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if _, err := demo.LoadCommitments(ctx, st, now); err != nil {
		b.Fatal(err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		b.Fatal(err)
	}
	vs, err := st.Villages(ctx, town.ID)
	if err != nil {
		b.Fatal(err)
	}
	var vid int64
	for _, v := range vs {
		if v.Name == "小漩村" {
			vid = v.ID
		}
	}
	c, err := st.CommitmentOf(ctx, town.ID, &vid, store.LocalDay(now).AddDate(0, 0, -45).Year())
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st, cfg)
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	url := fmt.Sprintf("%s/gk/c/%d", ts.URL, c.ID)
	var sent int64
	b.ResetTimer()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		sent = n
	}
	b.ReportMetric(float64(sent), "bytes/page")
}
