package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CodeAlphabet has no 0/O, 1/I/L: codes are read off paper and typed on phones.
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLength is the length of a ballot code: 31^10 ≈ 8×10^14 possibilities.
const CodeLength = 10

// RandomCode returns n characters from CodeAlphabet, drawn with crypto/rand.
func RandomCode(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(CodeAlphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = CodeAlphabet[v.Int64()]
	}
	return string(b)
}

// Errors of casting a ballot.
var (
	// ErrCodeUnknown means no such code exists.
	ErrCodeUnknown = errors.New("store: unknown ballot code")
	// ErrCodeSpent means the code has already cast its ballot.
	ErrCodeSpent = errors.New("store: ballot code already used")
	// ErrRoundNotOpen means the code's round is not open for voting.
	ErrRoundNotOpen = errors.New("store: round is not open")
)

// GenerateCodes issues n new codes for a category of a draft or open round.
func (s *Store) GenerateCodes(ctx context.Context, townshipID, roundID, categoryID int64, n int) error {
	if n < 1 || n > 2000 {
		return ErrInvalid
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM rounds r JOIN round_categories rc ON rc.round_id = r.id
			WHERE r.township_id = $1 AND r.id = $2 AND rc.category_id = $3 AND r.status IN ('draft','open'))`,
			townshipID, roundID, categoryID).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			return ErrFrozen
		}
		codes := make([]string, n)
		for i := range codes {
			codes[i] = RandomCode(CodeLength)
		}
		// A collision (vanishingly rare) just leaves that code out; top up until n are in.
		for added := 0; added < n; {
			tag, err := tx.Exec(ctx, `
				INSERT INTO ballot_codes (round_id, category_id, code)
				SELECT $1, $2, unnest($3::text[]) ON CONFLICT (code) DO NOTHING`, roundID, categoryID, codes)
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
			codes = codes[:0]
			for i := added; i < n; i++ {
				codes = append(codes, RandomCode(CodeLength))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: generate codes: %w", err)
	}
	return nil
}

// Slip is one printed ballot slip.
type Slip struct {
	Code     string `db:"code"`
	Category string `db:"category"`
	Spent    bool   `db:"spent"`
}

// Slips lists a round's codes for printing, by category (0: all categories).
func (s *Store) Slips(ctx context.Context, townshipID, roundID, categoryID int64) ([]Slip, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT bc.code, c.name AS category, bc.spent FROM ballot_codes bc
		JOIN rounds r ON r.id = bc.round_id
		JOIN rater_categories c ON c.id = bc.category_id
		WHERE r.township_id = $1 AND bc.round_id = $2 AND ($3 = 0 OR bc.category_id = $3)
		ORDER BY c.position, bc.id`, townshipID, roundID, categoryID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Slip])
	if err != nil {
		return nil, fmt.Errorf("store: slips: %w", err)
	}
	return items, nil
}

// CodeInfo is what a ballot code opens.
type CodeInfo struct {
	RoundID      int64  `db:"round_id"`
	TownshipID   int64  `db:"township_id"`
	CategoryID   int64  `db:"category_id"`
	CategoryName string `db:"category_name"`
	GroupKey     string `db:"group_key"`
	Spent        bool   `db:"spent"`
	RoundTitle   string `db:"title"`
	RoundStatus  string `db:"status"`
	Rehearsal    bool   `db:"rehearsal"`
}

