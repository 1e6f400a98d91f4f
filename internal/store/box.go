package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/ballotbox"
)

// The sealed ballot box (密封票箱): scrutineers, the round's key, ending the vote,
// opening the box, recounting and destroying the sealed ballots.

// Errors of the box.
var (
	// ErrBallotsCast means the round's key cannot be made again: ballots were sealed with it.
	ErrBallotsCast = errors.New("store: ballots already cast")
	// ErrKeyChanged means a ballot was sealed with a key the round no longer has.
	ErrKeyChanged = errors.New("store: round key changed")
	// ErrNotCounting means the round's box is not waiting to be opened.
	ErrNotCounting = errors.New("store: round is not waiting to be counted")
	// ErrBoxMismatch means the opened box does not hold the ballots the round has.
	ErrBoxMismatch = errors.New("store: opened box does not match the stored ballots")
	// ErrDestroyed means the round's sealed ballots were destroyed.
	ErrDestroyed = errors.New("store: sealed ballots destroyed")
)

// Scrutineer is one of a round's scrutineers (监票人); Position is the number of the key
// share they hold.
type Scrutineer struct {
	Position int    `db:"position"`
	Name     string `db:"name"`
}

func setScrutineers(ctx context.Context, tx pgx.Tx, townshipID, roundID int64, names []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM round_scrutineers WHERE round_id = $1`, roundID); err != nil {
		return err
	}
	for i, n := range names {
		if _, err := tx.Exec(ctx, `INSERT INTO round_scrutineers (round_id, township_id, position, name) VALUES ($1, $2, $3, $4)`,
			roundID, townshipID, i+1, n); err != nil {
			return err
		}
	}
	return nil
}

// Scrutineers lists a round's scrutineers in the order of their shares.
func (s *Store) Scrutineers(ctx context.Context, townshipID, roundID int64) ([]Scrutineer, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT position, name FROM round_scrutineers WHERE township_id = $1 AND round_id = $2 ORDER BY position`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Scrutineer])
	if err != nil {
		return nil, fmt.Errorf("store: scrutineers: %w", err)
	}
	return items, nil
}

func roundEvent(ctx context.Context, q querier, townshipID, roundID int64, kind, by, note string) error {
	_, err := q.Exec(ctx, `INSERT INTO round_events (round_id, township_id, kind, by_user, note) VALUES ($1, $2, $3, $4, $5)`,
		roundID, townshipID, kind, by, note)
	return err
}

// RoundEvent is one recorded step of a round after its set-up.
type RoundEvent struct {
	Kind string    `db:"kind"`
	By   string    `db:"by_user"`
	Note string    `db:"note"`
	At   time.Time `db:"at"`
}

// RoundEventLabel is a box event in Chinese.
func RoundEventLabel(kind string) string {
	switch kind {
	case "keyed":
		return "生成监票密钥"
	case "rekeyed":
		return "重新生成监票密钥"
	case "opened":
		return "开箱计票"
	case "recount_match":
		return "复核计票:结果一致"
	case "recount_mismatch":
		return "复核计票:结果不一致"
	case "destroyed":
		return "销毁密封选票"
	case "published":
		return "公示"
	case "withdrawn":
		return "撤回公示"
	}
	return kind
}

// RoundEvents lists what happened to a round, oldest first.
func (s *Store) RoundEvents(ctx context.Context, townshipID, roundID int64) ([]RoundEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT kind, by_user, note, at FROM round_events WHERE township_id = $1 AND round_id = $2 ORDER BY id`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[RoundEvent])
	if err != nil {
		return nil, fmt.Errorf("store: box events: %w", err)
	}
	return items, nil
}

// Rekey replaces an open round's key while no ballot has been sealed with it, e.g. when
// a key sheet did not print. The old sheets no longer open anything.
func (s *Store) Rekey(ctx context.Context, townshipID, id int64, key ballotbox.Key, by string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Wait for ballots in flight, and hold new ones back until the new key is in.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, BallotLockClass, int32(id)); err != nil {
			return err
		}
		var status string
		var threshold, scrutineers, cast int
		if err := tx.QueryRow(ctx, `
			SELECT status, key_threshold, (SELECT count(*) FROM round_scrutineers x WHERE x.round_id = r.id)::int,
			       (SELECT count(*) FROM ballots b WHERE b.round_id = r.id)::int
			FROM rounds r WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, id).Scan(&status, &threshold, &scrutineers, &cast); err != nil {
			return notFound(err)
		}
		if status != StatusOpen {
			return ErrRoundNotOpen
		}
		if cast > 0 {
			return ErrBallotsCast
		}
		if key.Threshold != threshold || key.Shares != scrutineers {
			return fmt.Errorf("key is %d of %d, round wants %d of %d", key.Threshold, key.Shares, threshold, scrutineers)
		}
		if _, err := tx.Exec(ctx, `UPDATE rounds SET key_public = $2, key_commitments = $3, keyed_at = now() WHERE id = $1`,
			id, key.PublicKey, key.Commitments); err != nil {
			return err
		}
		return roundEvent(ctx, tx, townshipID, id, "rekeyed", by, key.Fingerprint())
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrRoundNotOpen) && !errors.Is(err, ErrBallotsCast) {
		return fmt.Errorf("store: rekey: %w", err)
	}
	return err
}

