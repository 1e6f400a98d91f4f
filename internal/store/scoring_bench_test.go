package store_test

import (
	"context"
	"fmt"
	"testing"

	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

// BenchmarkCountyProposals is the year-end work of a county-sized township: 2,000
// subjects (organisations and cadres of all four levels) with five years of scoresheets
// (about 150,000 clause scores) and two closed rounds a year (20,000 results), read from
// PostgreSQL, totalled, ranked and banded per year, and evaluated by internal/rules into
// the last year's standings and proposals. One op is one Standings call: what the
// proposals page computes.
func BenchmarkCountyProposals(b *testing.B) {
	ctx := context.Background()
	st := pgtest.Store(b)
	town, err := st.EnsureTownship(ctx, "示范镇", "示范县")
	if err != nil {
		b.Fatal(err)
	}
	tid := town.ID
	pool := st.Pool()
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	// 100 villages (branch + committee), 60 agencies, the committee and government;
	// 1,838 cadres: 2,000 subjects in all.
	exec(`INSERT INTO villages (township_id, name) SELECT $1, '村' || g FROM generate_series(1, 100) g`, tid)
	exec(`INSERT INTO organisations (township_id, name, kind, level, village_id)
		SELECT $1, v.name || k.suffix, k.kind, 3, v.id FROM villages v
		CROSS JOIN (VALUES ('党支部', 'village_branch'), ('村委会', 'village_committee')) k(suffix, kind) WHERE v.township_id = $1`, tid)
	exec(`INSERT INTO organisations (township_id, name, kind, level) SELECT $1, '站所' || g, 'agency', 4 FROM generate_series(1, 60) g`, tid)
	exec(`INSERT INTO organisations (township_id, name, kind, level) VALUES ($1, '乡党委', 'party_committee', 1), ($1, '乡政府', 'government', 1)`, tid)
	exec(`INSERT INTO people (township_id, name, organisation_id, level, village_cadre)
		SELECT $1, '干部' || g, o.id, CASE WHEN g % 10 = 0 THEN 1 WHEN g % 3 = 0 THEN 2 WHEN g % 3 = 1 THEN 3 ELSE 4 END, g % 3 = 1
		FROM generate_series(1, 1838) g, (SELECT id FROM organisations WHERE township_id = $1 AND kind = 'government') o`, tid)
	years := []int{2025, 2026, 2027, 2028, 2029}
	for _, y := range years {
		if err := st.StartScoreYear(ctx, tid, y); err != nil {
			b.Fatal(err)
		}
		if y == years[0] { // later years copy it
			if _, err := st.CreateTemplateFrom(ctx, tid, y, firstTemplate(b, st, tid, y, "village"), "agency", "五好站所"); err != nil {
				b.Fatal(err)
			}
		}
		// Every clause scored: full marks less a pseudo-random deficit.
		exec(`INSERT INTO score_entries (subject_id, clause_id, points, scored_by_name)
			SELECT s.id, c.id, greatest(c.max_points - ((s.id * 7919 + c.id * 104729 + $3) % 7) * 50, 0), 'bench'
			FROM score_subjects s JOIN score_clauses c ON c.template_id = s.template_id
			WHERE s.township_id = $1 AND s.year = $2 AND NOT c.veto`, tid, y, y)
		// Two closed rounds with every subject's result.
		for _, kind := range []string{"mid_year", "year_end"} {
			var rid int64
			if err := pool.QueryRow(ctx, `INSERT INTO rounds (township_id, title, year, kind, status, closed_at)
				VALUES ($1, $2, $3, $4, 'closed', now()) RETURNING id`, tid, fmt.Sprint(y, kind), y, kind).Scan(&rid); err != nil {
				b.Fatal(err)
			}
			exec(`INSERT INTO round_groups (round_id, key, weight) VALUES ($1, 'peer', 40), ($1, 'public', 60)`, rid)
			exec(`INSERT INTO round_subjects (round_id, township_id, person_id, organisation_id, name, level)
				SELECT $2, $1, s.person_id, s.organisation_id, s.name, 3 FROM score_subjects s WHERE s.township_id = $1 AND s.year = $3`, tid, rid, y)
			exec(`INSERT INTO round_results (round_subject_id, round_id, tallies, outcome)
				SELECT rs.id, $1, jsonb_build_object('peer', jsonb_build_array(6, 1, 0, 0, 0),
				       'public', jsonb_build_array(40, 10 + rs.id % 3, (rs.id % 11), rs.id % 5, 1)), 'pass'
				FROM round_subjects rs WHERE rs.round_id = $1`, rid)
		}
	}
	var subjects, entries int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM score_subjects WHERE township_id = $1 AND year = 2029`, tid).Scan(&subjects); err != nil {
		b.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM score_entries`).Scan(&entries); err != nil {
		b.Fatal(err)
	}
	exec(`ANALYZE`)
	b.ResetTimer()
	var excellent int
	for b.Loop() {
		standings, err := st.Standings(ctx, tid, 2029)
		if err != nil {
			b.Fatal(err)
		}
		excellent = 0
		for _, s := range standings {
			if s.Excellent {
				excellent++
			}
		}
	}
	b.ReportMetric(float64(subjects), "subjects")
	b.ReportMetric(float64(entries), "scores")
	b.ReportMetric(float64(excellent), "excellent")
}

func firstTemplate(b *testing.B, st *store.Store, tid int64, year int, applies string) int64 {
	b.Helper()
	ts, err := st.ScoreTemplates(context.Background(), tid, year)
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range ts {
		if t.AppliesTo == applies {
			return t.ID
		}
	}
	b.Fatalf("no %s template", applies)
	return 0
}
