package rules

import (
	"strconv"
	"strings"
)

// The method's words, typed, in one place: the scale a rater marks each subject on, the
// four levels (tiers) of subjects, and how a subject is named across rounds. The store,
// the ballot box and the pages all use these.

// Choice is a rater's mark on one subject: one of the four levels of the scale, or
// abstain. Its numbers are those of the scale (1 the best); the zero Choice is no mark.
type Choice uint8

// The scale, best first, and abstention.
const (
	Excellent   Choice = 1 // 优秀 / 非常满意
	Competent   Choice = 2 // 称职 / 满意
	Basic       Choice = 3 // 基本称职 / 基本满意
	Incompetent Choice = 4 // 不称职 / 不满意
	Abstention  Choice = 5 // 弃权: counted and shown, not a valid vote
)

// Choices lists every mark a rater can make, in the ballot's order.
var Choices = []Choice{Excellent, Competent, Basic, Incompetent, Abstention}

// Valid reports whether c is a mark at all (a level or abstain).
func (c Choice) Valid() bool { return c >= Excellent && c <= Abstention }

// Counts reports whether c is a valid vote: a level, not an abstention.
func (c Choice) Counts() bool { return c >= Excellent && c <= Incompetent }

// Index is c's position in a Tally (Level1 … Abstain).
func (c Choice) Index() int { return int(c) - 1 }

// Label is the mark in Chinese, as a subject of the kind is rated on it.
func (c Choice) Label(k Kind) string {
	switch {
	case c == Abstention:
		return "弃权"
	case c.Counts():
		return ScaleLabels(k)[c.Index()]
	}
	return ""
}

// ParseChoice reads a mark as a form posts it ("1" … "5").
func ParseChoice(s string) (Choice, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	c := Choice(n)
	return c, err == nil && n > 0 && n < 256 && c.Valid()
}

// ScaleLabels names the four levels of the scale for a kind of subject (method.md §3):
// persons are 优秀 / 称职 / 基本称职 / 不称职, organisations 非常满意 / 满意 / 基本满意 / 不满意.
func ScaleLabels(k Kind) [4]string {
	if k == Organisation {
		return [4]string{"非常满意", "满意", "基本满意", "不满意"}
	}
	return [4]string{"优秀", "称职", "基本称职", "不称职"}
}

// KindOf is the kind of a subject that is an organisation or not.
func KindOf(organisation bool) Kind {
	if organisation {
		return Organisation
	}
	return Person
}

// Tier is one of the four levels of subjects (四个层次, method.md §1).
type Tier int

// The four tiers.
const (
	TierLeadership Tier = 1 // 乡党委政府: the Party committee, the government and its leaders
	TierCadres     Tier = 2 // 乡干部: township cadres
	TierVillage    Tier = 3 // 村级: village organisations and their chief cadres
	TierAgency     Tier = 4 // 乡直机关: township agencies and their heads
)

// Tiers lists the four tiers in order.
var Tiers = []Tier{TierLeadership, TierCadres, TierVillage, TierAgency}

// Valid reports whether t is one of the four tiers.
func (t Tier) Valid() bool { return t >= TierLeadership && t <= TierAgency }

// Label is the tier in Chinese.
func (t Tier) Label() string {
	switch t {
	case TierLeadership:
		return "乡党委政府"
	case TierCadres:
		return "乡干部"
	case TierVillage:
		return "村级"
	case TierAgency:
		return "乡直机关"
	}
	return ""
}

// SubjectKey names a subject across rounds and years: "p" and the person's id, or "o"
// and the organisation's. The rules see subjects by these keys.
func SubjectKey(personID, organisationID *int64) string {
	if personID != nil {
		return PersonKey(*personID)
	}
	if organisationID != nil {
		return OrganisationKey(*organisationID)
	}
	return ""
}

// PersonKey is a person subject's key.
func PersonKey(id int64) string { return "p" + strconv.FormatInt(id, 10) }

// OrganisationKey is an organisation subject's key.
func OrganisationKey(id int64) string { return "o" + strconv.FormatInt(id, 10) }
