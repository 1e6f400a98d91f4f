package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"pingyi/internal/auth"
	"pingyi/internal/store"
)

// The demo county's other townships each get a year to compare on the county's page
// (/county): a 2025 year-end round voted by their own raters, counted and published in
// January 2026, its talks held on time, late or not yet, and for a few of them the
// villages' 2025 commitments. Every round goes through RunRound (the store's and the
// voting package's public API); only the dates are set back, as the rest of the demo does.

// CountyYear is the year the demo county's townships are compared for.
const CountyYear = 2025

// CountyAccount is the demo county's own account (县委组织部), password Password.
var CountyAccount = Account{"xian.zzb", "示范县委组织部", store.RoleCounty, "县委组织部"}

// countyYear is how one township's year went.
type countyYear struct {
	// turnout is the share of the public's codes used, in per cent (the Party committee's
	// members all vote).
	turnout int
	// doubt is the share of the public's votes for a subject that does well that say
	// 基本称职 / 基本满意, in per mille (a subject's own draw moves it by up to half).
	doubt int
	// reminders and admonishments are how many subjects draw a 提醒谈话 or a 诫勉谈话.
	reminders, admonishments int
	// talks says what became of each talk task, in the ledger's order: 'o' held on time,
	// 'l' held late, 'p' still pending past its deadline.
	talks string
	// stalled is how many of the villages' 2025 commitment items stopped short of done;
	// -1: the township's villages filed none in the demo.
	stalled int
}

// countyYears are CountyTownships' years, in the same order: most pass every subject,
// a few draw talks; turnout, satisfaction, talks and commitments all differ.
var countyYears = []countyYear{
	{turnout: 94, doubt: 25, stalled: 0},                                                 // 青山镇
	{turnout: 88, doubt: 55, reminders: 1, talks: "o", stalled: 2},                       // 白沙乡
	{turnout: 97, doubt: 12, stalled: -1},                                                // 石门乡
	{turnout: 83, doubt: 70, reminders: 2, admonishments: 1, talks: "olp", stalled: 4},   // 龙潭镇
	{turnout: 91, doubt: 35, stalled: -1},                                                // 黄土坡乡
	{turnout: 86, doubt: 45, stalled: 1},                                                 // 清水河乡
	{turnout: 95, doubt: 20, stalled: -1},                                                // 杨柳镇
	{turnout: 80, doubt: 80, reminders: 2, talks: "ol", stalled: -1},                     // 桃源乡
	{turnout: 92, doubt: 30, stalled: -1},                                                // 金竹乡
	{turnout: 89, doubt: 50, reminders: 1, talks: "p", stalled: 3},                       // 大坪镇
	{turnout: 98, doubt: 10, stalled: -1},                                                // 红岩乡
	{turnout: 84, doubt: 65, reminders: 3, admonishments: 1, talks: "oolp", stalled: -1}, // 凤凰镇
	{turnout: 90, doubt: 40, stalled: -1},                                                // 梅子垭乡
	{turnout: 93, doubt: 28, stalled: 0},                                                 // 高桥镇
	{turnout: 82, doubt: 60, stalled: -1},                                                // 三岔乡
	{turnout: 96, doubt: 18, stalled: -1},                                                // 云台乡
	{turnout: 87, doubt: 48, stalled: -1},                                                // 古城镇
	{turnout: 85, doubt: 58, reminders: 1, talks: "o", stalled: -1},                      // 马鞍山乡
	{turnout: 94, doubt: 22, stalled: -1},                                                // 茶园乡
}

// tier is how a subject fares with the raters.
type tier int

const (
	tierPass         tier = iota // S well above 90%
	tierReminder                 // S about 86%: 提醒谈话
	tierAdmonishment             // S about 73%: 诫勉谈话
)

// share is a subject's draw in one group: the per mille of voters who say 基本称职 (c3) and
// 不称职 (c4), spread evenly over the group's ballots so the outcome is what the tier says.
type share struct{ c3, c4 int }

// shares gives a subject's draw: the Party committee's members vote well of a subject that
// does well and mark one in seven (two for an admonishment) down otherwise; the public's
// doubt follows the township's.
func (y countyYear) shares(t tier, group string, jitter int) share {
	peer := group == store.GroupPeer
	switch {
	case t == tierReminder && peer:
		return share{c3: 143} // one of the seven
	case t == tierReminder:
		return share{c3: 110, c4: 25}
	case t == tierAdmonishment && peer:
		return share{c3: 286} // two of the seven
	case t == tierAdmonishment:
		return share{c3: 200, c4: 60}
	case peer:
		return share{}
	}
	d := y.doubt * (50 + jitter) / 100 // jitter 0–100: half to one and a half times
	return share{c3: d, c4: d / 8}
}

// spread reports whether the j-th voter (from 0) is among the perMille of voters, spread
// evenly from the offset: of n voters, n×perMille/1000 rounded by the offset are.
func spread(j, perMille, offset int) bool {
	return ((j+1)*perMille+offset)/1000 > (j*perMille+offset)/1000
}

