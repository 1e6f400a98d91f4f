package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// CommitmentSpec is an item of a commitment PublishCommitment files: what it says, how far
// it got (one progress entry at Percent, on a leaf), and the owner's year-end
// self-evaluation of it (top-level items; Self "" for none).
type CommitmentSpec struct {
	Category, Content, Target string
	Deadline                  time.Time
	Percent                   int
	Note                      string
	Self, SelfNote            string
	Subs                      []CommitmentSpec
}

// PublishCommitment files a commitment of a village (nil: the township Party committee's
// own) for a year through its whole lifecycle — drafted, submitted, approved, published —
// with a progress entry on each leaf item and the self-evaluations (述诺), and returns its
// id. Demo data and tests make published commitments here.
func PublishCommitment(ctx context.Context, st *store.Store, tid int64, villageID *int64, year int, items []CommitmentSpec) (int64, error) {
	office := store.Actor{Name: Accounts[0].Name, Role: store.RoleOffice}
	owner := office // files, reports progress and self-evaluates: the village's secretary
	if villageID != nil {
		orgs, _, err := st.VillageRoster(ctx, tid, *villageID)
		if err != nil {
			return 0, err
		}
		for _, o := range orgs {
			if o.Kind == store.KindVillageBranch && o.ResponsibleName != nil {
				owner = store.Actor{Name: *o.ResponsibleName, Role: store.RoleSecretary}
			}
		}
	}
	cid, err := st.CreateCommitment(ctx, tid, villageID, year, owner)
	if err != nil {
		return 0, err
	}
	type leaf struct {
		id   int64
		spec CommitmentSpec
	}
	var leaves []leaf
	var self []store.SelfEvaluationInput
	for _, it := range items {
		id, err := st.SaveCommitmentItem(ctx, tid, cid, 0, store.ItemInput{Category: it.Category, Content: it.Content, Target: it.Target, Deadline: it.Deadline})
		if err != nil {
			return 0, err
		}
		if it.Self != "" {
			self = append(self, store.SelfEvaluationInput{ItemID: id, Rating: it.Self, Body: it.SelfNote})
		}
		if len(it.Subs) == 0 {
			leaves = append(leaves, leaf{id, it})
		}
		for _, sub := range it.Subs {
			sid, err := st.SaveCommitmentItem(ctx, tid, cid, 0, store.ItemInput{ParentID: &id, Content: sub.Content, Target: sub.Target, Deadline: sub.Deadline})
			if err != nil {
				return 0, err
			}
			leaves = append(leaves, leaf{sid, sub})
		}
	}
	for _, step := range []func() error{
		func() error { return st.SubmitCommitment(ctx, tid, cid, owner) },
		func() error { return st.ApproveCommitment(ctx, tid, cid, office) },
		func() error { return st.PublishCommitment(ctx, tid, cid, office) },
	} {
		if err := step(); err != nil {
			return 0, err
		}
	}
	for _, l := range leaves {
		if l.spec.Note == "" {
			continue
		}
		day := l.spec.Deadline.AddDate(0, 0, -12)
		if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: l.id, Day: day, Body: l.spec.Note, Percent: l.spec.Percent, Author: owner.Name}); err != nil {
			return 0, err
		}
	}
	if len(self) > 0 {
		if err := st.SaveSelfEvaluations(ctx, tid, cid, self, owner.Name); err != nil {
			return 0, err
		}
	}
	return cid, nil
}

// PledgeRoundSpec is a mass evaluation of commitments (评诺) RunPledgeRound holds.
type PledgeRoundSpec struct {
	Title       string
	Year        int
	Scope       string // store.PledgeScopeItem or store.PledgeScopeWhole
	Commitments []int64
	Seed        uint64
	// Vote gives a ballot's choice (1–4, 5 abstains) for the k-th subject.
	Vote func(rng *rand.Rand, k int, s store.RoundSubject) int
	// Publish: the 公示 starts on this day (zero: the round stays counted, unpublished).
	Publish time.Time
}

