package ballotbox

import (
	"errors"
	"fmt"

	"pingyi/internal/rules"
)

// Sealed is a ballot as stored: its receipt and its sealed content.
type Sealed struct {
	Receipt string
	Enc     []byte
	Sealed  []byte
}

// Count is what an opened box held: per subject and group, the tally of its marks.
// Nothing is counted per rater category: a category with one rater would give that
// rater's ballot away.
type Count struct {
	Ballots int
	Tallies map[int64]map[string]rules.Tally
}

// ErrForeignBallot means an opened ballot names a category or subject the round does not
// have: it was not cast through this round's ballot.
var ErrForeignBallot = errors.New("ballotbox: ballot does not match the round")

// Tally opens every ballot of a round and counts it. groupOf maps each of the round's
// rater categories to its group; subjects lists the round's subjects. Each ballot must
// mark every subject exactly once. The opened ballots are counted and dropped at once:
// nothing but the totals leaves this function.
func (o *Opener) Tally(roundID int64, box []Sealed, groupOf map[int64]string, subjects []int64) (Count, error) {
	c := Count{Tallies: map[int64]map[string]rules.Tally{}}
	known := map[int64]bool{}
	for _, id := range subjects {
		known[id] = true
		c.Tallies[id] = map[string]rules.Tally{}
	}
	for i, s := range box {
		b, err := o.Open(roundID, s.Receipt, s.Enc, s.Sealed)
		if err != nil {
			return Count{}, fmt.Errorf("ballot %d of %d: %w", i+1, len(box), err)
		}
		group, ok := groupOf[b.CategoryID]
		if !ok || len(b.Marks) != len(subjects) {
			return Count{}, fmt.Errorf("ballot %d of %d: %w", i+1, len(box), ErrForeignBallot)
		}
		for j, m := range b.Marks {
			if !known[m.SubjectID] || !m.Choice.Valid() || (j > 0 && b.Marks[j-1].SubjectID == m.SubjectID) {
				return Count{}, fmt.Errorf("ballot %d of %d: %w", i+1, len(box), ErrForeignBallot)
			}
			t := c.Tallies[m.SubjectID][group]
			t[m.Choice.Index()]++
			c.Tallies[m.SubjectID][group] = t
		}
		c.Ballots++
	}
	return c, nil
}
