package ballotbox

import (
	"crypto/sha256"
	"errors"
	"strings"
)

// Share is one scrutineer's share of a round's key, as printed on a key sheet.
type Share struct {
	// Index is the share's number, 1 to n; it names the scrutineer who holds it.
	Index int
	// Value is the share itself: a scalar of ristretto255.
	Value [32]byte
}

// ErrShareTypo means a typed share is not well formed or fails its check digits: a
// typing or scanning mistake, as opposed to a share of another key (ErrWrongShare).
var ErrShareTypo = errors.New("ballotbox: share mistyped")

// shareAlphabet is Crockford's base 32: no I, L, O or U, so a sheet cannot be misread
// between 1/I/L or 0/O; ParseShare reads those as the digits they look like.
const shareAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// shareVersion is the first byte of an encoded share.
const shareVersion = 1

// ShareGroups is how many groups of five characters a share prints as.
const ShareGroups = 12

// Text is the share as printed and typed: 60 characters in 12 groups of five,
// carrying a version, the share's number, its value and three check bytes.
func (s Share) Text() string {
	raw := make([]byte, 0, 37)
	raw = append(raw, shareVersion, byte(s.Index))
	raw = append(raw, s.Value[:]...)
	sum := shareCheck(raw)
	raw = append(raw, sum[:3]...)
	enc := base32(raw)
	var b strings.Builder
	for i := 0; i < len(enc); i += 5 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(enc[i:min(i+5, len(enc))])
	}
	return b.String()
}

// Groups is the share's text split into its groups of five, for the typed form.
func (s Share) Groups() []string { return strings.Fields(s.Text()) }

// ParseShare reads a share as typed or scanned: case, spaces and dashes do not matter,
// and O, I and L are read as 0, 1 and 1.
func ParseShare(text string) (Share, error) {
	var clean strings.Builder
	for _, r := range strings.ToUpper(text) {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r >= 'Ａ' && r <= 'Ｚ':
			r = 'A' + (r - 'Ａ')
		}
		clean.WriteRune(r)
	}
	raw, ok := unbase32(clean.String())
	if !ok || len(raw) != 37 || raw[0] != shareVersion {
		return Share{}, ErrShareTypo
	}
	sum := shareCheck(raw[:34])
	if raw[34] != sum[0] || raw[35] != sum[1] || raw[36] != sum[2] {
		return Share{}, ErrShareTypo
	}
	s := Share{Index: int(raw[1])}
	copy(s.Value[:], raw[2:34])
	if s.Index < 1 || s.Index > MaxShares {
		return Share{}, ErrShareTypo
	}
	return s, nil
}

func shareCheck(b []byte) [32]byte {
	return sha256.Sum256(append([]byte("pingyi key share\x00"), b...))
}

// base32 encodes b, 5 bits a character, most significant first, the last character
// padded with zero bits.
func base32(b []byte) string {
	var out strings.Builder
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out.WriteByte(shareAlphabet[(acc>>bits)&31])
		}
	}
	if bits > 0 {
		out.WriteByte(shareAlphabet[(acc<<(5-bits))&31])
	}
	return out.String()
}

func unbase32(s string) ([]byte, bool) {
	var out []byte
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(shareAlphabet, s[i])
		if v < 0 {
			return nil, false
		}
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	// Padding bits must be zero, so one string means one share.
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}
