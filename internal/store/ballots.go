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

	"pingyi/internal/rules"
)

// CodeAlphabet has no 0/O, 1/I/L: codes are read off paper and typed on phones.
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLength is the length of a ballot code: 31^10 ≈ 8×10^14 possibilities.
const CodeLength = 10

// ReceiptLength is the length of a ballot's receipt (回执码).
const ReceiptLength = 12

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
	// ErrCodeVoid means the office voided the code before it was used.
	ErrCodeVoid = errors.New("store: ballot code voided")
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
	Void     bool   `db:"void"`
}

// Slips lists a round's codes for printing, by category (0: all categories).
func (s *Store) Slips(ctx context.Context, townshipID, roundID, categoryID int64) ([]Slip, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT bc.code, c.name AS category, bc.spent, bc.void FROM ballot_codes bc
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
	Void         bool   `db:"void"`
	RoundTitle   string `db:"title"`
	RoundStatus  string `db:"status"`
	Rehearsal    bool   `db:"rehearsal"`
	PublicKey    []byte `db:"key_public"`
	// Criteria and PersonCriteria are the round's 三争创 criteria settings (Round.Criteria).
	Criteria       string            `db:"criteria"`
	PersonCriteria rules.CriteriaSet `db:"person_criteria"`
}

// Code looks a ballot code up. ErrCodeUnknown if there is none.
func (s *Store) Code(ctx context.Context, code string) (CodeInfo, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT bc.round_id, r.township_id, bc.category_id, c.name AS category_name, rc.group_key, bc.spent, bc.void,
		       r.title, r.status, r.rehearsal, r.key_public, r.criteria, r.person_criteria
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

// RecordCodeFailure notes a failed code lookup from a client address and returns how
// many that address made within the window, this one included.
func (s *Store) RecordCodeFailure(ctx context.Context, addr string, window time.Duration) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		WITH ins AS (INSERT INTO code_failures (addr) VALUES ($1))
		SELECT count(*)::int + 1 FROM code_failures WHERE addr = $1 AND at > now() - make_interval(secs => $2)`,
		addr, window.Seconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: record code failure: %w", err)
	}
	return n, nil
}

// CodeFailureStats is what the office sees of failed code lookups.
type CodeFailureStats struct {
	Total     int
	Addresses int
	// Top lists the addresses with the most failures, most first.
	Top []AddressFailures
}

// AddressFailures is one client address's failed lookups.
type AddressFailures struct {
	Addr  string `db:"addr"`
	Count int    `db:"n"`
}

// CodeFailures summarises failed code lookups since a time, and forgets those older
// than a day.
func (s *Store) CodeFailures(ctx context.Context, since time.Time) (CodeFailureStats, error) {
	var st CodeFailureStats
	// Upkeep of a table that belongs to no township: done whatever the request may do
	// (a county account reading an open round is read-only).
	if _, err := s.pool.Exec(unscoped(ctx), `DELETE FROM code_failures WHERE at < now() - interval '1 day'`); err != nil {
		return st, fmt.Errorf("store: code failures: %w", err)
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT addr, count(*)::int AS n FROM code_failures WHERE at >= $1
		GROUP BY addr ORDER BY n DESC, addr`, since)
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[AddressFailures])
	if err != nil {
		return st, fmt.Errorf("store: code failures: %w", err)
	}
	st.Addresses = len(all)
	for _, a := range all {
		st.Total += a.Count
	}
	st.Top = all[:min(len(all), 5)]
	return st, nil
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
	// Pledge is what a 评诺 round's subject committed, frozen when voting opened; nil for a
	// person or an organisation.
	Pledge *Pledge `db:"pledge"`
}

