package rules

import "math/big"

// The 三争创 criteria (seed 000): beside the overall rating, a round may ask raters to rate
// each subject on the five criteria of the title it strives for. They are a profile for
// the office, the Party committee and the subject: they never decide an outcome, a talk
// or an award (Decide and Evaluate read the overall rating only).
//
// Which subjects get which set:
//   - organisations: 五个好 (先进基层党组织). Seed 000 names it as what every basic Party
//     organisation strives for, and an organisation subject of 一述双评 (乡党委政府, 村级组织,
//     乡直机关) reports as a body with its 班子 and its members, so all are rated on it.
//   - persons: 五个有 (人民满意干部) by default. A person subject of 一述双评 is there as a
//     cadre (领导班子成员, 乡机关干部, 村主职干部, 机关负责人): the duty report is a cadre's, the
//     scale is 称职 / 不称职, and the title the round feeds is 人民满意干部. Nearly every
//     such cadre is also a Party member, but being a member is not why they are rated.
//   - 五带头 (优秀共产党员) rates Party members as members. A round whose person subjects are
//     rated as Party members (a 专项评议 before the 七一 commendations, say) says so in its
//     set-up, and then its person subjects are rated on 五带头 instead.
//
// Scale: a criterion is rated on the subject's own four levels (优秀 / 称职 / 基本称职 /
// 不称职, or 非常满意 … 不满意 for an organisation), so its satisfaction means what the
// overall one means. There is no 弃权 per criterion: seed 000 has no 测评表 of its own, and
// the method's abstention is per subject. A rater who abstains on a subject rates none of
// its criteria; where criteria are optional, a criterion left unrated (不评) is simply
// not counted.

// CriteriaSet is one of the three sets of five criteria.
type CriteriaSet string

// The three sets.
const (
	FiveGoods CriteriaSet = "five_goods" // 五个好: 先进基层党组织
	FiveHaves CriteriaSet = "five_haves" // 五个有: 人民满意干部
	FiveLeads CriteriaSet = "five_leads" // 五带头: 优秀共产党员
)

// CriteriaCount is how many criteria each set has.
const CriteriaCount = 5

// PersonCriteriaSets are the sets a round may rate its person subjects on, the default
// first.
var PersonCriteriaSets = []CriteriaSet{FiveHaves, FiveLeads}

// Valid reports whether s is one of the three sets.
func (s CriteriaSet) Valid() bool { return s == FiveGoods || s == FiveHaves || s == FiveLeads }

// Label is the set's name in Chinese: 五个好, 五个有, 五带头.
func (s CriteriaSet) Label() string {
	switch s {
	case FiveGoods:
		return "五个好"
	case FiveHaves:
		return "五个有"
	case FiveLeads:
		return "五带头"
	}
	return ""
}

// Title is the 三争创 title the set describes.
func (s CriteriaSet) Title() string {
	switch s {
	case FiveGoods:
		return "先进基层党组织"
	case FiveHaves:
		return "人民满意干部"
	case FiveLeads:
		return "优秀共产党员"
	}
	return ""
}

// Criteria are the set's five criteria, in seed 000's order.
func (s CriteriaSet) Criteria() [CriteriaCount]string {
	switch s {
	case FiveGoods:
		return [CriteriaCount]string{"领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"}
	case FiveHaves:
		return [CriteriaCount]string{"事业有建树", "为民有情义", "服务有诚信", "做人有品位", "自律有原则"}
	case FiveLeads:
		return [CriteriaCount]string{"带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气"}
	}
	return [CriteriaCount]string{}
}

// CriteriaFor is the set a subject of the kind is rated on, in a round whose person
// subjects are rated on persons (FiveHaves or FiveLeads; anything else reads as FiveHaves).
func CriteriaFor(k Kind, persons CriteriaSet) CriteriaSet {
	switch {
	case k == Organisation:
		return FiveGoods
	case persons == FiveLeads:
		return FiveLeads
	}
	return FiveHaves
}

// CriterionTally counts one criterion's ratings for one subject in one group: levels 1–4
// of the scale, as a Tally does (there is no abstention per criterion).
type CriterionTally [4]int64

// Rated is how many raters rated the criterion.
func (t CriterionTally) Rated() int64 { return t[0] + t[1] + t[2] + t[3] }

// CriterionSatisfaction is a criterion's weighted satisfaction, computed as the overall
// one is (Weigh): per group s_g = (c1+c2)/n_g over the n_g raters who rated it, then
// S = Σ w_g·s_g / Σ w_g over the groups with at least one rating and a positive weight.
// nil when no such group exists. Exact: it is Weigh's S, over tallies without abstentions.
func CriterionSatisfaction(weights map[string]int, tallies map[string]CriterionTally) *big.Rat {
	t := make(map[string]Tally, len(tallies))
	for g, c := range tallies {
		t[g] = Tally{c[0], c[1], c[2], c[3], 0}
	}
	return Weigh(weights, t).S
}
