package store

import (
	"context"
	"fmt"
	"math/big"
	"sort"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/scoring"
)

// BoardRow is one subject's standing in a year: its total, its rank in its group
// (the county's where imported, else computed), its band, and last year's for movement.
type BoardRow struct {
	Subject      ScoreSubject
	Sheet        scoring.Sheet
	Scored       bool
	ComputedRank int
	Rank         int    // the rank that applies; 0: none
	RankSource   string // "county" or "computed"
	PrevRank     int
	Band         scoring.Band
	PrevBand     scoring.Band
}

// Total is the exact total shown to two decimals, "" when unscored.
func (r BoardRow) Total() string {
	if !r.Scored {
		return ""
	}
	return scoring.Format(r.Sheet.Total)
}

// Share is the total as a percentage of the maximum, to two decimals.
func (r BoardRow) Share() string {
	p := r.Sheet.Percent()
	if !r.Scored || p == nil {
		return ""
	}
	return scoring.Format(new(big.Rat).Mul(p, big.NewRat(100, 1)))
}

// RankMove is the rank's movement against last year.
func (r BoardRow) RankMove() string { return scoring.RankMove(r.PrevRank, r.Rank) }

// BandMove is 升级 / 降级 / 持平 against last year.
func (r BoardRow) BandMove() string { return scoring.Movement(r.PrevBand, r.Band) }

// BoardGroup is a ranking group with its rows, best rank first.
type BoardGroup struct {
	Key   string
	Label string
	Rows  []BoardRow
}

// BandCount is how many of a group's subjects are in one band.
type BandCount struct {
	Band  scoring.Band
	Count int
	Share string // percent of the group's banded subjects, two decimals
}

// BandCounts counts the group's banded subjects per band, best band first.
func (g BoardGroup) BandCounts() []BandCount {
	counts := map[scoring.Band]int{}
	total := 0
	for _, r := range g.Rows {
		if r.Band != "" {
			counts[r.Band]++
			total++
		}
	}
	var out []BandCount
	for _, b := range []scoring.Band{scoring.Advanced, scoring.Normal, scoring.Backward} {
		bc := BandCount{Band: b, Count: counts[b]}
		if total > 0 {
			bc.Share = scoring.Format(big.NewRat(int64(100*counts[b]), int64(total)))
		}
		out = append(out, bc)
	}
	return out
}

// Board is a year's ranks and bands.
type Board struct {
	Year   ScoreYear
	Groups []BoardGroup
	ByKey  map[string]BoardRow // by subject key (p<id> / o<id>)
}

// ScoreBoard computes a year's totals, ranks and bands, with last year's for movement.
func (s *Store) ScoreBoard(ctx context.Context, townshipID int64, year int) (Board, error) {
	y, err := s.ScoreYear(ctx, townshipID, year)
	if err != nil {
		return Board{}, err
	}
	b, err := s.board(ctx, y)
	if err != nil {
		return Board{}, err
	}
	if prev, err := s.ScoreYear(ctx, townshipID, year-1); err == nil {
		pb, err := s.board(ctx, prev)
		if err != nil {
			return Board{}, err
		}
		for gi := range b.Groups {
			for ri := range b.Groups[gi].Rows {
				r := &b.Groups[gi].Rows[ri]
				if p, ok := pb.ByKey[r.Subject.Key()]; ok {
					r.PrevRank, r.PrevBand = p.Rank, p.Band
					b.ByKey[r.Subject.Key()] = *r
				}
			}
		}
	}
	return b, nil
}

// board computes one year without movement.
func (s *Store) board(ctx context.Context, y ScoreYear) (Board, error) {
	subjects, err := s.ScoreSubjects(ctx, y.TownshipID, y.Year)
	if err != nil {
		return Board{}, err
	}
	templates, err := s.ScoreTemplates(ctx, y.TownshipID, y.Year)
	if err != nil {
		return Board{}, err
	}
	// One row per subject with its entries as arrays: a county's year is some 30,000
	// entries, and rows cost more than array elements on the wire.
	rows, _ := s.pool.Query(ctx, `
		SELECT e.subject_id, array_agg(e.clause_id), array_agg(e.points), array_agg(e.bonus), array_agg(e.deduction), array_agg(e.vetoed)
		FROM score_entries e JOIN score_subjects s ON s.id = e.subject_id
		WHERE s.township_id = $1 AND s.year = $2 GROUP BY e.subject_id`, y.TownshipID, y.Year)
	entries := map[int64]map[int64]scoring.Entry{}
	var sid int64
	var cids, points, bonus, deduction []int64
	var vetoed []bool
	_, err = pgx.ForEachRow(rows, []any{&sid, &cids, &points, &bonus, &deduction, &vetoed}, func() error {
		m := make(map[int64]scoring.Entry, len(cids))
		for i, c := range cids {
			m[c] = scoring.Entry{Points: points[i], Bonus: bonus[i], Deduction: deduction[i], Vetoed: vetoed[i]}
		}
		entries[sid] = m
		return nil
	})
	if err != nil {
		return Board{}, fmt.Errorf("store: score board: %w", err)
	}
	tpl := make(map[int64]scoring.Template, len(templates))
	for _, t := range templates {
		tpl[t.ID] = t.Scoring()
	}
	return ComputeBoard(y, subjects, tpl, entries), nil
}

// ComputeBoard is the arithmetic of a board, without the database: each subject's sheet
// from its template and entries, competition ranks per group (vetoed last), the county's
// rank where imported, and bands.
func ComputeBoard(y ScoreYear, subjects []ScoreSubject, templates map[int64]scoring.Template, entries map[int64]map[int64]scoring.Entry) Board {
	b := Board{Year: y, ByKey: make(map[string]BoardRow, len(subjects))}
	groups := map[string][]BoardRow{}
	bands := y.Bands()
	for _, sub := range subjects {
		r := BoardRow{Subject: sub}
		if sub.TemplateID != nil {
			if t, ok := templates[*sub.TemplateID]; ok {
				r.Sheet = scoring.Score(t, entries[sub.ID])
				r.Scored = r.Sheet.Scored > 0
			}
		}
		r.Band = bands.Classify(r.Sheet, r.Scored)
		groups[sub.GroupKey] = append(groups[sub.GroupKey], r)
	}
	for _, g := range ScoreGroups {
		list := groups[g.Key]
		if len(list) == 0 {
			continue
		}
		ranked := make([]scoring.Ranked, len(list))
		for i, r := range list {
			ranked[i] = scoring.Ranked{Key: r.Subject.Key(), Vetoed: r.Sheet.Vetoed}
			if r.Scored {
				ranked[i].Total = r.Sheet.Total
			}
		}
		ranks := scoring.Rank(ranked)
		for i := range list {
			r := &list[i]
			r.ComputedRank = ranks[r.Subject.Key()]
			switch {
			case r.Subject.CountyRank != nil:
				r.Rank, r.RankSource = *r.Subject.CountyRank, "county"
			case r.ComputedRank > 0:
				r.Rank, r.RankSource = r.ComputedRank, "computed"
			}
			b.ByKey[r.Subject.Key()] = *r
		}
		sortRows(list)
		b.Groups = append(b.Groups, BoardGroup{Key: g.Key, Label: g.Label, Rows: list})
	}
	return b
}

// sortRows puts ranked rows first by rank, unranked after, keeping the name order.
func sortRows(rows []BoardRow) {
	key := func(r BoardRow) int {
		if r.Rank == 0 {
			return 1 << 30
		}
		return r.Rank
	}
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}
