// Package ballotbox seals ballots so that nobody can read one without the round's
// scrutineers (监票人).
//
// When a round opens, NewKey draws a secret, derives the round's HPKE key pair from it
// (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305) and splits the
// secret k-of-n among the scrutineers with Shamir's scheme (Feldman-verifiable, over
// ristretto255). The app keeps the public key and the public Feldman commitments; each
// scrutineer gets one share on a printed key sheet, and no share or private key is ever
// stored. Every ballot is sealed with the public key before anything is written. To
// count, k scrutineers enter their shares: Recover rebuilds the key in memory, the
// ballots are opened and tallied, and the key is dropped.
//
// All primitives come from github.com/cloudflare/circl (hpke, secretsharing, group).
package ballotbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/secretsharing"
)

// MaxShares is the largest number of scrutineers a round may have.
const MaxShares = 9

var (
	kemID = hpke.KEM_X25519_HKDF_SHA256
	suite = hpke.NewSuite(kemID, hpke.KDF_HKDF_SHA256, hpke.AEAD_ChaCha20Poly1305)
	// g is the group whose scalar field the secret is shared over.
	g = group.Ristretto255
)

// Errors of keys and shares.
var (
	// ErrThreshold means k and n are not 1 ≤ k ≤ n ≤ MaxShares.
	ErrThreshold = errors.New("ballotbox: need 1 ≤ k ≤ n ≤ 9")
	// ErrWrongShare means a share does not belong to this round's key.
	ErrWrongShare = errors.New("ballotbox: share does not belong to this key")
	// ErrDuplicateShare means two shares with the same number were given.
	ErrDuplicateShare = errors.New("ballotbox: the same share was given twice")
	// ErrTooFewShares means fewer than k shares were given.
	ErrTooFewShares = errors.New("ballotbox: too few shares")
)

// Key is the public part of a round's key: what the app stores.
type Key struct {
	// PublicKey is the HPKE public key ballots are sealed to.
	PublicKey []byte
	// Commitments are the Feldman commitments to the sharing polynomial (k of them),
	// with which a share is checked without revealing anything about the secret.
	Commitments [][]byte
	// Threshold is k: how many shares open the box.
	Threshold int
	// Shares is n: how many shares were made.
	Shares int
}

// Fingerprint is a short, printable digest of the public key, shown on the key sheets
// and the round page so a sheet can be matched to its round at a glance.
func (k Key) Fingerprint() string {
	sum := sha256.Sum256(k.PublicKey)
	h := hex.EncodeToString(sum[:6])
	return h[0:4] + "-" + h[4:8] + "-" + h[8:12]
}

// NewKey makes a round's key and splits its secret into n shares, any k of which open
// the box. The shares are returned once, to be printed; they must not be stored.
func NewKey(k, n int) (Key, []Share, error) {
	if k < 1 || n < k || n > MaxShares {
		return Key{}, nil, ErrThreshold
	}
	secret := g.RandomScalar(rand.Reader)
	pk, _, err := derive(secret)
	if err != nil {
		return Key{}, nil, err
	}
	ss := secretsharing.New(rand.Reader, uint(k-1), secret)
	key := Key{PublicKey: pk, Threshold: k, Shares: n}
	for _, c := range ss.CommitSecret() {
		b, err := c.MarshalBinaryCompress()
		if err != nil {
			return Key{}, nil, fmt.Errorf("ballotbox: commitment: %w", err)
		}
		key.Commitments = append(key.Commitments, b)
	}
	var shares []Share
	for i, s := range ss.Share(uint(n)) {
		v, err := s.Value.MarshalBinary()
		if err != nil {
			return Key{}, nil, fmt.Errorf("ballotbox: share: %w", err)
		}
		sh := Share{Index: i + 1}
		copy(sh.Value[:], v)
		shares = append(shares, sh)
	}
	return key, shares, nil
}

// derive turns the shared secret into the round's HPKE key pair.
func derive(secret group.Scalar) ([]byte, kem.PrivateKey, error) {
	seed, err := secret.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("ballotbox: secret: %w", err)
	}
	pk, sk := kemID.Scheme().DeriveKeyPair(seed)
	pkb, err := pk.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("ballotbox: public key: %w", err)
	}
	return pkb, sk, nil
}

func (s Share) circl() (secretsharing.Share, error) {
	v := g.NewScalar()
	if err := v.UnmarshalBinary(s.Value[:]); err != nil {
		return secretsharing.Share{}, ErrWrongShare
	}
	id := g.NewScalar()
	id.SetUint64(uint64(s.Index))
	return secretsharing.Share{ID: id, Value: v}, nil
}

func (k Key) commitments() (secretsharing.SecretCommitment, error) {
	var out secretsharing.SecretCommitment
	for _, b := range k.Commitments {
		e := g.NewElement()
		if err := e.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("ballotbox: stored commitment: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Verify checks a share against the key's public commitments: a share of another
// round, or of a key made again since, fails.
func (k Key) Verify(s Share) error {
	if s.Index < 1 || s.Index > k.Shares {
		return ErrWrongShare
	}
	cs, err := s.circl()
	if err != nil {
		return err
	}
	comm, err := k.commitments()
	if err != nil {
		return err
	}
	if len(comm) != k.Threshold || !secretsharing.Verify(uint(k.Threshold-1), cs, comm) {
		return ErrWrongShare
	}
	return nil
}

// Opener opens a round's sealed ballots. It holds the private key in memory only.
type Opener struct {
	key     Key
	private kem.PrivateKey
}

// Open rebuilds the private key from k verified shares.
func (k Key) Open(shares []Share) (*Opener, error) {
	if len(shares) < k.Threshold {
		return nil, ErrTooFewShares
	}
	seen := map[int]bool{}
	var cs []secretsharing.Share
	for _, s := range shares {
		if seen[s.Index] {
			return nil, ErrDuplicateShare
		}
		seen[s.Index] = true
		if err := k.Verify(s); err != nil {
			return nil, err
		}
		c, err := s.circl()
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	secret, err := secretsharing.Recover(uint(k.Threshold-1), cs)
	if err != nil {
		return nil, fmt.Errorf("ballotbox: recover: %w", err)
	}
	pk, sk, err := derive(secret)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pk, k.PublicKey) {
		return nil, ErrWrongShare
	}
	return &Opener{key: k, private: sk}, nil
}