// EndVoting stops voting (结束投票): the round waits for its scrutineers to open the box.
// It waits for ballots in flight, so every ballot that got a receipt is in the box.
func (s *Store) EndVoting(ctx context.Context, townshipID, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, BallotLockClass, int32(id)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE rounds SET status = 'counting', closed_at = now(), box_progress = 0
			WHERE township_id = $1 AND id = $2 AND status = 'open'`, townshipID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrRoundNotOpen
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrRoundNotOpen) {
		return fmt.Errorf("store: end voting: %w", err)
	}
	return err
}

// SetBoxProgress records how many shares have been checked in the opening under way,
// for the projector (等待监票人开箱 1/2). Only the count is kept, never a share.
func (s *Store) SetBoxProgress(ctx context.Context, townshipID, id int64, n int) error {
	_, err := s.pool.Exec(ctx, `UPDATE rounds SET box_progress = $3 WHERE township_id = $1 AND id = $2`, townshipID, id, n)
	if err != nil {
		return fmt.Errorf("store: box progress: %w", err)
	}
	return nil
}

// SealedBallots returns a round's sealed ballots, for opening. ErrDestroyed once they
// have been destroyed.
func (s *Store) SealedBallots(ctx context.Context, townshipID, roundID int64) ([]ballotbox.Sealed, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT receipt, enc, sealed FROM ballots WHERE township_id = $1 AND round_id = $2`, townshipID, roundID)
	var out []ballotbox.Sealed
	var b ballotbox.Sealed
	destroyed := false
	_, err := pgx.ForEachRow(rows, []any{&b.Receipt, &b.Enc, &b.Sealed}, func() error {
		destroyed = destroyed || b.Enc == nil
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: sealed ballots: %w", err)
	}
	if destroyed {
		return nil, ErrDestroyed
	}
	return out, nil
}

// BoxLayout is what opening a round's box needs to know: the group of each rater
// category and the round's subjects.
type BoxLayout struct {
	GroupOf  map[int64]string
	Subjects []int64
}

// BoxLayout reads the round's frozen categories and subjects.
func (s *Store) BoxLayout(ctx context.Context, townshipID, roundID int64) (BoxLayout, error) {
	l := BoxLayout{GroupOf: map[int64]string{}}
	rows, _ := s.pool.Query(ctx, `
		SELECT rc.category_id, rc.group_key FROM round_categories rc
		WHERE rc.township_id = $1 AND rc.round_id = $2`, townshipID, roundID)
	var cat int64
	var group string
	if _, err := pgx.ForEachRow(rows, []any{&cat, &group}, func() error {
		l.GroupOf[cat] = group
		return nil
	}); err != nil {
		return l, fmt.Errorf("store: box layout: %w", err)
	}
	rows, _ = s.pool.Query(ctx, `SELECT id FROM round_subjects WHERE township_id = $1 AND round_id = $2 ORDER BY id`, townshipID, roundID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return l, fmt.Errorf("store: box layout: %w", err)
	}
	l.Subjects = ids
	return l, nil
}

// DestroyBallots destroys a counted round's sealed ballots (after the objection period):
// their contents are cleared, their receipts stay for the public check. No recount is
// possible afterwards. The scrutineers' key sheets should be shredded too.
func (s *Store) DestroyBallots(ctx context.Context, townshipID, id int64, by, note string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		round, err := lockRound(ctx, tx, townshipID, id)
		switch {
		case err != nil:
			return err
		case !round.Counted():
			return ErrNotCounted
		case round.BallotsDestroyedAt != nil:
			return ErrDestroyed
		}
		if _, err := tx.Exec(ctx, `UPDATE rounds SET ballots_destroyed_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ballots SET enc = NULL, sealed = NULL WHERE township_id = $1 AND round_id = $2`, townshipID, id); err != nil {
			return err
		}
		return roundEvent(ctx, tx, townshipID, id, "destroyed", by, note)
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotCounted) && !errors.Is(err, ErrDestroyed) {
		return fmt.Errorf("store: destroy ballots: %w", err)
	}
	return err
}
