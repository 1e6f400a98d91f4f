package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"time"

	"pingyi/internal/photo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
)

// LoadCommitments gives the demo township a year of commitments (双承诺), unless it has
// some already: every village's commitment to the township Party committee and the
// committee's own public commitment, approved and public, with progress and photos;
// 小漩村 with an item overdue and one due this month, 河口村 returned once before approval,
// 双河村 revised in a second version; and the leaders' comments of a quarter (three villages
// still without one this quarter). Dates follow today, so the demo always looks current:
// the year is today's, or last year's in the first weeks of a year.
func LoadCommitments(ctx context.Context, st *store.Store, today time.Time) (bool, error) {
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return false, err
	}
	if years, err := st.CommitmentYears(ctx, town.ID); err != nil || len(years) > 0 {
		return false, err
	}
	today = store.LocalDay(today)
	l := &commitmentLoader{ctx: ctx, st: st, tid: town.ID, today: today, year: today.AddDate(0, 0, -45).Year(),
		rng: rand.New(rand.NewPCG(2026, 12))}
	l.approval = minDay(date(l.year, 2, 20), today.AddDate(0, 0, -30))
	vs, err := st.Villages(ctx, town.ID)
	if err != nil {
		return false, err
	}
	villageID := map[string]int64{}
	for _, v := range vs {
		villageID[v.Name] = v.ID
	}
	if err := l.file(nil, townshipItems, ""); err != nil {
		return false, fmt.Errorf("demo: township commitment: %w", err)
	}
	for _, v := range villagePlans {
		id := villageID[v.village]
		if err := l.file(&id, v.items, v.returned); err != nil {
			return false, fmt.Errorf("demo: %s commitment: %w", v.village, err)
		}
	}
	if err := l.comment(villageID); err != nil {
		return false, fmt.Errorf("demo: comments: %w", err)
	}
	return true, nil
}

// due says how an item's deadline follows from the demo's dates.
type due int

const (
	dueYearEnd   due = iota // 31 December
	dueMidYear              // 30 June
	dueQ3                   // 30 September
	dueMonthEnd             // the end of this month: due this month
	duePast                 // three weeks ago: overdue unless done
	dueTwoMonths            // two months from today
)

// pace says how far along an item is today.
type pace int

const (
	onSchedule pace = iota // done by its deadline if that has passed, else as far as time has gone
	behind                 // well behind time: at risk
	stuck                  // stopped at 85%: overdue once its deadline passes
)

type demoItem struct {
	cat, content, target string
	due                  due
	pace                 pace
	weight               int
	photos               int      // photos on the latest report
	notes                []string // what each report says, oldest first
	subs                 []demoItem
	revised              string // version 2's target (双河村)
	added                bool   // first appears in version 2
}

type villagePlan struct {
	village  string
	returned string // the office's comment when it returned version 1
	items    []demoItem
}

var townshipItems = []demoItem{
	{cat: "service", content: "一站式便民服务中心集中办理移民、国土、民政、计生等事项", target: "群众办事“最多跑一次”,即办率 90% 以上", due: dueYearEnd, pace: onSchedule, photos: 1,
		notes: []string{"服务中心六个窗口集中办公,公布办事指南和时限", "上半年受理 1260 件,即办 1148 件", "开通村级代办点,村文书全程代理"}},
	{cat: "economy", content: "服务小漩电站、县城互通等重点工程建设,按期完成征地", target: "完成征地 1560 亩,补偿资金足额兑现到户", due: dueQ3, pace: onSchedule, photos: 2,
		notes: []string{"成立征地协调专班,逐户丈量登记", "完成征地 1100 亩,公示补偿清册", "全部完成,补偿资金打卡发放到户"}},
	{cat: "service", content: "移民安置“整院搬迁”", target: "完成河口 27 户整院搬迁,安置房分配公开透明", due: dueMidYear, pace: onSchedule, photos: 1,
		notes: []string{"召开移民户会议,公开安置方案", "抽签分配安置房,全程公证", "27 户全部搬迁入住"}},
	{cat: "governance", content: "化解信访积案,维护社会稳定", target: "化解信访积案 12 件,不发生群体性上访", due: dueYearEnd, pace: behind,
		notes: []string{"逐案建立台账,包案领导上门走访", "已化解积案 4 件"}},
}

