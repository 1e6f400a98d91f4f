package view

import (
	"strings"

	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// 三争创 criteria on the ballot and beside the results (criteria.templ).

// CriteriaField is the form name of subject id's k-th criterion (0-based): c<id>_<k+1>.
func CriteriaField(id int64, k int) string { return "c" + i64(id) + "_" + itoa(k+1) }

// asksCriteria reports whether the ballot asks for the criteria.
func (d BallotData) asksCriteria() bool {
	return d.Criteria == store.CriteriaOptional || d.Criteria == store.CriteriaRequired
}

// criteriaSet is the set a ballot subject is rated on.
func (d BallotData) criteriaSet(s store.BallotSubject) rules.CriteriaSet {
	return rules.CriteriaFor(rules.KindOf(s.Organisation), d.PersonCriteria)
}

// ratedCount is how many of a subject's criteria the rater has rated.
func (d BallotData) ratedCount(id int64) int {
	n := 0
	for _, r := range d.Rated[id] {
		if r != 0 {
			n++
		}
	}
	return n
}

// missingCriterion reports whether the subject's k-th criterion is still to be rated.
func (d BallotData) missingCriterion(id int64, k int) bool {
	for _, m := range d.MissingCriteria[id] {
		if m == k {
			return true
		}
	}
	return false
}

// missingCriteriaNames lists the subject's criteria still to be rated: 事业有建树、为民有情义.
func (d BallotData) missingCriteriaNames(s store.BallotSubject) string {
	names := d.criteriaSet(s).Criteria()
	var out []string
	for _, k := range d.MissingCriteria[s.ID] {
		out = append(out, names[k])
	}
	return strings.Join(out, "、")
}

// criteriaChoices are the levels a criterion is rated on: the scale without abstention.
var criteriaChoices = rules.Choices[:4]

// ratingValue is a criterion rating as the form posts it.
func ratingValue(r uint8) string { return itoa(int(r)) }

// criteriaSummary is what the confirm step shows of a subject's criteria ratings:
// 领导班子好 非常满意 · 党员队伍好 满意; "" when none is rated.
func (d BallotData) criteriaSummary(s store.BallotSubject) string {
	names := d.criteriaSet(s).Criteria()
	var out []string
	for k, r := range d.Rated[s.ID] {
		if r != 0 {
			out = append(out, names[k]+" "+choiceLabel(s.Organisation, rules.Choice(r)))
		}
	}
	return strings.Join(out, " · ")
}

// personCriteriaLabel names a person set with its title: 五个有(人民满意干部).
func personCriteriaLabel(s rules.CriteriaSet) string { return s.Label() + "(" + s.Title() + ")" }

// barWidth is a share "95.50" as the width of a 100-wide bar.
func barWidth(share string) string {
	if share == "" {
		return "0"
	}
	return share
}

// criteriaRule says, for the 评议办法 page, how a round (nil: any round) asks for criteria.
func criteriaRule(r *store.Round) string {
	if r == nil {
		return "组织办在设置每轮评议时决定是否评价三争创标准(不评价、选填或必填),以及个人对象按「五个有」还是「五带头」评价。"
	}
	switch r.Criteria {
	case store.CriteriaOptional:
		return "本轮评议请评议代表评价三争创标准,选填:每项可以选「不评」。个人对象按" + personCriteriaLabel(r.PersonCriteria) + "评价。"
	case store.CriteriaRequired:
		return "本轮评议请评议代表评价三争创标准,必填:除弃权的对象外,每个对象的五项标准都要评价。个人对象按" + personCriteriaLabel(r.PersonCriteria) + "评价。"
	}
	return "本轮评议不评价三争创标准。"
}

// criteriaMinRule says below how many ratings a group's figures for a criterion are left out.
func criteriaMinRule(r *store.Round) string {
	n := "规定"
	if r != nil {
		n = " " + itoa(r.MinGroupVotes) + " "
	}
	return "某组有效票不足" + n + "张,或该组评价某项标准的人数不足" + n + "人,这一组的这一项既不显示,也不计入该项满意率。"
}

// criteriaList is a set's five criteria: 领导班子好、党员队伍好、….
func criteriaList(s rules.CriteriaSet) string {
	c := s.Criteria()
	return strings.Join(c[:], "、")
}

// roundCriteriaSummary states a round's criteria setting in a line: 不评价, or 选填(组织按
// 五个好,个人按五个有).
func roundCriteriaSummary(r store.Round) string {
	if !r.AsksCriteria() {
		return "不评价"
	}
	return store.CriteriaModeLabel(r.Criteria) + "(组织按五个好,个人按" + r.CriteriaSetOf(false).Label() + ";只作参考,不影响评议结果)"
}
