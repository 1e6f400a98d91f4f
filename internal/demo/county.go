package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pingyi/internal/store"
)

// County is the demo county: 小漩乡 and the townships of CountyTownships belong to it.
const County = "示范县"

// CountyTownship is a demo township other than 小漩乡, with the prefix of its accounts
// (qingshan.zzb, qingshan.lingdao, qingshan.shuji).
type CountyTownship struct {
	Name, Slug string
}

// CountyTownships are the demo county's other townships, in the order they are made.
var CountyTownships = []CountyTownship{
	{"青山镇", "qingshan"}, {"白沙乡", "baisha"}, {"石门乡", "shimen"}, {"龙潭镇", "longtan"},
	{"黄土坡乡", "huangtupo"}, {"清水河乡", "qingshuihe"}, {"杨柳镇", "yangliu"}, {"桃源乡", "taoyuan"},
	{"金竹乡", "jinzhu"}, {"大坪镇", "daping"}, {"红岩乡", "hongyan"}, {"凤凰镇", "fenghuang"},
	{"梅子垭乡", "meiziya"}, {"高桥镇", "gaoqiao"}, {"三岔乡", "sancha"}, {"云台乡", "yuntai"},
	{"古城镇", "gucheng"}, {"马鞍山乡", "maanshan"}, {"茶园乡", "chayuan"},
}

// MaxTownships is how many townships LoadCounty can make: 小漩乡 and the others.
var MaxTownships = 1 + len(CountyTownships)

// villageStems name the other townships' villages (each takes six of its own).
var villageStems = []string{"李家湾", "王家坪", "张家河", "枫树坪", "杉木溪", "松柏", "观音岩", "红旗", "向阳", "新华",
	"太平", "长岭", "大湾", "竹园", "水田坝", "白果树", "天池", "桂花", "花园", "金鸡", "黄龙", "沙坝", "桥头", "石板",
	"核桃坪", "银杏", "七里", "五龙", "团结", "和平", "油坊坪", "白鹤", "狮子口", "木瓜园", "香溪", "泉水", "瓦屋",
	"青岗坪", "茅坪", "凉水井"}

// CountyRaters is how many raters each of the other townships has: 7 Party-committee
// members and 93 of 三代表一委员.
const CountyRaters = 100

// LoadCounty makes sure the demo county has n townships: 小漩乡 with its whole history
// (Load and the rest, done by the caller) counts as the first, and CountyTownships[:n-1]
// get a roster (leadership, cadres, six villages with their branches, committees and chief
// cadres, five agencies), 100 raters, one account per role (password Password) and a year
// to compare (county_year.go): a published 2025 year-end round with its talks, and for a
// few the villages' commitments. A township that has a round already is left alone. It
// returns the townships it added to.
func LoadCounty(ctx context.Context, st *store.Store, n int) ([]CountyTownship, error) {
	if n < 1 || n > MaxTownships {
		return nil, fmt.Errorf("demo: a county of 1 to %d townships, not %d", MaxTownships, n)
	}
	today := time.Now()
	var made []CountyTownship
	for i, ct := range CountyTownships[:n-1] {
		t, err := st.TownshipByName(ctx, ct.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if t, err = st.EnsureTownship(ctx, ct.Name, County); err != nil {
				return made, err
			}
			if err := loadTownship(ctx, st, t.ID, countySpec(i, ct)); err != nil {
				return made, fmt.Errorf("demo: %s: %w", ct.Name, err)
			}
		case err != nil:
			return made, err
		default:
			// Made before: it gets its year only if it has none (a county seeded by an
			// earlier version of the demo).
			rounds, err := st.Rounds(ctx, t.ID)
			if err != nil {
				return made, err
			}
			if len(rounds) > 0 {
				continue
			}
		}
		if err := loadCountyYear(ctx, st, t.ID, i, ct, today); err != nil {
			return made, fmt.Errorf("demo: %s: %w", ct.Name, err)
		}
		made = append(made, ct)
	}
	return made, nil
}

// countySpec draws the i-th other township: its own people (names from a range of its
// own), villages and accounts.
func countySpec(i int, ct CountyTownship) townshipSpec {
	n := names{i: 200 + i*160}
	short := []rune(ct.Name)
	kind := string(short[len(short)-1]) // 乡 or 镇
	positions := []string{"党委书记", "党委副书记、" + kind + "长", "党委副书记", "纪委书记", "党委委员、组织委员", "党委委员、宣传委员", "党委委员、副" + kind + "长", "副" + kind + "长"}
	var leaders []leader
	for j, p := range positions {
		leaders = append(leaders, leader{pc: j != 1 && j != 6 && j != 7, name: n.next(), position: p})
	}
	var vs []string
	for j := 0; j < 6; j++ {
		// 19 × 6 villages from 40 stems: a second and third pass say 新 and 上.
		k := i*6 + j
		vs = append(vs, []string{"", "新", "上"}[k/len(villageStems)%3]+villageStems[k%len(villageStems)]+"村")
	}
	shuji := n.next()
	return townshipSpec{
		villages:    vs,
		leaders:     leaders,
		branchHeads: map[string]string{vs[0] + "党支部": shuji},
		raters:      map[string]int{"党代表": 25, "人大代表": 22, "政协委员": 10, "群众代表": 36},
		cppccUnits:  []string{"县政协", string(short[:len(short)-1]) + "中心学校", string(short[:len(short)-1]) + "卫生院"},
		accounts: []Account{
			{ct.Slug + ".zzb", leaders[4].name, store.RoleOffice, "组织办"},
			{ct.Slug + ".lingdao", leaders[0].name, store.RoleLeader, "党委领导"},
			{ct.Slug + ".shuji", shuji, store.RoleSecretary, vs[0] + "党支部书记"},
		},
		secretaryVillage: vs[0],
		namesFrom:        n.i,
	}
}
