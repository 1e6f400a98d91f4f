package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// Scrutineers are the demo rounds' scrutineers (监票人); any two of three open the box.
var Scrutineers = []string{"王德明(纪委委员)", "李秀英(人大代表)", "张国华(群众代表)"}

// LoadRounds gives the demo township a history to look at, unless it has rounds already:
// a closed and published 2024 year-end round whose ballots were cast by the demo raters,
// and a 2025 draft with its codes issued, ready to open once 小漩村 files its reports.
func LoadRounds(ctx context.Context, st *store.Store) (bool, error) {
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return false, err
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil || len(rounds) > 0 {
		return false, err
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		return false, err
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	setUp := func(title string, year int) (int64, []store.RoundSubject, error) {
		id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: title, Year: year, Kind: "year_end",
			Groups: store.DefaultGroups(), Categories: groups, PassPct: 90, AdmonishBelowPct: 80,
			ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
			Scrutineers: Scrutineers, KeyThreshold: 2,
			Levels: []int{1, 2, 3, 4}, People: true, Organisations: true, Criteria: demoCriteria})
		if err != nil {
			return 0, nil, err
		}
		for _, c := range cats {
			if c.RaterCount > 0 {
				if err := st.GenerateCodes(ctx, town.ID, id, c.ID, c.RaterCount); err != nil {
					return 0, nil, err
				}
			}
		}
		subs, err := st.RoundSubjects(ctx, town.ID, id)
		return id, subs, err
	}

	// 2024: filed, voted, closed and published.
	id, subs, err := setUp("2024 年度述职评议", 2024)
	if err != nil {
		return false, fmt.Errorf("demo: 2024 round: %w", err)
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: report(s, 2024)}); err != nil {
			return false, err
		}
	}
	// The demo's scrutineers open the box at once; their shares are then forgotten, as
	// printed key sheets would be shredded after the objection period.
	shares, err := voting.OpenRound(ctx, st, town.ID, id, "周敏")
	if err != nil {
		return false, err
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(2024, 11))
	criteriaRNG := rand.New(rand.NewPCG(2024, 5))
	for i, slip := range slips {
		if i%12 == 11 { // a few raters did not come
			continue
		}
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(vote(rng, k))}
		}
		rateCriteria(criteriaRNG, marks)
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			return false, err
		}
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			return false, fmt.Errorf("demo: cast: %w", err)
		}
	}
	if err := st.EndVoting(ctx, town.ID, id); err != nil {
		return false, err
	}
	round, err := st.Round(ctx, town.ID, id)
	if err != nil {
		return false, err
	}
	if err := voting.OpenBox(ctx, st, round, shares[:2], "周敏"); err != nil {
		return false, fmt.Errorf("demo: open box: %w", err)
	}
	from := time.Date(2025, 1, 10, 0, 0, 0, 0, time.Local)
	if _, err := st.PublishRound(ctx, town.ID, id, store.Publication{From: from, To: from.AddDate(0, 0, 7),
		Contact: "乡党委组织办,电话 0719-6521234(工作日 8:30–17:30)"}, "周敏"); err != nil {
		return false, err
	}

	// 2025: a draft with codes issued; 小漩村's reports are its secretary's to file.
	_, subs, err = setUp("2025 年度述职评议", 2025)
	if err != nil {
		return false, fmt.Errorf("demo: 2025 round: %w", err)
	}
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
	for _, s := range subs {
		if s.VillageID != nil && *s.VillageID == xiaoxuan {
			continue
		}
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: report(s, 2025)}); err != nil {
			return false, err
		}
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
