package demo

import (
	"math/rand/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
)

// demoCriteria is the 三争创 criteria setting of the demo's 2024 year-end round and its
// 2025 draft: optional, persons rated on 五个有.
const demoCriteria = "optional"

// rateCriteria adds a demo rater's criteria ratings to the marks: most raters rate most
// criteria, near their overall choice for the subject (one level better or worse now and
// then); a subject abstained on gets none. It draws from its own generator, so the overall
// choices (and the story built on them) stay as they were.
func rateCriteria(rng *rand.Rand, marks []ballotbox.Mark) {
	for i := range marks {
		c := marks[i].Choice
		if !c.Counts() {
			continue
		}
		for k := range marks[i].Criteria {
			if rng.IntN(100) < 22 { // 不评
				continue
			}
			level := int(c)
			switch x := rng.IntN(100); {
			case x < 12 && level > int(rules.Excellent):
				level--
			case x >= 85 && level < int(rules.Incompetent):
				level++
			}
			marks[i].Criteria[k] = uint8(level)
		}
	}
}
