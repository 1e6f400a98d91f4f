package ballotbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestKeyOpensWithKSharesOnly(t *testing.T) {
	for _, tc := range []struct{ k, n int }{{1, 1}, {2, 3}, {3, 5}, {9, 9}} {
		key, shares, err := NewKey(tc.k, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if len(shares) != tc.n || len(key.Commitments) != tc.k {
			t.Fatalf("%d of %d: %d shares, %d commitments", tc.k, tc.n, len(shares), len(key.Commitments))
		}
		for _, s := range shares {
			if err := key.Verify(s); err != nil {
				t.Fatalf("share %d does not verify: %v", s.Index, err)
			}
		}
		if tc.k > 1 {
			if _, err := key.Open(shares[:tc.k-1]); !errors.Is(err, ErrTooFewShares) {
				t.Fatalf("%d of %d opened with k-1 shares: %v", tc.k, tc.n, err)
			}
		}
		// Any k shares open it: the last k as well as the first k.
		for _, set := range [][]Share{shares[:tc.k], shares[tc.n-tc.k:]} {
			if _, err := key.Open(set); err != nil {
				t.Fatalf("%d of %d: %v", tc.k, tc.n, err)
			}
		}
	}
}

func TestKMinusOneSharesLearnNothingUseful(t *testing.T) {
	// Recovering with too few shares by passing a forged extra share gives a wrong key,
	// which the public key check refuses.
	key, shares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	forged := Share{Index: 2}
	forged.Value = shares[0].Value
	if err := key.Verify(forged); !errors.Is(err, ErrWrongShare) {
		t.Fatalf("forged share verified: %v", err)
	}
	if _, err := key.Open([]Share{shares[0], forged}); !errors.Is(err, ErrWrongShare) {
		t.Fatalf("opened with a forged share: %v", err)
	}
}

func TestSharesOfAnotherKeyAreRefused(t *testing.T) {
	key, shares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	other, otherShares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Verify(otherShares[0]); !errors.Is(err, ErrWrongShare) {
		t.Fatalf("another key's share verified: %v", err)
	}
	if _, err := key.Open([]Share{shares[0], otherShares[1]}); !errors.Is(err, ErrWrongShare) {
		t.Fatalf("mixed shares: %v", err)
	}
	if _, err := key.Open([]Share{shares[0], shares[0]}); !errors.Is(err, ErrDuplicateShare) {
		t.Fatalf("repeated share: %v", err)
	}
	if key.Fingerprint() == other.Fingerprint() {
		t.Fatal("two keys share a fingerprint")
	}
}

func TestShareText(t *testing.T) {
	_, shares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := shares[2]
	text := s.Text()
	if len(s.Groups()) != ShareGroups || len(strings.ReplaceAll(text, " ", "")) != 60 {
		t.Fatalf("share text %q", text)
	}
	for _, typed := range []string{text, strings.ToLower(text), strings.ReplaceAll(text, " ", "-"),
		strings.ReplaceAll(strings.ReplaceAll(text, "0", "O"), "1", "l"), "  " + strings.ReplaceAll(text, " ", "") + "\n"} {
		got, err := ParseShare(typed)
		if err != nil || got != s {
			t.Fatalf("ParseShare(%q) = %v, %v", typed, got, err)
		}
	}
	// Every single-character mistake is caught.
	plain := strings.ReplaceAll(text, " ", "")
	for i := 0; i < len(plain); i++ {
		for _, c := range []byte(shareAlphabet) {
			if c == plain[i] {
				continue
			}
			typo := plain[:i] + string(c) + plain[i+1:]
			if got, err := ParseShare(typo); err == nil && got == s {
				t.Fatalf("typo at %d accepted", i)
			} else if err == nil {
				t.Fatalf("typo at %d parsed as another share", i)
			}
		}
	}
	for _, bad := range []string{"", "ABC", plain[:59], plain + "0", "U" + plain[1:]} {
		if _, err := ParseShare(bad); !errors.Is(err, ErrShareTypo) {
			t.Fatalf("ParseShare(%q): %v", bad, err)
		}
	}
}

func TestSealAndOpen(t *testing.T) {
	key, shares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(7, key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	b := Ballot{CategoryID: 12, Marks: []Mark{{SubjectID: 30, Choice: 4}, {SubjectID: 5, Choice: 1, Criteria: [5]uint8{1, 2, 3, 4, 0}}, {SubjectID: 9, Choice: 5}}}
	enc, ct, err := sealer.Seal(b, "R1")
	if err != nil {
		t.Fatal(err)
	}
	enc2, ct2, err := sealer.Seal(Ballot{CategoryID: 3, Marks: []Mark{{SubjectID: 30, Choice: 1}, {SubjectID: 5, Choice: 1}, {SubjectID: 9, Choice: 1}}}, "R2")
	if err != nil {
		t.Fatal(err)
	}
	if len(ct) != len(ct2) || len(enc) != len(enc2) {
		t.Fatalf("sealed sizes differ with the choices: %d/%d", len(ct), len(ct2))
	}
	if bytes.Contains(ct, b.Plaintext()) {
		t.Fatal("plaintext in the ciphertext")
	}
	op, err := key.Open(shares[1:])
	if err != nil {
		t.Fatal(err)
	}
	got, err := op.Open(7, "R1", enc, ct)
	if err != nil {
		t.Fatal(err)
	}
	if got.CategoryID != 12 || len(got.Marks) != 3 || got.Marks[0] != (Mark{SubjectID: 5, Choice: 1, Criteria: [5]uint8{1, 2, 3, 4, 0}}) ||
		got.Marks[1] != (Mark{SubjectID: 9, Choice: 5}) || got.Marks[2] != (Mark{SubjectID: 30, Choice: 4}) {
		t.Fatalf("opened %+v", got)
	}
	if _, err := op.Open(8, "R1", enc, ct); !errors.Is(err, ErrBadBallot) {
		t.Fatalf("opened in another round: %v", err)
	}
	if _, err := op.Open(7, "R2", enc, ct); !errors.Is(err, ErrBadBallot) {
		t.Fatalf("opened under another receipt: %v", err)
	}
	ct[0] ^= 1
	if _, err := op.Open(7, "R1", enc, ct); !errors.Is(err, ErrBadBallot) {
		t.Fatalf("opened an altered ballot: %v", err)
	}
}

func BenchmarkSeal(b *testing.B) {
	key, _, err := NewKey(2, 3)
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := NewSealer(1, key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	ballot := Ballot{CategoryID: 1}
	for i := 0; i < 30; i++ {
		ballot.Marks = append(ballot.Marks, Mark{SubjectID: int64(i + 1), Choice: 2})
	}
	for b.Loop() {
		if _, _, err := sealer.Seal(ballot, "RECEIPT12345"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	key, shares, err := NewKey(2, 3)
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := NewSealer(1, key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	ballot := Ballot{CategoryID: 1}
	for i := 0; i < 100; i++ {
		ballot.Marks = append(ballot.Marks, Mark{SubjectID: int64(i + 1), Choice: 2})
	}
	enc, ct, err := sealer.Seal(ballot, "RECEIPT12345")
	if err != nil {
		b.Fatal(err)
	}
	op, err := key.Open(shares[:2])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := op.Open(1, "RECEIPT12345", enc, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTallyCountsCriteriaAndRefusesForgedRatings(t *testing.T) {
	key, shares, err := NewKey(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(3, key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	op, err := key.Open(shares[:2])
	if err != nil {
		t.Fatal(err)
	}
	seal := func(receipt string, b Ballot) Sealed {
		enc, ct, err := sealer.Seal(b, receipt)
		if err != nil {
			t.Fatal(err)
		}
		return Sealed{Receipt: receipt, Enc: enc, Sealed: ct}
	}
	groupOf := map[int64]string{1: "peer", 2: "public"}
	box := []Sealed{
		seal("A", Ballot{CategoryID: 1, Marks: []Mark{{SubjectID: 10, Choice: 1, Criteria: [5]uint8{1, 2, 0, 4, 3}}, {SubjectID: 11, Choice: 2}}}),
		seal("B", Ballot{CategoryID: 2, Marks: []Mark{{SubjectID: 10, Choice: 2, Criteria: [5]uint8{1, 1, 1, 1, 1}}, {SubjectID: 11, Choice: 5}}}),
		seal("C", Ballot{CategoryID: 2, Marks: []Mark{{SubjectID: 10, Choice: 4, Criteria: [5]uint8{4, 0, 0, 0, 0}}, {SubjectID: 11, Choice: 1}}}),
	}
	c, err := op.Tally(3, box, groupOf, []int64{10, 11})
	if err != nil {
		t.Fatal(err)
	}
	peer, public := c.Criteria[10]["peer"], c.Criteria[10]["public"]
	if peer[0] != [4]int64{1, 0, 0, 0} || peer[1] != [4]int64{0, 1, 0, 0} || peer[2] != [4]int64{} || peer[3] != [4]int64{0, 0, 0, 1} || peer[4] != [4]int64{0, 0, 1, 0} {
		t.Errorf("peer criteria %v", peer)
	}
	if public[0] != [4]int64{1, 0, 0, 1} || public[1] != [4]int64{1, 0, 0, 0} {
		t.Errorf("public criteria %v", public)
	}
	if _, ok := c.Criteria[11]; ok {
		t.Errorf("criteria for a subject nobody rated: %v", c.Criteria[11])
	}
	// A rating off the scale, or on a subject the rater abstained on, was never cast
	// through the ballot page.
	for name, b := range map[string]Ballot{
		"rating 5":         {CategoryID: 1, Marks: []Mark{{SubjectID: 10, Choice: 1, Criteria: [5]uint8{5}}, {SubjectID: 11, Choice: 1}}},
		"rated abstention": {CategoryID: 1, Marks: []Mark{{SubjectID: 10, Choice: 5, Criteria: [5]uint8{0, 0, 1}}, {SubjectID: 11, Choice: 1}}},
	} {
		if _, err := op.Tally(3, []Sealed{seal("D", b)}, groupOf, []int64{10, 11}); !errors.Is(err, ErrForeignBallot) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