// RunPledgeRound runs one whole 评诺 round through the store's public API: set up over
// the published commitments in the 公众评议 group alone, a code for every rater of the
// township's public categories, ballots cast by all but every tenth, the box opened by two
// of the three scrutineers, and the results published when asked. It is the one place the
// demo and the tests make 评诺 rounds with results, so a change to the voting API is
// adapted here only.
func RunPledgeRound(ctx context.Context, st *store.Store, tid int64, spec PledgeRoundSpec) (int64, error) {
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		return 0, err
	}
	public := map[int64]string{}
	for _, c := range cats {
		if c.DefaultGroup == store.GroupPublic {
			public[c.ID] = store.GroupPublic
		}
	}
	id, err := st.CreateRound(ctx, tid, store.RoundInput{Title: spec.Title, Year: spec.Year, Kind: store.KindCommitment,
		Groups: []store.Group{{Key: store.GroupPublic, Weight: 100}}, Categories: public, PassPct: 90, AdmonishBelowPct: 80,
		ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: Scrutineers, KeyThreshold: 2,
		PledgeScope: spec.Scope, Commitments: spec.Commitments})
	if err != nil {
		return 0, err
	}
	for _, c := range cats {
		if public[c.ID] != "" && c.RaterCount > 0 {
			if err := st.GenerateCodes(ctx, tid, id, c.ID, c.RaterCount); err != nil {
				return 0, err
			}
		}
	}
	shares, err := voting.OpenRound(ctx, st, tid, id, Accounts[0].Name)
	if err != nil {
		return 0, err
	}
	subs, err := st.RoundSubjects(ctx, tid, id)
	if err != nil {
		return 0, err
	}
	slips, err := st.Slips(ctx, tid, id, 0)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 12))
	for i, slip := range slips {
		if i%10 == 9 {
			continue // raters who stayed away
		}
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Choice(spec.Vote(rng, k, s))}
		}
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			return 0, err
		}
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			return 0, err
		}
	}
	if err := st.EndVoting(ctx, tid, id); err != nil {
		return 0, err
	}
	round, err := st.Round(ctx, tid, id)
	if err != nil {
		return 0, err
	}
	if err := voting.OpenBox(ctx, st, round, shares[:2], Accounts[0].Name); err != nil {
		return 0, err
	}
	if !spec.Publish.IsZero() {
		if _, err := st.PublishRound(ctx, tid, id, store.Publication{From: spec.Publish, To: spec.Publish.AddDate(0, 0, 7),
			Contact: "乡党委组织办,电话 0719-6521234"}, Accounts[0].Name); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// LoadPledges gives the demo township last year's commitments of its seven villages,
// fulfilled and self-evaluated, and the mass evaluation (评诺) of them as a whole by the
// township's 三代表一委员, counted and published in January, unless the township has a
// 评诺 round already: the 三公开 pages of last year show the result. Run after
// LoadCommitments (which loads nothing once a year has commitments).
func LoadPledges(ctx context.Context, st *store.Store, today time.Time) (bool, error) {
	town, err := st.TownshipByName(ctx, Township)
	if err != nil {
		return false, err
	}
	rounds, err := st.Rounds(ctx, town.ID)
	if err != nil {
		return false, err
	}
	for _, r := range rounds {
		if r.IsPledge() {
			return false, nil
		}
	}
	year := store.LocalDay(today).AddDate(0, 0, -45).Year() - 1
	if years, err := st.CommitmentYears(ctx, town.ID); err != nil || slices.Contains(years, year) {
		return false, err // that year has commitments of its own
	}
	vs, err := st.Villages(ctx, town.ID)
	if err != nil {
		return false, err
	}
	var ids []int64
	var grades []int
	grade := map[string]int{} // village -> how its residents rate it: 0 well, 1 fairly, 2 poorly
	for _, v := range vs {
		plan, ok := lastYearPlans[v.Name]
		if !ok {
			continue
		}
		items := make([]CommitmentSpec, len(plan.items))
		for i, it := range plan.items {
			items[i] = it.spec(year)
		}
		vid := v.ID
		cid, err := PublishCommitment(ctx, st, town.ID, &vid, year, items)
		if err != nil {
			return false, fmt.Errorf("demo: %s %d commitment: %w", v.Name, year, err)
		}
		ids = append(ids, cid)
		grades = append(grades, plan.grade)
		branch, _ := store.VillageOrganisationNames(v.Name)
		grade[branch] = plan.grade
	}
	if len(ids) == 0 {
		return false, nil
	}
	if err := backdateCommitments(ctx, st, ids, time.Date(year, 2, 20, 10, 0, 0, 0, store.Beijing)); err != nil {
		return false, err
	}
	// The leaders' year-end comment on each village, as it did, made public.
	leader, err := st.UserByUsername(ctx, Accounts[1].Username)
	if err != nil {
		return false, err
	}
	for i, cid := range ids {
		if err := st.AddCommitmentComment(ctx, town.ID, cid, store.CommentInput{Year: year, Quarter: 4, Body: pastComments[grades[i]],
			AuthorID: leader.ID, AuthorName: leader.DisplayName, Public: true}); err != nil {
			return false, err
		}
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE commitment_comments SET created_at = $2 WHERE commitment_id = ANY($1)`,
		ids, time.Date(year, 12, 20, 10, 0, 0, 0, store.Beijing)); err != nil {
		return false, err
	}
	cast := map[int]int{}
	_, err = RunPledgeRound(ctx, st, town.ID, PledgeRoundSpec{
		Title: fmt.Sprintf("%d 年度村级承诺群众评议(评诺)", year), Year: year, Scope: store.PledgeScopeWhole, Commitments: ids, Seed: uint64(year),
		Vote: func(_ *rand.Rand, k int, s store.RoundSubject) int {
			// Twenty ballots' choices (1 非常满意 … 4 不满意) by how the village did: about
			// 95%, 85% and 75% satisfied, so 满意, 基本满意 and 不满意 whatever the turnout.
			p := [3]string{"11211211121121121113", "12121213121412121213", "12232142122312421232"}[grade[s.Name]]
			cast[k]++
			return int(p[(cast[k]+3*k)%len(p)] - '0')
		},
		Publish: time.Date(year+1, 1, 12, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return false, fmt.Errorf("demo: %d mass evaluation: %w", year, err)
	}
	return true, nil
}

// backdateCommitments dates the commitments' lifecycle on the approval day of their year,
// so their pages read as last year's. Only the demo does this.
func backdateCommitments(ctx context.Context, st *store.Store, ids []int64, approved time.Time) error {
	pool := st.Pool()
	if _, err := pool.Exec(ctx, `
		UPDATE commitment_events SET at = $2::timestamptz + CASE action WHEN 'created' THEN interval '-10 days'
		       WHEN 'submitted' THEN interval '-5 days' WHEN 'published' THEN interval '2 days' ELSE interval '0' END
		WHERE commitment_id = ANY($1)`, ids, approved); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `UPDATE commitments SET created_at = $2::timestamptz - interval '10 days' WHERE id = ANY($1)`, ids, approved); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, `
		UPDATE commitment_versions SET created_at = $2::timestamptz - interval '10 days', submitted_at = $2::timestamptz - interval '5 days',
		       approved_at = $2::timestamptz, published_at = $2::timestamptz + interval '2 days'
		WHERE commitment_id = ANY($1)`, ids, approved)
	return err
}

// pastComments are the leaders' year-end comments on last year's commitments, for a
// village that did well, fairly and poorly.
var pastComments = []string{
	"全年承诺事项基本兑现,群众反映较好。明年要在壮大集体经济上再加把劲,把项目收益更多用在群众身上。",
	"承诺事项推进有力,台账资料齐全。未完成的事项要说明原因、明确时限,按期向群众公开。",
	"践诺过程公开透明,年终自评实事求是。要对照群众评议意见逐项整改,把整改情况纳入明年承诺。",
}

// pastItem is one of last year's commitment items: its deadline (month), how far it got
// and what the secretary said of it at year end.
type pastItem struct {
	cat, content, target string
	month                int
	percent              int
	note, self, selfNote string
}

func (p pastItem) spec(year int) CommitmentSpec {
	deadline := time.Date(year, time.Month(p.month)+1, 0, 0, 0, 0, 0, time.UTC)
	return CommitmentSpec{Category: p.cat, Content: p.content, Target: p.target, Deadline: deadline, Percent: p.percent, Note: p.note,
		Self: p.self, SelfNote: p.selfNote}
}

var lastYearPlans = map[string]struct {
	grade int
	items []pastItem
}{
	"小漩村": {0, []pastItem{
		{"economy", "集体土地入股新型材料砖厂", "村集体经济收入 6 万元以上", 12, 100, "砖厂全年分红 6.4 万元,已入村集体账户", store.SelfFulfilled, "分红 6.4 万元,超额完成"},
		{"service", "电站移民安置房建设", "安置房主体完工,年底前交付 30 户", 11, 100, "30 户安置房全部交付,群众签字确认", store.SelfFulfilled, "按期交付 30 户"},
		{"party", "规范“三会一课”", "每月主题党日 1 次,发展党员 1 名", 12, 100, "全年主题党日 12 次,发展党员 1 名", store.SelfFulfilled, ""},
	}},
	"河口村": {0, []pastItem{
		{"economy", "林场、石场规范承包", "集体经济收入 12 万元以上", 12, 100, "林场承包费、石场租金合计 13.2 万元", store.SelfFulfilled, "收入 13.2 万元"},
		{"service", "河口 27 户整院搬迁", "年中完成搬迁,安置公开透明", 6, 100, "27 户全部搬迁入住", store.SelfFulfilled, "全部搬迁,无一上访"},
		{"governance", "建立移民矛盾调处台账", "调处成功率 95% 以上", 12, 100, "调处纠纷 22 起,成功 21 起", store.SelfFulfilled, ""},
	}},
	"响水洞村": {0, []pastItem{
		{"economy", "石料场征地补偿兑现", "补偿资金足额发放到户", 5, 100, "800 亩征地补偿全部打卡到户", store.SelfFulfilled, "按期兑现"},
		{"service", "新建村卫生室", "卫生室建成并配备村医 1 名", 10, 100, "卫生室投入使用,村医到岗", store.SelfFulfilled, ""},
		{"party", "党员设岗定责", "每名党员认领 1 个岗位", 6, 100, "42 名党员全部认岗", store.SelfFulfilled, ""},
	}},
	"柳树沟村": {1, []pastItem{
		{"economy", "发展板栗种植", "新栽板栗 200 亩", 4, 100, "新栽板栗 210 亩,成活率 92%", store.SelfFulfilled, ""},
		{"service", "安全饮水工程", "新建蓄水池 2 座,解决 60 户饮水", 9, 80, "建成蓄水池 1 座,第二座因选址调整未完工", store.SelfPartly, "第二座蓄水池顺延至今年上半年"},
		{"governance", "村务公开规范化", "每季度公开一次村务财务", 12, 100, "全年公开 4 次", store.SelfFulfilled, ""},
	}},
	"青龙村": {0, []pastItem{
		{"economy", "组建板栗专业合作社", "入社农户 80 户以上", 8, 100, "合作社入社 96 户", store.SelfFulfilled, "超额完成"},
		{"service", "便民服务室代办", "代办事项 12 项,办结率 100%", 12, 100, "全年代办 318 件,全部办结", store.SelfFulfilled, ""},
		{"party", "流动党员管理", "流动党员全部纳入联系", 12, 100, "31 名流动党员建立微信联系群", store.SelfFulfilled, ""},
	}},
	"双河村": {2, []pastItem{
		{"economy", "屋顶光伏电站", "建成 80 千瓦光伏电站", 10, 60, "完成 48 千瓦并网,其余屋顶未落实", store.SelfPartly, "屋顶面积不足,规模需调整"},
		{"service", "通组道路硬化", "硬化道路 2 公里", 11, 70, "完成 1.4 公里,剩余路段资金未到位", store.SelfUnfulfilled, "资金缺口 18 万元,未能按期完成"},
		{"governance", "信访积案化解", "化解积案 3 件", 12, 100, "3 件积案全部化解", store.SelfFulfilled, ""},
	}},
	"板栗园村": {0, []pastItem{
		{"economy", "板栗深加工作坊", "年加工板栗 50 吨", 11, 100, "加工板栗 56 吨,带动 40 户增收", store.SelfFulfilled, ""},
		{"service", "农家书屋和文化广场", "书屋藏书 2000 册,广场建成", 9, 100, "书屋开放,广场投入使用", store.SelfFulfilled, ""},
		{"party", "党员结对帮扶", "每名党员联系 3 户困难群众", 12, 100, "38 名党员结对 116 户", store.SelfFulfilled, ""},
	}},
}
