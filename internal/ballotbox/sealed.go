package ballotbox

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cloudflare/circl/kem"

	"pingyi/internal/rules"
)

// Criteria is how many criteria a subject may be rated on beside its overall rating
// (三争创: 五个好 / 五个有 / 五带头).
const Criteria = rules.CriteriaCount

// Mark is a rater's choice for one subject: the overall Choice (a level of the scale, or
// abstain) and optional criteria ratings (0: not rated).
type Mark struct {
	SubjectID int64
	Choice    rules.Choice
	Criteria  [Criteria]uint8
}

// Ballot is what a rater cast, as sealed: their category (which gives the group) and
// one mark per subject of the round.
type Ballot struct {
	CategoryID int64
	Marks      []Mark
}

// ErrBadBallot means a sealed ballot could not be opened or read: it was not sealed
// to this round's key, or was altered.
var ErrBadBallot = errors.New("ballotbox: ballot cannot be opened")

const (
	payloadVersion = 1
	headerSize     = 1 + 8 + 2
	markSize       = 8 + 1 + Criteria
)

// Plaintext is the ballot as it is sealed: laid out at a fixed size for its number of
// subjects, marks sorted by subject, so every ballot of a round seals to the same length
// whatever its choices. It exists only in memory; tests look for it where it must not be.
func (b Ballot) Plaintext() []byte {
	marks := slices.Clone(b.Marks)
	slices.SortFunc(marks, func(x, y Mark) int { return cmp.Compare(x.SubjectID, y.SubjectID) })
	out := make([]byte, headerSize, headerSize+len(marks)*markSize)
	out[0] = payloadVersion
	binary.BigEndian.PutUint64(out[1:], uint64(b.CategoryID))
	binary.BigEndian.PutUint16(out[9:], uint16(len(marks)))
	for _, m := range marks {
		out = binary.BigEndian.AppendUint64(out, uint64(m.SubjectID))
		out = append(out, uint8(m.Choice))
		out = append(out, m.Criteria[:]...)
	}
	return out
}

func decode(p []byte) (Ballot, error) {
	if len(p) < headerSize || p[0] != payloadVersion {
		return Ballot{}, ErrBadBallot
	}
	n := int(binary.BigEndian.Uint16(p[9:]))
	if len(p) != headerSize+n*markSize {
		return Ballot{}, ErrBadBallot
	}
	b := Ballot{CategoryID: int64(binary.BigEndian.Uint64(p[1:])), Marks: make([]Mark, n)}
	for i := range b.Marks {
		q := p[headerSize+i*markSize:]
		b.Marks[i].SubjectID = int64(binary.BigEndian.Uint64(q))
		b.Marks[i].Choice = rules.Choice(q[8])
		copy(b.Marks[i].Criteria[:], q[9:9+Criteria])
	}
	return b, nil
}

// info binds a sealed ballot to its round: a ballot copied into another round's box
// cannot be opened there.
func info(roundID int64) []byte {
	return []byte("pingyi ballot v1 round " + strconv.FormatInt(roundID, 10))
}

// Sealer seals ballots to one round's public key.
type Sealer struct {
	roundID int64
	pk      kem.PublicKey
}

// NewSealer reads a round's public key once, for sealing many ballots.
func NewSealer(roundID int64, publicKey []byte) (*Sealer, error) {
	pk, err := kemID.Scheme().UnmarshalBinaryPublicKey(publicKey)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: public key: %w", err)
	}
	return &Sealer{roundID: roundID, pk: pk}, nil
}

// Seal encrypts a ballot; the receipt is bound to it as associated data, so a stored
// receipt cannot be moved onto another sealed ballot. It returns the HPKE
// encapsulated key and the ciphertext: all that is ever stored of a ballot.
func (s *Sealer) Seal(b Ballot, receipt string) (enc, ciphertext []byte, err error) {
	sender, err := suite.NewSender(s.pk, info(s.roundID))
	if err != nil {
		return nil, nil, fmt.Errorf("ballotbox: seal: %w", err)
	}
	enc, sealer, err := sender.Setup(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ballotbox: seal: %w", err)
	}
	ct, err := sealer.Seal(b.Plaintext(), []byte(receipt))
	if err != nil {
		return nil, nil, fmt.Errorf("ballotbox: seal: %w", err)
	}
	return enc, ct, nil
}

// Open decrypts one sealed ballot of the round.
func (o *Opener) Open(roundID int64, receipt string, enc, ciphertext []byte) (Ballot, error) {
	r, err := suite.NewReceiver(o.private, info(roundID))
	if err != nil {
		return Ballot{}, fmt.Errorf("ballotbox: open: %w", err)
	}
	op, err := r.Setup(enc)
	if err != nil {
		return Ballot{}, ErrBadBallot
	}
	p, err := op.Open(ciphertext, []byte(receipt))
	if err != nil {
		return Ballot{}, ErrBadBallot
	}
	return decode(p)
}
