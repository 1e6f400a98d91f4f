// Package voting runs a round's ballot box end to end, joining the sealing of
// internal/ballotbox to the storage of internal/store: opening a round with a fresh key,
// casting sealed ballots, and opening the box with the scrutineers' shares. The web
// handlers, the demo, the benchmarks and the fault harness all vote through it.
package voting

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// OpenRound makes the round's key, opens the round for voting with it, and returns the
// scrutineers' shares: to be printed once, never stored.
func OpenRound(ctx context.Context, st *store.Store, townshipID, roundID int64, by string) ([]ballotbox.Share, error) {
	round, err := st.Round(ctx, townshipID, roundID)
	if err != nil {
		return nil, err
	}
	key, shares, err := newKey(round)
	if err != nil {
		return nil, err
	}
	if err := st.OpenRound(ctx, townshipID, roundID, key, by); err != nil {
		return nil, err
	}
	return shares, nil
}

// Rekey makes a new key for an open round in which no ballot has been cast yet.
func Rekey(ctx context.Context, st *store.Store, townshipID, roundID int64, by string) ([]ballotbox.Share, error) {
	round, err := st.Round(ctx, townshipID, roundID)
	if err != nil {
		return nil, err
	}
	key, shares, err := newKey(round)
	if err != nil {
		return nil, err
	}
	if err := st.Rekey(ctx, townshipID, roundID, key, by); err != nil {
		return nil, err
	}
	return shares, nil
}

func newKey(round store.Round) (ballotbox.Key, []ballotbox.Share, error) {
	n := max(round.Scrutineers, 1)
	k := min(max(round.KeyThreshold, 1), n)
	return ballotbox.NewKey(k, n)
}

// NewToken returns a fresh submission token: a rater's form or cookie carries it, and
// a retried submission with the same token gets the same receipt.
func NewToken() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what the box stores of a submission token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte("pingyi submission\x00" + token))
	return h[:]
}

// Cast seals a ballot with the code's round key and casts it. ci is the code as just
// looked up. The marks must be the round's subjects, each once, checked by the caller;
// criteria ratings (1–4) only where the round asks for them and the rater did not
// abstain, else store.ErrInvalid and nothing is cast.
func Cast(ctx context.Context, st *store.Store, code string, ci store.CodeInfo, token string, marks []ballotbox.Mark) (string, error) {
	if !criteriaFit(ci.Criteria, marks) {
		return "", store.ErrInvalid
	}
	for attempt := 0; ; attempt++ {
		receipt, err := castOnce(ctx, st, code, ci, token, marks)
		if !errors.Is(err, store.ErrKeyChanged) || attempt > 0 {
			return receipt, err
		}
		// The office made a new key between the lookup and the cast: seal again.
		if ci, err = st.Code(ctx, code); err != nil {
			return "", err
		}
	}
}

func castOnce(ctx context.Context, st *store.Store, code string, ci store.CodeInfo, token string, marks []ballotbox.Mark) (string, error) {
	if ci.PublicKey == nil {
		return "", store.ErrRoundNotOpen
	}
	sealer, err := ballotbox.NewSealer(ci.RoundID, ci.PublicKey)
	if err != nil {
		return "", err
	}
	receipt := store.RandomCode(store.ReceiptLength)
	enc, sealed, err := sealer.Seal(ballotbox.Ballot{CategoryID: ci.CategoryID, Marks: marks}, receipt)
	if err != nil {
		return "", err
	}
	return st.CastBallot(ctx, store.SealedCast{
		Code: code, RoundID: ci.RoundID, TownshipID: ci.TownshipID, TokenHash: TokenHash(token),
		Receipt: receipt, Enc: enc, Sealed: sealed, PublicKey: ci.PublicKey,
	})
}

// criteriaFit reports whether the marks' criteria ratings fit the round's setting: none
// where it does not ask for them, levels 1–4 or 0 where it does, none on an abstention.
// (Whether a round that requires them has them all is the ballot page's to say, with the
// missing ones named.)
func criteriaFit(mode string, marks []ballotbox.Mark) bool {
	asks := mode == store.CriteriaOptional || mode == store.CriteriaRequired
	for _, m := range marks {
		for _, r := range m.Criteria {
			if r != 0 && (!asks || r > uint8(rules.Incompetent) || m.Choice == rules.Abstention) {
				return false
			}
		}
	}
	return true
}

// ErrShareUsed means the same scrutineer's share was given twice.
var ErrShareUsed = errors.New("voting: share already given")

// CheckShare parses a typed or scanned share and checks it against the round's key and
// the shares already given. It returns the share, or ballotbox.ErrShareTypo,
// ballotbox.ErrWrongShare or ErrShareUsed.
func CheckShare(round store.Round, text string, given []ballotbox.Share) (ballotbox.Share, error) {
	s, err := ballotbox.ParseShare(text)
	if err != nil {
		return s, err
	}
	if err := round.Key().Verify(s); err != nil {
		return s, err
	}
	for _, g := range given {
		if g.Index == s.Index {
			return s, ErrShareUsed
		}
	}
	return s, nil
}

// Open rebuilds the round's key from the shares, opens and tallies every sealed ballot.
// The key lives only inside this call.
func Open(ctx context.Context, st *store.Store, round store.Round, shares []ballotbox.Share) (ballotbox.Count, error) {
	opener, err := round.Key().Open(shares)
	if err != nil {
		return ballotbox.Count{}, err
	}
	box, err := st.SealedBallots(ctx, round.TownshipID, round.ID)
	if err != nil {
		return ballotbox.Count{}, err
	}
	layout, err := st.BoxLayout(ctx, round.TownshipID, round.ID)
	if err != nil {
		return ballotbox.Count{}, err
	}
	c, err := opener.Tally(round.ID, box, layout.GroupOf, layout.Subjects)
	if err != nil {
		return ballotbox.Count{}, fmt.Errorf("voting: open box: %w", err)
	}
	return c, nil
}

// OpenBox opens a round waiting to be counted and records its count and results.
func OpenBox(ctx context.Context, st *store.Store, round store.Round, shares []ballotbox.Share, by string) error {
	c, err := Open(ctx, st, round, shares)
	if err != nil {
		return err
	}
	return st.CountRound(ctx, round.TownshipID, round.ID, c, by)
}

// Recount opens a counted round's box again and compares; it returns the differences.
func Recount(ctx context.Context, st *store.Store, round store.Round, shares []ballotbox.Share, by string) ([]string, error) {
	c, err := Open(ctx, st, round, shares)
	if err != nil {
		return nil, err
	}
	return st.Recount(ctx, round.TownshipID, round.ID, c, by)
}
