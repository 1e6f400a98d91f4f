package ballotbox

import (
	"errors"
	"fmt"
)

// Sealed is a ballot as stored: its receipt and its sealed content.
type Sealed struct {
	Receipt string
	Enc     []byte
	Sealed  []byte
}

// CategoryCount is what one rater category's ballots held.
type CategoryCount struct {
	Ballots   int
	Valid     int
	Abstained int
}

// Count is what an opened box held: per subject and group, the number of marks at each
// level (index level−1; index 4 is abstain); per category, ballots and votes.
type Count struct {
	Ballots    int
	Tallies    map[int64]map[string][5]int64
	Categories map[int64]CategoryCount
}

// ErrForeignBallot means an opened ballot names a category or subject the round does not
// have: it was not cast through this round's ballot.
var ErrForeignBallot = errors.New("ballotbox: ballot does not match the round")

// Tally opens every ballot of a round and counts it. groupOf maps each of the round's
// rater categories to its group; subjects lists the round's subjects. Each ballot must
// mark every subject exactly once. The opened ballots are counted and dropped at once:
// nothing but the totals leaves this function.
func (o *Opener) Tally(roundID int64, box []Sealed, groupOf map[int64]string, subjects []int64) (Count, error) {
	c := Count{Tallies: map[int64]map[string][5]int64{}, Categories: map[int64]CategoryCount{}}
	known := map[int64]bool{}
	for _, id := range subjects {
		known[id] = true
		c.Tallies[id] = map[string][5]int64{}
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
		cat := c.Categories[b.CategoryID]
		cat.Ballots++
		for j, m := range b.Marks {
			if !known[m.SubjectID] || m.Level < 1 || m.Level > 5 || (j > 0 && b.Marks[j-1].SubjectID == m.SubjectID) {
				return Count{}, fmt.Errorf("ballot %d of %d: %w", i+1, len(box), ErrForeignBallot)
			}
			t := c.Tallies[m.SubjectID][group]
			t[m.Level-1]++
			c.Tallies[m.SubjectID][group] = t
			if m.Level == 5 {
				cat.Abstained++
			} else {
				cat.Valid++
			}
		}
		c.Categories[b.CategoryID] = cat
		c.Ballots++
	}
	return c, nil
}