var villagePlans = []villagePlan{
	{village: "小漩村", items: []demoItem{
		{cat: "economy", content: "集体土地入股新型材料砖厂,壮大村集体经济", target: "村集体经济收入 7 万元以上", due: dueYearEnd, pace: onSchedule, photos: 1,
			notes: []string{"村民代表大会通过土地入股方案", "砖厂二号线投产,上半年分红 3.2 万元", "三季度分红到账,累计 5.1 万元"}},
		{cat: "service", content: "完成电站移民安置房分配", target: "安置 42 户,群众签字确认", due: duePast, pace: stuck, photos: 1,
			notes: []string{"公示安置名单和分配规则", "已分配 36 户,6 户对楼层有异议正在协调"}},
		{cat: "service", content: "硬化通组道路", target: "新修水泥路 3.5 公里,宽 4.5 米", due: dueMonthEnd, pace: onSchedule, subs: []demoItem{
			{content: "一组至二组", target: "1.2 公里", due: dueMidYear, pace: onSchedule, weight: 1, photos: 2,
				notes: []string{"路基平整完成", "路面浇筑完成,组织群众代表验收"}},
			{content: "二组至五组", target: "2.3 公里", due: dueMonthEnd, pace: onSchedule, weight: 2, photos: 1,
				notes: []string{"施工队进场", "完成 1.5 公里路面浇筑"}},
		}},
		{cat: "governance", content: "建立矛盾纠纷排查调处台账", target: "每月排查一次,调处成功率 95% 以上", due: dueYearEnd, pace: onSchedule,
			notes: []string{"建立台账,明确网格员", "排查纠纷 18 起,调处成功 17 起", "排查纠纷 31 起,调处成功 30 起"}},
		{cat: "party", content: "落实“三会一课”,发展党员", target: "每月主题党日不少于 1 次,发展党员 2 名", due: dueYearEnd, pace: onSchedule,
			notes: []string{"确定入党积极分子 3 名", "主题党日按月开展,2 名发展对象公示"}},
	}},
	{village: "河口村", returned: "集体经济目标请写明收入来源和金额;便民服务室请写明代办事项和时限。", items: []demoItem{
		{cat: "economy", content: "林场、石场规范经营,发展集体经济", target: "集体经济收入 15 万元以上", due: dueYearEnd, pace: onSchedule, photos: 1,
			notes: []string{"林场承包合同公开招标", "石场上半年收入 6.8 万元", "累计收入 11.6 万元"}},
		{cat: "service", content: "村便民服务室代办建房、社保、证照等事项", target: "代办事项 5 个工作日内办结,群众满意", due: dueYearEnd, pace: onSchedule,
			notes: []string{"公布代办事项清单和代理员", "代办 86 件,按时办结 84 件"}},
		{cat: "governance", content: "整院搬迁后新院落环境整治", target: "修建垃圾收集点 4 处,路灯 20 盏", due: dueQ3, pace: onSchedule, photos: 2,
			notes: []string{"选定垃圾收集点位置", "路灯安装完成", "全部完成并移交保洁员管护"}},
		{cat: "party", content: "流动党员管理", target: "外出党员每季度联系一次,参加组织生活", due: dueYearEnd, pace: onSchedule,
			notes: []string{"建立流动党员微信群,按季度通报", "三季度线上组织生活会,到会 11 人"}},
	}},
	{village: "响水洞村", items: []demoItem{
		{cat: "economy", content: "配合新石料场征地,做好群众工作", target: "一周内完成耕林地征用 800 亩,无上访", due: dueMidYear, pace: onSchedule, photos: 1,
			notes: []string{"入户宣传征地政策", "800 亩全部签约,业主进场施工"}},
		{cat: "service", content: "实施安全饮水巩固提升工程", target: "新建蓄水池 2 座,解决 120 户饮水", due: dueQ3, pace: onSchedule, photos: 1,
			notes: []string{"蓄水池开挖", "管网铺设完成,120 户通水"}},
		{cat: "governance", content: "推行“四议两公开”", target: "重大事项 100% 按程序决策并公开", due: dueYearEnd, pace: onSchedule,
			notes: []string{"修订村规民约", "上半年决策事项 6 件全部公开"}},
		{cat: "party", content: "党员设岗定责", target: "有职党员全部设岗,无职党员认岗率 90% 以上", due: dueTwoMonths, pace: behind,
			notes: []string{"公布岗位清单"}},
	}},
	{village: "柳树沟村", items: []demoItem{
		{cat: "economy", content: "发展香菇种植", target: "新建香菇大棚 20 个,带动 30 户增收", due: dueYearEnd, pace: onSchedule, photos: 1,
			notes: []string{"流转土地 35 亩", "建成大棚 12 个", "建成大棚 17 个,首批出菇"}},
		{cat: "service", content: "村卫生室标准化建设", target: "卫生室达到省定标准,配齐基本设备", due: dueQ3, pace: onSchedule,
			notes: []string{"房屋改造", "设备到位,通过县卫健局验收"}},
		{cat: "governance", content: "综治网格化管理", target: "划分网格 6 个,每格配网格员 1 名", due: dueMidYear, pace: onSchedule,
			notes: []string{"网格划分完成,网格员上岗"}},
		{cat: "party", content: "村级活动场所规范化", target: "党员活动室、便民服务室、图书室三室齐全", due: dueYearEnd, pace: onSchedule,
			notes: []string{"图书室改造完成"}},
	}},
	{village: "青龙村", items: []demoItem{
		{cat: "economy", content: "发展茶叶产业", target: "新栽茶园 100 亩,改造老茶园 50 亩", due: dueYearEnd, pace: onSchedule, photos: 2,
			notes: []string{"茶苗到位", "新栽 60 亩", "新栽 100 亩完成,老茶园改造 30 亩"}},
		{cat: "service", content: "为 60 岁以上老人开展免费体检", target: "体检覆盖率 95% 以上", due: dueQ3, pace: onSchedule,
			notes: []string{"联系乡卫生院", "体检 212 人,覆盖率 96%"}},
		{cat: "governance", content: "河道“清四乱”", target: "清理河道 3 公里,建立河长巡河记录", due: dueYearEnd, pace: behind,
			notes: []string{"组织党员清理河道垃圾"}},
		{cat: "party", content: "开展“十星级党员”评定", target: "全体党员参与评星,评星结果公开", due: dueYearEnd, pace: onSchedule,
			notes: []string{"制定评星细则", "上半年评星结果公示"}},
	}},
	{village: "双河村", items: []demoItem{
		{cat: "economy", content: "村集体光伏电站入股", target: "建成 100 千瓦光伏电站", revised: "建成 60 千瓦光伏电站(受屋顶面积限制调整)", due: dueYearEnd, pace: onSchedule, photos: 1,
			notes: []string{"选址完成", "组件安装完成 40 千瓦", "并网发电 60 千瓦"}},
		{cat: "service", content: "危房改造", target: "完成 8 户危房改造", due: dueQ3, pace: onSchedule, photos: 1,
			notes: []string{"确定改造户并公示", "8 户全部完工入住"}},
		{cat: "governance", content: "调解移民补偿纠纷", target: "补偿纠纷调处率 100%", due: dueYearEnd, pace: onSchedule,
			notes: []string{"排查纠纷 9 起", "调处 8 起"}},
		{cat: "service", content: "修建村级文化广场", target: "广场 800 平方米,配健身器材一套", due: dueYearEnd, pace: onSchedule, added: true,
			notes: []string{"广场地面硬化完成"}},
	}},
	{village: "板栗园村", items: []demoItem{
		{cat: "economy", content: "板栗专业合作社品改增效", target: "嫁接改良板栗 500 亩,合作社社员增收 10%", due: dueYearEnd, pace: onSchedule, photos: 2,
			notes: []string{"春季嫁接 300 亩", "夏季管护培训 2 场", "嫁接改良 500 亩完成,秋季收购价每斤高于市场 0.3 元"}},
		{cat: "service", content: "建设板栗初加工厂", target: "建成烘干、分拣车间 1 处", due: dueYearEnd, pace: behind,
			notes: []string{"完成用地手续"}},
		{cat: "governance", content: "红白喜事简办", target: "成立红白理事会,村规民约明确标准", due: dueMidYear, pace: onSchedule,
			notes: []string{"理事会成立,标准写入村规民约"}},
		{cat: "party", content: "合作社党支部发挥作用", target: "党员示范户带动 50 户", due: dueYearEnd, pace: onSchedule,
			notes: []string{"确定党员示范户 12 户", "带动 43 户"}},
	}},
}