// CodeThrottled looks a ballot code up and, in the same round trip, counts the client's
// failed code lookups within the window (for throttling guesses).
func (s *Store) CodeThrottled(ctx context.Context, code, key string, window time.Duration) (CodeInfo, int, time.Time, error) {
	var ci CodeInfo
	var found bool
	var failures int
	var oldest *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT f.n, f.oldest, c.round_id IS NOT NULL, coalesce(c.round_id, 0), coalesce(c.township_id, 0), coalesce(c.category_id, 0),
		       coalesce(c.category_name, ''), coalesce(c.group_key, ''), coalesce(c.spent, false), coalesce(c.title, ''),
		       coalesce(c.status, ''), coalesce(c.rehearsal, false)
		FROM (SELECT count(*)::int AS n, min(at) AS oldest FROM auth_failures
		      WHERE key = $2 AND at > now() - make_interval(secs => $3)) f
		LEFT JOIN (
			SELECT bc.round_id, r.township_id, bc.category_id, cat.name AS category_name, rc.group_key, bc.spent,
			       r.title, r.status, r.rehearsal
			FROM ballot_codes bc JOIN rounds r ON r.id = bc.round_id
			JOIN rater_categories cat ON cat.id = bc.category_id
			JOIN round_categories rc ON rc.round_id = bc.round_id AND rc.category_id = bc.category_id
			WHERE bc.code = $1
		) c ON true`, code, key, window.Seconds()).Scan(&failures, &oldest, &found, &ci.RoundID, &ci.TownshipID, &ci.CategoryID,
		&ci.CategoryName, &ci.GroupKey, &ci.Spent, &ci.RoundTitle, &ci.RoundStatus, &ci.Rehearsal)
	if err != nil {
		return ci, 0, time.Time{}, fmt.Errorf("store: code: %w", err)
	}
	var until time.Time
	if oldest != nil {
		until = oldest.Add(window)
	}
	if !found {
		return ci, failures, until, ErrCodeUnknown
	}
	return ci, failures, until, nil
}

// Code looks a ballot code up. ErrCodeUnknown if there is none.
func (s *Store) Code(ctx context.Context, code string) (CodeInfo, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT bc.round_id, r.township_id, bc.category_id, c.name AS category_name, rc.group_key, bc.spent,
		       r.title, r.status, r.rehearsal
		FROM ballot_codes bc JOIN rounds r ON r.id = bc.round_id
		JOIN rater_categories c ON c.id = bc.category_id
		JOIN round_categories rc ON rc.round_id = bc.round_id AND rc.category_id = bc.category_id
		WHERE bc.code = $1`, code)
	ci, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CodeInfo])
	if errors.Is(err, pgx.ErrNoRows) {
		return ci, ErrCodeUnknown
	}
	if err != nil {
		return ci, fmt.Errorf("store: code: %w", err)
	}
	return ci, nil
}

// BallotSubject is a subject as a rater sees it.
type BallotSubject struct {
	ID           int64  `db:"id"`
	Name         string `db:"name"`
	Title        string `db:"title"`
	Level        int    `db:"level"`
	Organisation bool   `db:"organisation"`
	ReportText   string `db:"report_text"`
	ReportOral   bool   `db:"report_oral"`
	HasFile      bool   `db:"has_file"`
}

// BallotSubjects lists a round's subjects for the ballot, in the round's order.
func (s *Store) BallotSubjects(ctx context.Context, roundID int64) ([]BallotSubject, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT s.id, s.name, s.title, s.level, s.organisation_id IS NOT NULL AS organisation, s.report_text, s.report_oral,
		       EXISTS (SELECT 1 FROM report_files f WHERE f.round_subject_id = s.id) AS has_file
		FROM round_subjects s WHERE s.round_id = $1 ORDER BY s.sort, s.name COLLATE zh_pinyin, s.id`, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[BallotSubject])
	if err != nil {
		return nil, fmt.Errorf("store: ballot subjects: %w", err)
	}
	return items, nil
}

// CastBallot spends the code and stores its ballot; it returns the receipt.
//
// Secrecy: the code is spent in one transaction and the ballot written in another, so
// no ballot row shares a transaction id (xmin) with a code row. One code casts at most
// one ballot: the spend is a conditional UPDATE, which concurrent casts serialise on.
// If writing the ballot fails, the code is un-spent so the rater can try again.
func (s *Store) CastBallot(ctx context.Context, code string, choices map[int64]int) (string, error) {
	var roundID, categoryID int64
	// The spend commits without waiting for its WAL flush: the ballot's synchronous
	// commit comes later in the same WAL and flushes it too. A crash in between can
	// only lose the spend, leaving the code unspent and no ballot: the rater votes again.
	// One round trip: the four statements go as one pipelined batch.
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SET LOCAL synchronous_commit = off`)
	b.Queue(`
		UPDATE ballot_codes bc SET spent = true FROM rounds r
		WHERE bc.code = $1 AND NOT bc.spent AND r.id = bc.round_id AND r.status = 'open'
		RETURNING bc.round_id, bc.category_id`, code).QueryRow(func(row pgx.Row) error { return row.Scan(&roundID, &categoryID) })
	b.Queue(`COMMIT`)
	err := s.pool.SendBatch(ctx, b).Close()
	if errors.Is(err, pgx.ErrNoRows) {
		ci, lookErr := s.Code(ctx, code)
		switch {
		case lookErr != nil:
			return "", lookErr
		case ci.Spent:
			return "", ErrCodeSpent
		default:
			return "", ErrRoundNotOpen
		}
	}
	if err != nil {
		return "", fmt.Errorf("store: spend code: %w", err)
	}
	receipt, err := s.insertBallot(ctx, roundID, categoryID, choices)
	if errors.Is(err, ErrRoundNotOpen) {
		// The round closed between the spend and the ballot: nothing was counted, and
		// the code is of no further use.
		return "", err
	}
	if err != nil {
		// Give the code back: its ballot was not stored.
		if _, uerr := s.pool.Exec(context.WithoutCancel(ctx), `UPDATE ballot_codes SET spent = false WHERE code = $1`, code); uerr != nil {
			return "", fmt.Errorf("store: cast ballot: %w (and un-spending the code failed: %v)", err, uerr)
		}
		return "", fmt.Errorf("store: cast ballot: %w", err)
	}
	return receipt, nil
}

