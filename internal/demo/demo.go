// Package demo loads a demonstration township shaped like the one in the source text
// (seed 000): a Party committee and government, township cadres, seven villages with
// their Party branches and committees, five agencies, and about sixty raters.
package demo

import (
	"context"
	"errors"
	"fmt"

	"pingyi/internal/auth"
	"pingyi/internal/store"
)

// Township is the demo township's name.
const Township = "小漩乡"

// Password is the demo accounts' password, printed by `make run`.
const Password = "pingyi2026"

// Account is a demo sign-in.
type Account struct {
	Username, Name, Role, Note string
}

// Accounts are the demo sign-ins, one per role.
var Accounts = []Account{
	{"zzb", "周敏", store.RoleOffice, "组织办"},
	{"lingdao", "陈建国", store.RoleLeader, "党委领导"},
	{"xiaoxuan", "刘志强", store.RoleSecretary, "小漩村党支部书记"},
}

var villages = []string{"小漩村", "河口村", "响水洞村", "柳树沟村", "青龙村", "双河村", "板栗园村"}

var agencies = []struct{ name, head string }{
	{"财政所", "所长"}, {"农业服务中心", "主任"}, {"林业站", "站长"}, {"计生服务站", "站长"}, {"文化站", "站长"},
}

var surnames = []rune("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")

var given = []string{"建国", "志强", "秀英", "桂兰", "海燕", "国华", "红梅", "德明", "春生", "玉兰", "家旺", "永福", "丽娟", "长青", "金凤",
	"世清", "光明", "晓燕", "大勇", "文军", "淑芬", "新民", "少华", "云峰", "爱华", "明亮", "翠英", "学军", "宏伟", "立新", "振华",
	"红英", "传富", "开林", "小兵", "亚平", "德胜", "荣华", "春兰", "正国", "红霞", "俊杰", "先进", "保国", "成林", "秋菊", "冬梅", "利民"}

// names yields distinct, realistic names deterministically.
type names struct{ i int }

func (n *names) next() string {
	s := surnames[(n.i*7)%len(surnames)]
	g := given[(n.i*11)%len(given)]
	n.i++
	return string(s) + g
}

// Load creates the demo township unless it exists. It reports whether it loaded anything.
func Load(ctx context.Context, st *store.Store) (bool, error) {
	if _, err := st.TownshipByName(ctx, Township); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	t, err := st.EnsureTownship(ctx, Township, "示范县")
	if err != nil {
		return false, err
	}
	if err := loadTownship(ctx, st, t.ID, xiaoxuan); err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return true, nil
}

// townshipSpec is what differs between demo townships (county.go makes the others).
type townshipSpec struct {
	villages []string
	// leaders are the Party committee and government members; the first is the Party
	// secretary, the second the township head; the first seven sit on the committee.
	leaders []leader
	// branchHeads names a few village Party branches' secretaries; the rest are drawn.
	branchHeads map[string]string
	// raters per category (the Party committee's members come from leaders).
	raters map[string]int
	// cppccUnits are where the 政协委员 work.
	cppccUnits []string
	accounts   []Account
	// secretaryVillage is the village of the accounts with the secretary role.
	secretaryVillage string
	// namesFrom starts the drawn names, so townships have different people.
	namesFrom int
}

// leader is a township leadership member: on the Party committee (pc) or the government.
type leader struct {
	pc             bool
	name, position string
}

// xiaoxuan is the demo township of the source text.
var xiaoxuan = townshipSpec{
	villages: villages,
	leaders: []leader{
		{true, "陈建国", "党委书记"}, {false, "黄志远", "党委副书记、乡长"}, {true, "赵丽娟", "党委副书记"},
		{true, "孙长青", "纪委书记"}, {true, "周敏", "党委委员、组织委员"}, {true, "吴晓燕", "党委委员、宣传委员"},
		{false, "郑德明", "党委委员、副乡长"}, {false, "冯春生", "副乡长"},
	},
	branchHeads:      map[string]string{"小漩村党支部": "刘志强"},
	raters:           map[string]int{"党代表": 15, "人大代表": 14, "政协委员": 6, "群众代表": 21},
	cppccUnits:       []string{"县政协", "小漩电站", "乡中心学校", "乡卫生院"},
	accounts:         Accounts,
	secretaryVillage: "小漩村",
}