var commentTexts = []string{
	"承诺事项具体,推进有力。要把群众最关心的事放在前面,按月公开进展。",
	"集体经济增收明显,但个别事项进度滞后,要倒排工期、明确责任人。",
	"征地拆迁任务重,要多做群众工作,矛盾纠纷要早发现、早化解。",
	"践诺记录要附现场照片,让群众看得见、信得过。",
	"下季度重点抓好民生实事,逾期事项要说明原因并限期完成。",
	"党员设岗定责要落到实处,发挥党员先锋模范作用。",
	"总体进展良好,年底前要对照目标逐项自查,做好述诺准备。",
}

type commitmentLoader struct {
	ctx      context.Context
	st       *store.Store
	tid      int64
	today    time.Time
	year     int
	approval time.Time
	rng      *rand.Rand
	photoN   int
	drawn    []store.EntryFile // a few drawn photos, reused: drawing is the slow part
	// officeName is the office member who approves and publishes (周敏 when empty).
	officeName string
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func minDay(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (l *commitmentLoader) deadline(d due) time.Time {
	switch d {
	case dueMidYear:
		return date(l.year, 6, 30)
	case dueQ3:
		return date(l.year, 9, 30)
	case dueMonthEnd:
		if l.today.Year() == l.year {
			return date(l.year, int(l.today.Month())+1, 1).AddDate(0, 0, -1)
		}
	case duePast:
		if t := l.today.AddDate(0, 0, -21); t.Year() == l.year && t.After(l.approval) {
			return t
		}
		return l.approval.AddDate(0, 0, 14)
	case dueTwoMonths:
		if t := l.today.AddDate(0, 2, 0); t.Year() == l.year {
			return t
		}
	}
	return date(l.year, 12, 31)
}

// plan is how far an item gets and when it was reported.
type reportPlan struct {
	days     []time.Time
	percents []int
}

// reports spreads an item's reports between its start and today (or its deadline, for
// one done on time), rising to where its pace puts it today.
func (l *commitmentLoader) reports(it demoItem, start, deadline time.Time, n int) reportPlan {
	// The latest report is a few days old.
	end := minDay(l.today.AddDate(0, 0, -2-l.rng.IntN(12)), deadline)
	final := 0
	span := deadline.Sub(start).Hours()
	gone := l.today.Sub(start).Hours()
	share := 1.0
	if span > 0 {
		share = min(1, max(0, gone/span))
	}
	switch it.pace {
	case onSchedule:
		// As far as time has gone, give or take: never 25 points behind.
		final = min(95, max(5, int(share*100/5)*5-5*l.rng.IntN(4)))
		if !l.today.Before(deadline) {
			final = 100
			end = deadline.AddDate(0, 0, -3)
		}
	case behind:
		final = max(10, int(share*40/5)*5)
		if !l.today.Before(deadline) {
			final = 100 // caught up in the end (only 小漩村 has an item overdue)
		}
	case stuck:
		final = 85
	}
	var p reportPlan
	span = end.Sub(start).Hours()
	for i := 1; i <= n; i++ {
		d := store.LocalDay(start.Add(time.Duration(span*float64(i)/float64(n)) * time.Hour))
		if earliest := start.AddDate(0, 0, i); d.Before(earliest) {
			d = earliest
		}
		d = minDay(d, l.today)
		p.days = append(p.days, d)
		p.percents = append(p.percents, max(5, final*i/n/5*5))
	}
	if n > 0 {
		p.percents[n-1] = final
	}
	return p
}

// file takes one commitment through its lifecycle: filed, returned once if the plan
// says so, approved, public; 双河村's through a second version; then its progress.
func (l *commitmentLoader) file(villageID *int64, items []demoItem, returned string) error {
	ctx, st, tid := l.ctx, l.st, l.tid
	secretary := store.Actor{Name: "村党支部书记", Role: store.RoleSecretary}
	if villageID != nil {
		orgs, _, err := st.VillageRoster(ctx, tid, *villageID)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if o.Kind == store.KindVillageBranch && o.ResponsibleName != nil {
				secretary.Name = *o.ResponsibleName
			}
		}
	}
	office := store.Actor{Name: Accounts[0].Name, Role: store.RoleOffice}
	if l.officeName != "" {
		office.Name = l.officeName
	}
	owner := secretary
	if villageID == nil {
		owner = office
	}
	cid, err := st.CreateCommitment(ctx, tid, villageID, l.year, owner)
	if err != nil {
		return err
	}
	type made struct {
		spec demoItem
		id   int64
	}
	var all []made
	add := func(it demoItem, parent *int64) (int64, error) {
		in := store.ItemInput{ParentID: parent, Category: it.cat, Content: it.content, Target: it.target, Deadline: l.deadline(it.due)}
		if it.weight > 0 {
			w := it.weight
			in.Weight = &w
		}
		id, err := st.SaveCommitmentItem(ctx, tid, cid, 0, in)
		all = append(all, made{it, id})
		return id, err
	}
	for _, it := range items {
		if it.added {
			continue
		}
		id, err := add(it, nil)
		if err != nil {
			return err
		}
		for _, sub := range it.subs {
			if _, err := add(sub, &id); err != nil {
				return err
			}
		}
	}
	// The history's dates, one per step in order: created, submitted, [returned,
	// submitted,] approved, published[, revised, submitted, approved, published].
	times := []time.Time{l.approval.AddDate(0, 0, -14), l.approval.AddDate(0, 0, -8)}
	if err := st.SubmitCommitment(ctx, tid, cid, owner); err != nil {
		return err
	}
	if returned != "" {
		if err := st.ReturnCommitment(ctx, tid, cid, returned, office); err != nil {
			return err
		}
		// The village answers the comment: a source and an amount, a time limit.
		if _, err := st.SaveCommitmentItem(ctx, tid, cid, all[0].id, store.ItemInput{Category: items[0].cat, Content: items[0].content + "(林场承包费、石场租金)",
			Target: items[0].target, Deadline: l.deadline(items[0].due)}); err != nil {
			return err
		}
		all[0].spec.content += "(林场承包费、石场租金)"
		if err := st.SubmitCommitment(ctx, tid, cid, owner); err != nil {
			return err
		}
		times = append(times, l.approval.AddDate(0, 0, -6), l.approval.AddDate(0, 0, -3))
	}
	if err := st.ApproveCommitment(ctx, tid, cid, office); err != nil {
		return err
	}
	if err := st.PublishCommitment(ctx, tid, cid, office); err != nil {
		return err
	}
	times = append(times, l.approval, l.approval.AddDate(0, 0, 2))
	revisedAt := time.Time{}
	for _, it := range items {
		if it.revised == "" && !it.added {
			continue
		}
		// A second version: one target changed with its reason, one item added.
		revisedAt = l.today.AddDate(0, 0, -50)
		if revisedAt.Before(l.approval.AddDate(0, 0, 20)) {
			revisedAt = l.approval.AddDate(0, 0, 20)
		}
		if err := st.ReviseCommitment(ctx, tid, cid, "光伏电站屋顶面积不足,规模调整为 60 千瓦;群众要求增加文化广场", owner); err != nil {
			return err
		}
		for i, m := range all {
			if m.spec.revised != "" {
				if _, err := st.SaveCommitmentItem(ctx, tid, cid, m.id, store.ItemInput{Category: m.spec.cat, Content: m.spec.content,
					Target: m.spec.revised, Deadline: l.deadline(m.spec.due)}); err != nil {
					return err
				}
				all[i].spec.target = m.spec.revised
			}
		}
		for _, it := range items {
			if it.added {
				if _, err := add(it, nil); err != nil {
					return err
				}
			}
		}
		for _, step := range []func() error{
			func() error { return st.SubmitCommitment(ctx, tid, cid, owner) },
			func() error { return st.ApproveCommitment(ctx, tid, cid, office) },
			func() error { return st.PublishCommitment(ctx, tid, cid, office) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		times = append(times, revisedAt, revisedAt.AddDate(0, 0, 2), revisedAt.AddDate(0, 0, 4), revisedAt.AddDate(0, 0, 5))
		break
	}
	if err := l.backdate(cid, times); err != nil {
		return err
	}
	// Progress on every item without sub-items.
	parents := map[int64]bool{}
	for _, m := range all {
		if len(m.spec.subs) > 0 {
			parents[m.id] = true
		}
	}
	author := owner.Name
	for _, m := range all {
		if parents[m.id] || len(m.spec.notes) == 0 {
			continue
		}
		start := l.approval
		if m.spec.added {
			start = revisedAt.AddDate(0, 0, 4)
		}
		deadline := l.deadline(m.spec.due)
		plan := l.reports(m.spec, start, deadline, len(m.spec.notes))
		for i, note := range m.spec.notes {
			in := store.EntryInput{ItemID: m.id, Day: plan.days[i], Body: note, Percent: plan.percents[i], Author: author}
			if i == len(m.spec.notes)-1 {
				for k := 0; k < m.spec.photos; k++ {
					f, err := l.photo(m.spec.cat)
					if err != nil {
						return err
					}
					in.Files = append(in.Files, f)
				}
			}
			if _, err := st.AddCommitmentEntry(ctx, tid, cid, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// backdate gives the commitment's history the demo's dates, in order, and the versions
// their submission, approval and publication days from it. Only the demo does this.
func (l *commitmentLoader) backdate(cid int64, times []time.Time) error {
	pool := l.st.Pool()
	rows, err := pool.Query(l.ctx, `SELECT id FROM commitment_events WHERE commitment_id = $1 ORDER BY id`, cid)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) != len(times) {
		return fmt.Errorf("demo: %d history steps, %d dates", len(ids), len(times))
	}
	for i, id := range ids {
		at := times[i].Add(time.Duration(9+i%8)*time.Hour - 8*time.Hour) // office hours, Beijing
		if _, err := pool.Exec(l.ctx, `UPDATE commitment_events SET at = $2 WHERE id = $1`, id, at); err != nil {
			return err
		}
	}
	_, err = pool.Exec(l.ctx, `
		UPDATE commitments SET created_at = (SELECT min(at) FROM commitment_events WHERE commitment_id = $1) WHERE id = $1;`, cid)
	if err != nil {
		return err
	}
	_, err = pool.Exec(l.ctx, `
		UPDATE commitment_versions v SET
		       created_at = coalesce((SELECT max(at) FROM commitment_events e WHERE e.commitment_id = v.commitment_id AND e.version_number = v.number AND e.action IN ('created','revised')), v.created_at),
		       submitted_at = (SELECT max(at) FROM commitment_events e WHERE e.commitment_id = v.commitment_id AND e.version_number = v.number AND e.action = 'submitted'),
		       approved_at = (SELECT max(at) FROM commitment_events e WHERE e.commitment_id = v.commitment_id AND e.version_number = v.number AND e.action = 'approved'),
		       published_at = (SELECT max(at) FROM commitment_events e WHERE e.commitment_id = v.commitment_id AND e.version_number = v.number AND e.action = 'published')
		WHERE v.commitment_id = $1`, cid)
	return err
}

// comment writes the leaders' comments: every village in the last full quarter of the
// year, four in this quarter (so three show on the home page as still to comment).
func (l *commitmentLoader) comment(villageID map[string]int64) error {
	leader := Accounts[1]
	u, err := l.st.UserByUsername(l.ctx, leader.Username)
	if err != nil {
		return err
	}
	q := rules.Quarter(l.today)
	if l.today.Year() > l.year {
		q = 5 // the year is over: its last quarter is the last full one
	}
	k := 0
	for i, plan := range villagePlans {
		c, err := l.st.CommitmentOf(l.ctx, l.tid, ptr(villageID[plan.village]), l.year)
		if err != nil {
			return err
		}
		var quarters []int
		if q > 1 {
			quarters = append(quarters, q-1)
		}
		if q <= 4 && i < 4 {
			quarters = append(quarters, q)
		}
		for _, qq := range quarters {
			text := commentTexts[k%len(commentTexts)]
			k++
			in := store.CommentInput{Year: l.year, Quarter: qq, Body: text, AuthorID: u.ID, AuthorName: leader.Name, Public: k%3 != 0}
			if err := l.st.AddCommitmentComment(l.ctx, l.tid, c.ID, in); err != nil {
				return err
			}
			at := date(l.year, qq*3-1, 15).Add(time.Duration(2+i) * time.Hour)
			if at.After(l.today) {
				at = l.today.Add(-time.Duration(24*(1+i)) * time.Hour)
			}
			if _, err := l.st.Pool().Exec(l.ctx, `UPDATE commitment_comments SET created_at = $3 WHERE commitment_id = $1 AND quarter = $2`, c.ID, qq, at); err != nil {
				return err
			}
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// photo gives the next site photo: one of six drawn ones, under its own file name.
func (l *commitmentLoader) photo(cat string) (store.EntryFile, error) {
	l.photoN++
	if len(l.drawn) < 6 {
		f, err := l.draw(cat)
		if err != nil {
			return f, err
		}
		l.drawn = append(l.drawn, f)
	}
	f := l.drawn[(l.photoN-1)%len(l.drawn)]
	f.Name = fmt.Sprintf("现场照片%02d.jpg", l.photoN)
	return f, nil
}

// draw draws a plausible site photo (sky, hills, a road through fields, a building) and
// makes its page copies, as an upload would.
func (l *commitmentLoader) draw(cat string) (store.EntryFile, error) {
	const w, h = 960, 720
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := l.rng
	sky := color.RGBA{uint8(120 + r.IntN(60)), uint8(170 + r.IntN(50)), 235, 255}
	ground := map[string]color.RGBA{"economy": {96, 140, 70, 255}, "service": {130, 130, 125, 255}, "governance": {110, 130, 90, 255}, "party": {150, 120, 90, 255}}[cat]
	if ground.A == 0 {
		ground = color.RGBA{100, 140, 80, 255}
	}
	horizon := h/2 - 40 + r.IntN(80)
	phase, amp := r.Float64()*6, 30+r.IntN(50)
	hills := make([]int, w)
	for x := range hills {
		hills[x] = horizon - int(float64(amp)*(1+math.Sin(float64(x)/140+phase))/2)
	}
	for y := 0; y < h; y++ {
		f := float64(y-horizon) / float64(h-horizon)
		field := color.RGBA{uint8(float64(ground.R) * (0.8 + f*0.4)), uint8(min(255, float64(ground.G)*(0.8+f*0.4))), uint8(float64(ground.B) * (0.8 + f*0.4)), 255}
		mid, half := w/2+(y-horizon)/3, 20+(y-horizon)*2/3
		for x := 0; x < w; x++ {
			var c color.RGBA
			switch {
			case y < hills[x]:
				g := float64(y) / float64(hills[x])
				c = color.RGBA{uint8(float64(sky.R) + g*60), uint8(float64(sky.G) + g*40), uint8(min(255, float64(sky.B)+g*15)), 255}
			case y < horizon:
				c = color.RGBA{60, 100, 60, 255}
			case x > mid-half && x < mid+half: // a road from the bottom to the horizon
				c = color.RGBA{168, 168, 160, 255}
			default:
				c = field
			}
			img.SetRGBA(x, y, c)
		}
	}
	// A building near the horizon.
	bx, bw, bh := 120+r.IntN(600), 140+r.IntN(120), 90+r.IntN(60)
	for y := horizon - bh; y < horizon+10; y++ {
		for x := bx; x < bx+bw; x++ {
			c := color.RGBA{235, 230, 220, 255}
			if y < horizon-bh+18 {
				c = color.RGBA{170, 60, 50, 255}
			} else if (x-bx)%36 > 14 && (x-bx)%36 < 28 && (y-horizon+bh)%40 > 24 {
				c = color.RGBA{90, 110, 140, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 82}); err != nil {
		return store.EntryFile{}, err
	}
	cp, err := photo.Prepare(buf.Bytes())
	if err != nil {
		return store.EntryFile{}, err
	}
	return store.EntryFile{ContentType: "image/jpeg", Data: buf.Bytes(),
		Web: cp.Web, Thumb: cp.Thumb, WebW: cp.WebW, WebH: cp.WebH, ThumbW: cp.ThumbW, ThumbH: cp.ThumbH}, nil
}
