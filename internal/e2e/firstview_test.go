package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// ballotRound is the one place this file makes a round, through the store's public
// API: n subjects of the demo township, each with a duty report of its own wording, 10
// public codes, the 三争创 criteria setting given (store.CriteriaOff …), open for voting.
// It returns one code.
func ballotRound(t *testing.T, st *store.Store, n int, criteria string) string {
	t.Helper()
	ctx := context.Background()
	town, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.RaterCategories(ctx, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int64]string{}
	var public int64
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
		if c.Name == "群众代表" {
			public = c.ID
		}
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1, 2, 3, 4}, People: true, Organisations: true, Criteria: criteria})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.RoundSubjects(ctx, town.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	// Reports worded differently, so compression gets no help from repetition.
	sentences := []string{"围绕电站建设和移民安置大局完成年度目标任务", "征地拆迁和矛盾调处工作稳步推进", "落实三会一课制度,开展党员设岗定责",
		"村集体经济收入较上年增长两成", "深入农户走访,解决群众反映的饮水难题", "推进人居环境整治,完成改厕八十余户", "加强学习,提高政治站位和业务能力",
		"廉洁自律,严守纪律规矩", "分管的产业发展项目全部按期完工", "服务意识和工作方法有待进一步改进", "下步将对照评议意见逐项整改、兑现承诺",
		"牵头调处土地纠纷十二起", "组织技能培训三期,带动务工增收", "防汛抗旱和森林防火未发生责任事故"}
	rng := rand.New(rand.NewPCG(8, 15))
	for i, s := range subs {
		if i >= n {
			if err := st.RemoveSubject(ctx, town.ID, s.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		rng.Shuffle(len(sentences), func(a, b int) { sentences[a], sentences[b] = sentences[b], sentences[a] })
		text := fmt.Sprintf("%s %d 年度述职。%s。", s.Name, 2025, strings.Join(sentences[:6], ";"))
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.GenerateCodes(ctx, town.ID, id, public, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := voting.OpenRound(ctx, st, town.ID, id, "周敏"); err != nil {
		t.Fatal(err)
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return slips[0].Code
}

// TestBallotFirstViewBytes measures what a rater's phone downloads on first opening a
// 30-subject ballot with an empty cache: the page and every asset it loads, headers
// included, as Chromium counts them on the wire. The target is 15 KB.
func TestBallotFirstViewBytes(t *testing.T) {
	if total := ballotFirstView(t, store.CriteriaOff); total > 15*1024 {
		t.Fatalf("first view is %.0f bytes on the wire, over the 15 KB target", total)
	}
}

// TestBallotWithCriteriaFirstViewBytes measures the same ballot asking for the 三争创
// criteria, optional (each criterion also offers 不评, the larger page): five criteria
// under each of the 30 subjects, collapsed. The target is 20 KB.
func TestBallotWithCriteriaFirstViewBytes(t *testing.T) {
	if total := ballotFirstView(t, store.CriteriaOptional); total > 20*1024 {
		t.Fatalf("first view with criteria is %.0f bytes on the wire, over the 20 KB target", total)
	}
}

// ballotFirstView opens a 30-subject ballot on an emulated phone with the cache off and
// returns the bytes on the wire of the page and everything it loads.
func ballotFirstView(t *testing.T, criteria string) float64 {
	t.Helper()
	ctx := newTab(t)
	base, st := startAppStore(t)
	code := ballotRound(t, st, 30, criteria)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
	}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	wire := map[network.RequestID]float64{}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			urls[e.RequestID] = e.Request.URL
		case *network.EventLoadingFinished:
			wire[e.RequestID] = e.EncodedDataLength
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, Visit(base+"/v/"+code), chromedp.WaitVisible(tid("ballot-form"))); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="ballot-subject"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 30 {
		t.Fatalf("%d subjects on the ballot", n)
	}
	// The icon loads after the page; wait until every request started has finished.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { if (document.readyState === "complete") r(true); else addEventListener("load", () => r(true)); })`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	waitAllFinished(t, ctx, &mu, urls, wire)
	mu.Lock()
	defer mu.Unlock()
	var total float64
	var lines []string
	for id, u := range urls {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		total += wire[id]
		lines = append(lines, fmt.Sprintf("%s %.0f B", strings.TrimPrefix(u, base), wire[id]))
	}
	t.Logf("30-subject ballot (criteria %s), first view: %.0f bytes on the wire, headers included: %s", criteria, total, strings.Join(lines, "; "))
	return total
}

// waitAllFinished polls (the events arrive on the tab's reader goroutine) until every
// request seen has finished.
func waitAllFinished(t *testing.T, ctx context.Context, mu *sync.Mutex, urls map[network.RequestID]string, wire map[network.RequestID]float64) {
	t.Helper()
	for i := 0; i < 200; i++ {
		mu.Lock()
		done := len(urls) > 0
		for id, u := range urls {
			if _, ok := wire[id]; !ok && !strings.HasPrefix(u, "data:") {
				done = false
			}
		}
		mu.Unlock()
		if done {
			return
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(true), 25))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("requests still loading")
}