func (s *Store) insertBallot(ctx context.Context, roundID, categoryID int64, choices map[int64]int) (string, error) {
	ids := make([]int64, 0, len(choices))
	vals := make([]int16, 0, len(choices))
	for id, c := range choices {
		ids = append(ids, id)
		vals = append(vals, int16(c))
	}
	receipt := RandomCode(12)
	// The round's ballot lock, held shared, keeps CloseRound (which takes it exclusively)
	// from tallying while this ballot is in flight; once the round is closed the insert
	// finds it not open and stores nothing. One round trip: the batch is pipelined.
	var stored int64
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1, $2)`, BallotLockClass, int32(roundID))
	b.Queue(`
		INSERT INTO ballots (round_id, category_id, receipt, subject_ids, choices)
		SELECT $1, $2, $3, $4, $5
		WHERE EXISTS (SELECT 1 FROM rounds WHERE id = $1 AND status = 'open')
		  AND (SELECT count(*) FROM round_subjects WHERE round_id = $1 AND id = ANY($4)) = cardinality($4::bigint[])`,
		roundID, categoryID, receipt, ids, vals).Exec(func(tag pgconn.CommandTag) error {
		stored = tag.RowsAffected()
		return nil
	})
	b.Queue(`COMMIT`)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return "", err
	}
	if stored == 1 {
		return receipt, nil
	}
	var status string
	if err := s.pool.QueryRow(ctx, `SELECT status FROM rounds WHERE id = $1`, roundID).Scan(&status); err != nil {
		return "", err
	}
	if status != StatusOpen {
		return "", ErrRoundNotOpen
	}
	return "", fmt.Errorf("%w: choices for subjects outside the round", ErrInvalid)
}

// BallotLockClass namespaces the per-round advisory lock between casting and closing:
// pg_advisory_xact_lock(BallotLockClass, round id). Two-key advisory locks never collide
// with single-key ones such as the migrator's.
const BallotLockClass int32 = 7201

// Turnout is one category's reconciliation: 应到 (codes issued), 实到 (ballots cast),
// and, once the round is closed, valid and abstained votes.
type Turnout struct {
	CategoryID int64  `db:"category_id"`
	Category   string `db:"category"`
	Group      string `db:"group_key"`
	Issued     int    `db:"issued"`
	Cast       int    `db:"cast_count"`
	Valid      int    `db:"valid"`
	Abstained  int    `db:"abstained"`
}

// Turnout counts codes and ballots per category. Votes are counted only when
// withVotes is set (closed rounds): while a round is open nobody sees any tally.
func (s *Store) Turnout(ctx context.Context, townshipID, roundID int64, withVotes bool) ([]Turnout, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT rc.category_id, c.name AS category, rc.group_key,
		       (SELECT count(*) FROM ballot_codes bc WHERE bc.round_id = rc.round_id AND bc.category_id = rc.category_id)::int AS issued,
		       (SELECT count(*) FROM ballot_codes bc WHERE bc.round_id = rc.round_id AND bc.category_id = rc.category_id AND bc.spent)::int AS cast_count,
		       CASE WHEN $3 THEN (SELECT count(*) FROM ballots b, unnest(b.choices) ch
		            WHERE b.round_id = rc.round_id AND b.category_id = rc.category_id AND ch < 5) ELSE 0 END::int AS valid,
		       CASE WHEN $3 THEN (SELECT count(*) FROM ballots b, unnest(b.choices) ch
		            WHERE b.round_id = rc.round_id AND b.category_id = rc.category_id AND ch = 5) ELSE 0 END::int AS abstained
		FROM round_categories rc JOIN rater_categories c ON c.id = rc.category_id
		JOIN rounds r ON r.id = rc.round_id
		WHERE r.township_id = $1 AND rc.round_id = $2
		ORDER BY rc.group_key, c.position, c.name COLLATE zh_pinyin`, townshipID, roundID, withVotes)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Turnout])
	if err != nil {
		return nil, fmt.Errorf("store: turnout: %w", err)
	}
	return items, nil
}
