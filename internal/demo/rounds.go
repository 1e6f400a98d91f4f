package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/store"
)

// Scrutineers are the demo rounds' scrutineers (监票人); any two of three open the box.
var Scrutineers = []string{"王德明(纪委委员)", "李秀英(人大代表)", "张国华(群众代表)"}

// LoadRounds gives the demo township a history to look at, unless it has rounds already:
// a closed and published 2024 year-end round whose ballots were cast by the demo raters,
// and a 2025 draft with its codes issued, ready to open once 小漩村 files its reports.
// Both go through RunRound's helpers, like every round the demo makes.
func LoadRounds(ctx context.Context, st *store.Store) (bool, error) {
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return false, err
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil || len(rounds) > 0 {
		return false, err
	}
	// 2024: filed, voted, closed and published. Eleven raters in twelve came; the draw
	// is the one the rest of the demo's history (talks, awards) was written for.
	// The criteria ratings draw from their own generator (criteria.go).
	criteriaRNG := rand.New(rand.NewPCG(2024, 5))
	if _, err := RunRound(ctx, st, town.ID, RoundSpec{Title: "2024 年度述职评议", Year: 2024, Kind: "year_end",
		People: true, Organisations: true, Rand: rand.New(rand.NewPCG(2024, 11)), Criteria: demoCriteria,
		Attend:       func(_ *rand.Rand, i int, _ store.Slip) bool { return i%12 != 11 },
		Vote:         func(rng *rand.Rand, k int, _ store.RoundSubject) int { return vote(rng, k) },
		RateCriteria: func(marks []ballotbox.Mark) { rateCriteria(criteriaRNG, marks) },
		Contact:      "乡党委组织办,电话 0719-6521234(工作日 8:30–17:30)"}); err != nil {
		return false, fmt.Errorf("demo: 2024 round: %w", err)
	}

	// 2025: a draft with codes issued; 小漩村's reports are its secretary's to file.
	villages, err := st.Villages(ctx, town.ID)
	if err != nil {
		return false, err
	}
	var xiaoxuan int64
	for _, v := range villages {
		if v.Name == "小漩村" {
			xiaoxuan = v.ID
		}
	}
	if _, _, err := setUpRound(ctx, st, town.ID, RoundSpec{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end",
		People: true, Organisations: true, Criteria: demoCriteria,
		Filed: func(s store.RoundSubject) bool { return s.VillageID == nil || *s.VillageID != xiaoxuan }}); err != nil {
		return false, fmt.Errorf("demo: 2025 round: %w", err)
	}
	return true, nil
}

// vote draws one rater's choice for the k-th subject: most subjects do well, a few
// draw enough 基本 and 不称职 votes for a reminder or an admonishment talk.
func vote(rng *rand.Rand, k int) int {
	x := rng.IntN(100)
	switch {
	case k%17 == 5: // weak: admonishment territory
		switch {
		case x < 35:
			return 1
		case x < 60:
			return 2
		case x < 78:
			return 3
		case x < 97:
			return 4
		}
		return 5
	case k%11 == 7: // middling: a reminder
		switch {
		case x < 50:
			return 1
		case x < 80:
			return 2
		case x < 92:
			return 3
		case x < 97:
			return 4
		}
		return 5
	}
	switch {
	case x < 68:
		return 1
	case x < 96:
		return 2
	case x < 99:
		return 3
	}
	return 5
}

func report(s store.RoundSubject, year int) string {
	if s.IsOrganisation() {
		return fmt.Sprintf("%s %d 年度工作述职\n\n一、主要工作:围绕电站建设和移民安置大局,完成年度目标任务,征地拆迁、矛盾调处、集体经济发展稳步推进。\n二、党建工作:落实“三会一课”,开展党员设岗定责,发挥战斗堡垒作用。\n三、存在不足:群众工作方法有待改进,服务意识需进一步增强。\n四、下步打算:对照群众意见逐项整改,兑现年度承诺。", s.Name, year)
	}
	return fmt.Sprintf("%s(%s)%d 年度个人述职\n\n一年来,本人认真履行岗位职责,坚持服务群众、服务项目建设,按时完成分管工作任务。\n一是加强学习,提高政治站位;二是扎实工作,推进分管领域重点任务;三是廉洁自律,严守纪律规矩。\n不足之处:深入基层调研不够,工作方法有待创新。今后将对照评议意见认真整改。", s.Name, s.Title, year)
}
