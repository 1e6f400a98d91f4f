package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// BenchmarkBox opens the box of a round of 100 subjects and 2,000 ballots, with the 三争创
// criteria off and required (every ballot rates all five criteria of every subject it did
// not abstain on). open: the key rebuilt from two shares, every ballot decrypted and
// tallied (voting.Open). count: the whole opening as the office runs it (voting.OpenBox:
// open, evaluate, write every result, criteria counts and talk task in one transaction).
// recount: a second opening compared with what was stored (voting.Recount).
func BenchmarkBox(b *testing.B) {
	for _, mode := range []string{store.CriteriaOff, store.CriteriaRequired} {
		b.Run("criteria="+mode, func(b *testing.B) {
			ctx := context.Background()
			st, round, shares := benchBox(b, mode)
			b.Run("open", func(b *testing.B) {
				for b.Loop() {
					c, err := voting.Open(ctx, st, round, shares[:2])
					if err != nil || c.Ballots != 2000 {
						b.Fatalf("%d ballots (%v)", c.Ballots, err)
					}
				}
			})
			b.Run("count", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					// Back to 待开箱: what the previous iteration wrote goes.
					for _, q := range []string{`DELETE FROM talks WHERE round_id = $1`, `DELETE FROM round_criteria WHERE round_id = $1`,
						`DELETE FROM round_results WHERE round_id = $1`, `DELETE FROM round_events WHERE round_id = $1 AND kind = 'opened'`,
						`UPDATE rounds SET status = 'counting', counted_at = NULL WHERE id = $1`} {
						if _, err := st.Pool().Exec(ctx, q, round.ID); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					if err := voting.OpenBox(ctx, st, round, shares[:2], "bench"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("recount", func(b *testing.B) {
				for b.Loop() {
					if diffs, err := voting.Recount(ctx, st, round, shares[1:], "bench"); err != nil || len(diffs) != 0 {
						b.Fatalf("recount: %d differences (%v)", len(diffs), err)
					}
				}
			})
		})
	}
}

// benchBox makes, through the store's public API, a round of 100 person subjects in the
// demo township with the criteria setting given, casts 2,000 public ballots on 8
// goroutines (choices and criteria ratings spread over the scale, some abstentions), and
// ends the vote. It returns the round, waiting to be counted, and its shares.
func benchBox(b *testing.B, mode string) (*store.Store, store.Round, []ballotbox.Share) {
	b.Helper()
	ctx := context.Background()
	st := pgtest.Store(b)
	if _, err := demo.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		b.Fatal(err)
	}
	orgs, err := st.AllOrganisations(ctx, town.ID)
	if err != nil {
		b.Fatal(err)
	}
	var gov int64
	for _, o := range orgs {
		if o.Kind == store.KindGovernment {
			gov = o.ID
		}
	}
	for i := 0; i < 100; i++ {
		if _, err := st.SavePerson(ctx, town.ID, 0, store.PersonInput{Name: fmt.Sprintf("压测干部%03d", i), Position: "干事", OrganisationID: gov, Level: 2, Active: true}); err != nil {
			b.Fatal(err)
		}
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		b.Fatal(err)
	}
	var public int64
	for _, c := range cats {
		if c.Name == "群众代表" {
			public = c.ID
		}
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "压测", Year: 2025, Kind: "special", Groups: store.DefaultGroups(),
		Categories: map[int64]string{public: store.GroupPublic}, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10,
		AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{2}, People: true, Criteria: mode})
	if err != nil {
		b.Fatal(err)
	}
	subs, err := st.RoundSubjects(ctx, town.ID, id)
	if err != nil {
		b.Fatal(err)
	}
	for i, s := range subs {
		if i >= 100 {
			if err := st.RemoveSubject(ctx, town.ID, s.ID); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Oral: true, OralNote: "压测"}); err != nil {
			b.Fatal(err)
		}
	}
	subs = subs[:100]
	if err := st.GenerateCodes(ctx, town.ID, id, public, 2000); err != nil {
		b.Fatal(err)
	}
	shares, err := voting.OpenRound(ctx, st, town.ID, id, "bench")
	if err != nil {
		b.Fatal(err)
	}
	slips, err := st.Slips(ctx, town.ID, id, public)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(slips) {
					return
				}
				marks := make([]ballotbox.Mark, len(subs))
				for k, s := range subs {
					marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(1 + (i+k)%5)}
					if mode != store.CriteriaOff && marks[k].Choice != rules.Abstention {
						for c := range marks[k].Criteria {
							marks[k].Criteria[c] = uint8(1 + (i+k+c)%4)
						}
					}
				}
				ci, err := st.Code(ctx, slips[i].Code)
				if err == nil {
					_, err = voting.Cast(ctx, st, slips[i].Code, ci, voting.NewToken(), marks)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	if err := st.EndVoting(ctx, town.ID, id); err != nil {
		b.Fatal(err)
	}
	round, err := st.Round(ctx, town.ID, id)
	if err != nil {
		b.Fatal(err)
	}
	return st, round, shares
}