func loadTownship(ctx context.Context, st *store.Store, tid int64, spec townshipSpec) error {
	n := names{i: spec.namesFrom}
	person := func(org int64, name, position string, level int, village bool) (int64, error) {
		return st.SavePerson(ctx, tid, 0, store.PersonInput{Name: name, Position: position, OrganisationID: org, Level: level,
			VillageCadre: village, Phone: fmt.Sprintf("139%08d", 7100000+len(name)*13+int(org)*101+level), Active: true})
	}
	org := func(name, kind string) (int64, error) {
		return st.SaveOrganisation(ctx, tid, 0, store.OrganisationInput{Name: name, Kind: kind, Active: true})
	}
	setResponsible := func(id, person int64) error {
		o, err := st.Organisation(ctx, tid, id)
		if err != nil {
			return err
		}
		_, err = st.SaveOrganisation(ctx, tid, id, store.OrganisationInput{Name: o.Name, Kind: o.Kind, VillageID: o.VillageID, ResponsibleID: &person, Active: true})
		return err
	}

	// Level 1: the Party committee, the government and the leadership.
	pc, err := org("乡党委", store.KindPartyCommittee)
	if err != nil {
		return err
	}
	gov, err := org("乡政府", store.KindGovernment)
	if err != nil {
		return err
	}
	var committee []string
	for i, l := range spec.leaders {
		lorg := gov
		if l.pc {
			lorg = pc
		}
		id, err := person(lorg, l.name, l.position, 1, false)
		if err != nil {
			return err
		}
		if i == 0 {
			if err := setResponsible(pc, id); err != nil {
				return err
			}
		}
		if i == 1 {
			if err := setResponsible(gov, id); err != nil {
				return err
			}
		}
		if i < 7 {
			committee = append(committee, l.name)
		}
	}
	// Level 2: township cadres.
	cadrePositions := []string{"党政办主任", "党政办干事", "经济发展办主任", "经济发展办干事", "社会事务办主任", "社会事务办干事",
		"综治办主任", "综治办干事", "移民安置办主任", "移民安置办干事", "征地拆迁办主任", "规划建设办主任", "安全生产办主任", "扶贫办主任", "团委书记"}
	for _, p := range cadrePositions {
		if _, err := person(gov, n.next(), p, 2, false); err != nil {
			return err
		}
	}
	// Level 3: villages, each with a branch, a committee and two chief cadres.
	for _, vname := range spec.villages {
		if _, err := st.CreateVillage(ctx, tid, vname); err != nil {
			return err
		}
	}
	orgs, err := st.AllOrganisations(ctx, tid)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		var position string
		var name string
		switch o.Kind {
		case store.KindVillageBranch:
			position = "村党支部书记"
			name = n.next()
			if head, ok := spec.branchHeads[o.Name]; ok {
				name = head
			}
		case store.KindVillageCommittee:
			position, name = "村委会主任", n.next()
		default:
			continue
		}
		id, err := person(o.ID, name, position, 3, true)
		if err != nil {
			return err
		}
		if err := setResponsible(o.ID, id); err != nil {
			return err
		}
	}
	// Level 4: agencies with their heads.
	for _, a := range agencies {
		id, err := org(a.name, store.KindAgency)
		if err != nil {
			return err
		}
		pid, err := person(id, n.next(), a.head, 4, false)
		if err != nil {
			return err
		}
		if err := setResponsible(id, pid); err != nil {
			return err
		}
	}
	// Raters: 三代表一委员 and the Party-committee members.
	cats, err := st.RaterCategories(ctx, tid)
	if err != nil {
		return err
	}
	for _, c := range cats {
		if c.Name == "党委委员" {
			for _, name := range committee {
				if _, err := st.SaveRater(ctx, tid, 0, store.RaterInput{Name: name, CategoryID: c.ID, Unit: "乡党委", Active: true}); err != nil {
					return err
				}
			}
			continue
		}
		for i := 0; i < spec.raters[c.Name]; i++ {
			unit := spec.villages[i%len(spec.villages)]
			if c.Name == "政协委员" {
				unit = spec.cppccUnits[i%len(spec.cppccUnits)]
			}
			if _, err := st.SaveRater(ctx, tid, 0, store.RaterInput{Name: n.next(), CategoryID: c.ID, Unit: unit,
				Phone: fmt.Sprintf("138%08d", 27100000+i*37+int(c.ID)*1000), Active: true}); err != nil {
				return err
			}
		}
	}
	// One account per role.
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	vs, err := st.Villages(ctx, tid)
	if err != nil {
		return err
	}
	var secretaryVillage int64
	for _, v := range vs {
		if v.Name == spec.secretaryVillage {
			secretaryVillage = v.ID
		}
	}
	for _, a := range spec.accounts {
		in := store.UserInput{Username: a.Username, DisplayName: a.Name, Role: a.Role, PasswordHash: hash, Active: true}
		if a.Role == store.RoleSecretary {
			in.VillageID = &secretaryVillage
		}
		if _, err := st.SaveUser(ctx, tid, 0, in); err != nil {
			return err
		}
	}
	return nil
}