// tiers picks which subjects draw talks: reminders and admonishments at places of their
// own in each township.
func (y countyYear) tiers(i int) map[int]tier {
	out := map[int]tier{}
	k := 3 + i*5
	next := func() int {
		for {
			k = (k + 11) % 47
			if _, taken := out[k]; !taken {
				return k
			}
		}
	}
	for range y.admonishments {
		out[next()] = tierAdmonishment
	}
	for range y.reminders {
		out[next()] = tierReminder
	}
	return out
}

// countyPublished is when the i-th township published its 2025 results: the county's
// meetings fall between 6 and 16 January 2026 (at half past nine, Beijing time), or a month
// before today if the demo is loaded earlier than that.
func countyPublished(i int, today time.Time) time.Time {
	p := time.Date(CountyYear+1, 1, 6+i%11, 1, 30, 0, 0, time.UTC)
	if latest := today.AddDate(0, 0, -30); p.After(latest) {
		p = latest
	}
	return p
}

// loadCountyYear gives the i-th other township its year: the year-end round, its talks and
// (for some) the villages' commitments.
func loadCountyYear(ctx context.Context, st *store.Store, townID int64, i int, ct CountyTownship, today time.Time) error {
	y := countyYears[i%len(countyYears)]
	spec := countySpec(i, ct)
	office := spec.leaders[4].name
	published := countyPublished(i, today)
	tiers := y.tiers(i)
	short := []rune(ct.Name)
	kind := string(short[len(short)-1])
	_, err := RunRound(ctx, st, townID, RoundSpec{Title: fmt.Sprintf("%d 年度述职评议", CountyYear), Year: CountyYear, Kind: "year_end",
		People: true, Organisations: true, Rand: rand.New(rand.NewPCG(uint64(CountyYear), uint64(100+i))),
		Attend: func(rng *rand.Rand, _ int, slip store.Slip) bool {
			return slip.Category == "党委委员" || rng.IntN(100) < y.turnout
		},
		VoteAs: func(rng *rand.Rand, v Voter, k int, _ store.RoundSubject) int {
			offset := (k*389 + i*97) % 1000 // each subject's own, so the marked-down voters differ
			if v.Group == store.GroupPeer {
				offset = 0
			}
			sh := y.shares(tiers[k], v.Group, (k*37+i*53)%101)
			switch {
			case spread(v.Before, sh.c4, offset):
				return 4
			case spread(v.Before, sh.c3, (offset+500)%1000):
				return 3
			case v.Group != store.GroupPeer && rng.IntN(100) == 0:
				return 5 // the odd abstention
			case rng.IntN(100) < 62:
				return 1
			}
			return 2
		},
		By: office, Contact: fmt.Sprintf("%s党委组织办,电话 0719-65%05d", kind, 30000+i*17), Published: published})
	if err != nil {
		return fmt.Errorf("year-end round: %w", err)
	}
	if err := countyTalks(ctx, st, townID, y, spec, today); err != nil {
		return fmt.Errorf("talks: %w", err)
	}
	if y.stalled >= 0 {
		if err := countyCommitments(ctx, st, townID, i, spec, y.stalled, today); err != nil {
			return fmt.Errorf("commitments: %w", err)
		}
	}
	return nil
}