// BallotSubjects lists a round's subjects for the ballot, in the round's order.
func (s *Store) BallotSubjects(ctx context.Context, townshipID, roundID int64) ([]BallotSubject, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT s.id, s.name, s.title, s.level, (s.organisation_id IS NOT NULL OR s.commitment_id IS NOT NULL) AS organisation,
		       s.report_text, s.report_oral, EXISTS (SELECT 1 FROM report_files f WHERE f.round_subject_id = s.id) AS has_file, s.pledge
		FROM round_subjects s WHERE s.township_id = $1 AND s.round_id = $2
		ORDER BY s.sort, s.name COLLATE zh_pinyin, s.id`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[BallotSubject])
	if err != nil {
		return nil, fmt.Errorf("store: ballot subjects: %w", err)
	}
	return items, nil
}

// SealedCast is one ballot on its way into the box: already sealed by the caller.
type SealedCast struct {
	Code       string
	RoundID    int64
	TownshipID int64
	// TokenHash is the SHA-256 of the submission token the rater's form or cookie
	// carries; a retried submission with the same token gets the same receipt.
	TokenHash []byte
	Receipt   string
	Enc       []byte
	Sealed    []byte
	// PublicKey is the key the ballot was sealed with; it must still be the round's.
	PublicKey []byte
}

// CastBallot spends the code and stores its sealed ballot in one transaction, and
// returns the receipt. After any crash there is no code spent without its ballot and no
// ballot without its spent code. One code casts one ballot: the spend is a conditional
// UPDATE, which concurrent casts serialise on. A submission that was already stored (its
// reply lost on the way to the phone) gets its original receipt back, never a second
// ballot and never ErrCodeSpent.
func (s *Store) CastBallot(ctx context.Context, c SealedCast) (string, error) {
	var stored int64
	// One round trip: the statements go as one pipelined batch. The round's ballot lock,
	// held shared, keeps EndVoting (which takes it exclusively) waiting for ballots in
	// flight; once voting has ended the spend finds the round not open.
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1, $2)`, BallotLockClass, int32(c.RoundID))
	b.Queue(`
		WITH spend AS (
			UPDATE ballot_codes bc SET spent = true FROM rounds r
			WHERE bc.code = $1 AND bc.round_id = $2 AND NOT bc.spent AND NOT bc.void
			  AND r.id = bc.round_id AND r.township_id = $3 AND r.status = 'open' AND r.key_public = $8
			RETURNING bc.round_id)
		INSERT INTO ballots (round_id, township_id, receipt, token_hash, enc, sealed)
		SELECT round_id, $3, $4, $5, $6, $7 FROM spend`,
		c.Code, c.RoundID, c.TownshipID, c.Receipt, c.TokenHash, c.Enc, c.Sealed, c.PublicKey).Exec(func(tag pgconn.CommandTag) error {
		stored = tag.RowsAffected()
		return nil
	})
	b.Queue(`COMMIT`)
	castErr := s.pool.SendBatch(ctx, b).Close()
	if castErr != nil && !isUniqueViolation(castErr) {
		return "", fmt.Errorf("store: cast ballot: %w", castErr)
	}
	if castErr == nil && stored == 1 {
		return c.Receipt, nil
	}
	// Nothing stored: a retry of a ballot already in the box, or a code that cannot vote.
	if receipt, err := s.ReceiptByToken(ctx, c.TownshipID, c.RoundID, c.TokenHash); err == nil {
		return receipt, nil
	} else if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	if castErr != nil {
		// A receipt drawn twice (about one chance in 10^17): nothing was stored or spent.
		return "", fmt.Errorf("store: cast ballot: %w", castErr)
	}
	ci, err := s.Code(ctx, c.Code)
	switch {
	case err != nil:
		return "", err
	case ci.RoundID != c.RoundID:
		return "", ErrCodeUnknown
	case ci.Spent:
		return "", ErrCodeSpent
	case ci.Void:
		return "", ErrCodeVoid
	case ci.RoundStatus == StatusOpen:
		return "", ErrKeyChanged
	default:
		return "", ErrRoundNotOpen
	}
}

// ReceiptByToken finds the receipt of the ballot a submission token cast.
func (s *Store) ReceiptByToken(ctx context.Context, townshipID, roundID int64, tokenHash []byte) (string, error) {
	var receipt string
	err := s.pool.QueryRow(ctx, `SELECT receipt FROM ballots WHERE township_id = $1 AND round_id = $2 AND token_hash = $3`,
		townshipID, roundID, tokenHash).Scan(&receipt)
	if err != nil {
		return "", fmt.Errorf("store: receipt: %w", notFound(err))
	}
	return receipt, nil
}

// BallotLockClass namespaces the per-round advisory lock between casting and ending the
// vote: pg_advisory_xact_lock(BallotLockClass, round id). Two-key advisory locks never
// collide with single-key ones such as the migrator's.
const BallotLockClass int32 = 7201

// VoidCodes voids the given unused codes of a draft or open round; it returns how many
// it voided. Used or unknown codes are left alone.
func (s *Store) VoidCodes(ctx context.Context, townshipID, roundID int64, codes []string) (int, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE ballot_codes bc SET void = true FROM rounds r
		WHERE r.id = bc.round_id AND r.township_id = $1 AND bc.round_id = $2 AND r.status IN ('draft','open')
		  AND NOT bc.spent AND NOT bc.void AND bc.code = ANY($3)`, townshipID, roundID, codes)
	if err != nil {
		return 0, fmt.Errorf("store: void codes: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Turnout is one category's reconciliation: 应到 (codes issued), 实到 (ballots cast).
// Votes are never counted per category: a category of one would give its rater away.
type Turnout struct {
	CategoryID int64  `db:"category_id"`
	Category   string `db:"category"`
	Group      string `db:"group_key"`
	Issued     int    `db:"issued"`
	Void       int    `db:"void"`
	Cast       int    `db:"cast_count"`
}

// Turnout counts codes issued, voided and used per category.
func (s *Store) Turnout(ctx context.Context, townshipID, roundID int64) ([]Turnout, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT rc.category_id, c.name AS category, rc.group_key,
		       count(bc.id) FILTER (WHERE NOT bc.void)::int AS issued,
		       count(bc.id) FILTER (WHERE bc.void)::int AS void,
		       count(bc.id) FILTER (WHERE bc.spent)::int AS cast_count
		FROM round_categories rc JOIN rater_categories c ON c.id = rc.category_id
		JOIN rounds r ON r.id = rc.round_id
		LEFT JOIN ballot_codes bc ON bc.round_id = rc.round_id AND bc.category_id = rc.category_id
		WHERE r.township_id = $1 AND rc.round_id = $2
		GROUP BY rc.category_id, c.name, rc.group_key, c.position
		ORDER BY rc.group_key, c.position, c.name COLLATE zh_pinyin`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Turnout])
	if err != nil {
		return nil, fmt.Errorf("store: turnout: %w", err)
	}
	return items, nil
}
