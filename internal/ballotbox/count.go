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

// Count is what an opened box held: per subject and group, the tally of its marks and of
// its criteria ratings. Nothing is counted per rater category: a category with one rater
// would give that rater's ballot away.
type Count struct {
	Ballots int
	Tallies map[int64]map[string]rules.Tally
	// Criteria counts, per subject and group, each criterion's ratings (三争创, levels
	// 1–4); a subject or group without a single rating has no entry.
	Criteria map[int64]map[string][Criteria]rules.CriterionTally
}

// ErrForeignBallot means an opened ballot names a category or subject the round does not
// have: it was not cast through this round's ballot.
var ErrForeignBallot = errors.New("ballotbox: ballot does not match the round")

// Tally opens every ballot of a round and counts it. groupOf maps each of the round's
// rater categories to its group; subjects lists the round's subjects. Each ballot must
// mark every subject exactly once; a criterion is rated 1–4 or not at all (0), and a
// subject the rater abstained on has no criterion rated. The opened ballots are counted and dropped at once:
// nothing but the totals leaves this function.
func (o *Opener) Tally(roundID int64, box []Sealed, groupOf map[int64]string, subjects []int64) (Count, error) {
	c := Count{Tallies: map[int64]map[string]rules.Tally{}, Criteria: map[int64]map[string][Criteria]rules.CriterionTally{}}
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
			if !known[m.SubjectID] || !m.Choice.Valid() || (j > 0 && b.Marks[j-1].SubjectID == m.SubjectID) || !m.criteriaValid() {
				return Count{}, fmt.Errorf("ballot %d of %d: %w", i+1, len(box), ErrForeignBallot)
			}
			t := c.Tallies[m.SubjectID][group]
			t[m.Choice.Index()]++
			c.Tallies[m.SubjectID][group] = t
			if m.Criteria != ([Criteria]uint8{}) {
				c.countCriteria(m, group)
			}
		}
		c.Ballots++
	}
	return c, nil
}

// criteriaValid reports whether a mark's criteria ratings are levels of the scale or 0,
// and all 0 for a subject the rater abstained on.
func (m Mark) criteriaValid() bool {
	for _, r := range m.Criteria {
		if r > uint8(rules.Incompetent) || (r != 0 && m.Choice == rules.Abstention) {
			return false
		}
	}
	return true
}

func (c *Count) countCriteria(m Mark, group string) {
	bySubject := c.Criteria[m.SubjectID]
	if bySubject == nil {
		bySubject = map[string][Criteria]rules.CriterionTally{}
		c.Criteria[m.SubjectID] = bySubject
	}
	t := bySubject[group]
	for k, r := range m.Criteria {
		if r != 0 {
			t[k][r-1]++
		}
	}
	bySubject[group] = t
}