// countyTalks records the year's talks as the plan says: on time (within the deadline
// after 公示), late, or not yet. A talk held has its pledge handed in on time, and an
// admonishment period that has ended its follow-up: the township's home page then shows
// only what the plan leaves pending.
func countyTalks(ctx context.Context, st *store.Store, townID int64, y countyYear, spec townshipSpec, today time.Time) error {
	talks, err := st.TalkList(ctx, townID, today, store.TalkFilter{Year: CountyYear})
	if err != nil {
		return err
	}
	if len(talks) != len(y.talks) {
		return fmt.Errorf("demo: %d talks from the count, the plan has %d", len(talks), len(y.talks))
	}
	secretary, office := spec.leaders[0], spec.leaders[4]
	for n, t := range talks {
		if t.Deadline == nil {
			return fmt.Errorf("demo: talk %d has no deadline", t.ID)
		}
		var held time.Time
		switch y.talks[n] {
		case 'o':
			held = t.Deadline.AddDate(0, 0, -10+n*3%9)
		case 'l':
			held = t.Deadline.AddDate(0, 0, 6+n*5)
		default:
			continue
		}
		rec := demoRecord(t, held)
		rec.Place = "党委会议室"
		rec.Talker, rec.TalkerPost = secretary.name, secretary.position
		rec.Recorder, rec.RecorderPost = office.name, office.position
		if err := st.SaveTalkRecord(ctx, townID, t.ID, 0, rec); err != nil {
			return err
		}
		pledges, err := st.Rectifications(ctx, townID, today, store.RectificationFilter{TalkID: t.ID})
		if err != nil {
			return err
		}
		for _, x := range pledges {
			if err := st.CompleteRectification(ctx, townID, t.ID, x.ID, x.DueOn.AddDate(0, 0, -1), "已按期提交书面整改承诺,存组织办。", nil); err != nil {
				return err
			}
		}
		periods, err := st.Periods(ctx, townID, today, store.ConsequenceFilter{TalkID: t.ID})
		if err != nil {
			return err
		}
		for _, p := range periods {
			if on := p.EndsOn.AddDate(0, 0, 5); on.Before(today) {
				if err := st.RecordFollowup(ctx, townID, t.ID, p.ID, store.FollowupInput{HeldOn: on, HeldBy: office.name,
					Findings: "书面检查已提交,整改事项按期完成,群众反映良好", Decision: "lift"}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// villageItems are the county villages' commitment items, one list per category; each
// village takes one of each, with two or three progress reports.
var villageItems = [][]demoItem{
	{
		{cat: "economy", content: "发展村集体经济,盘活闲置资产", target: "村集体经济收入 5 万元以上", due: dueYearEnd,
			notes: []string{"清理闲置村小学校舍,公开招租", "租金收入 2.4 万元到账", "全年收入 5.3 万元,张榜公布"}},
		{cat: "economy", content: "发展特色种养殖", target: "新发展魔芋 200 亩,带动 40 户增收", due: dueYearEnd,
			notes: []string{"种芋统一采购到户", "魔芋长势良好,技术员上门指导", "收获魔芋,户均增收 3000 元"}},
	},
	{
		{cat: "service", content: "修缮村组道路", target: "整修通组公路 4 公里,新增错车道 6 处", due: dueQ3,
			notes: []string{"勘测线路,公示施工方案", "完成整修 4 公里,组织群众代表验收"}},
		{cat: "service", content: "解决群众安全饮水", target: "新建蓄水池 1 座,改造管网 3 公里", due: dueQ3,
			notes: []string{"蓄水池主体完工", "管网改造完成,全部通水"}},
	},
	{
		{cat: "governance", content: "矛盾纠纷排查化解", target: "每月排查一次,调处成功率 95% 以上", due: dueYearEnd,
			notes: []string{"建立纠纷排查台账", "排查纠纷 14 起,调处成功 14 起"}},
		{cat: "governance", content: "人居环境整治", target: "农户厕所改造 30 户,垃圾收集点全覆盖", due: dueMidYear,
			notes: []string{"改厕户名单公示", "30 户改厕完成,验收合格"}},
	},
	{
		{cat: "party", content: "落实“三会一课”", target: "每月主题党日不少于 1 次,党员参学率 90% 以上", due: dueYearEnd,
			notes: []string{"制定全年学习计划", "主题党日按月开展,参学率 93%"}},
		{cat: "party", content: "党员联系服务群众", target: "每名党员联系 5 户以上,每季度走访一次", due: dueYearEnd,
			notes: []string{"党员联户名单上墙", "四个季度走访全部完成"}},
	},
}

// countyCommitments files every village's 2025 commitment, approved and public, with its
// progress: every item done by its deadline but the stalled ones, which stopped at 85%.
func countyCommitments(ctx context.Context, st *store.Store, townID int64, i int, spec townshipSpec, stalled int, today time.Time) error {
	vs, err := st.Villages(ctx, townID)
	if err != nil {
		return err
	}
	l := &commitmentLoader{ctx: ctx, st: st, tid: townID, today: store.LocalDay(today), year: CountyYear,
		approval: date(CountyYear, 2, 24+i%4), rng: rand.New(rand.NewPCG(uint64(CountyYear), uint64(200+i))), officeName: spec.leaders[4].name}
	n := 0
	for v, village := range vs {
		var items []demoItem
		for c, choices := range villageItems {
			it := choices[(v+c+i)%len(choices)]
			it.pace = onSchedule
			// The stalled items are spread over the villages, the last category first.
			if n < stalled && c == len(villageItems)-1-v%2 {
				it.pace = stuck
				it.notes = append(append([]string(nil), it.notes[:len(it.notes)-1]...), "完成八成,余下部分因资金未到位未能按期完成")
				n++
			}
			items = append(items, it)
		}
		id := village.ID
		if err := l.file(&id, items, ""); err != nil {
			return fmt.Errorf("%s: %w", village.Name, err)
		}
	}
	if n < stalled {
		return fmt.Errorf("demo: %d stalled items planned, %d villages", stalled, len(vs))
	}
	return nil
}

// LoadCountyAccount makes the demo county's account (CountyAccount) unless it exists; the
// county must have a township already. It reports whether it made it.
func LoadCountyAccount(ctx context.Context, st *store.Store) (bool, error) {
	if _, err := st.UserByUsername(ctx, CountyAccount.Username); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return false, err
	}
	_, err = st.CreateCountyUser(ctx, store.CountyUserInput{County: County, Username: CountyAccount.Username,
		DisplayName: CountyAccount.Name, PasswordHash: hash})
	if errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}
