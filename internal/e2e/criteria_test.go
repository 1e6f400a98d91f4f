package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// criteriaVote is the one place this file makes a round, through the store's public API:
// the level-1 subjects with the 三争创 criteria optional, reports filed, 10 public codes,
// open. Nine raters vote at once (every subject 优秀 / 非常满意, every criterion rated,
// the first criterion 不称职 by two of them); it returns the tenth code, for the phone,
// the subjects, and count, which ends the vote and opens the box.
func criteriaVote(t *testing.T, st *store.Store) (code string, subs []store.RoundSubject, count func()) {
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
	var public int64
	for _, c := range cats {
		if c.Name == "群众代表" {
			public = c.ID
		}
	}
	id, err := st.CreateRound(ctx, town.ID, store.RoundInput{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: map[int64]string{public: store.GroupPublic}, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10,
		AdmonishDissatisfiedPct: 20, MinGroupVotes: 5, Scrutineers: demo.Scrutineers, KeyThreshold: 2, Levels: []int{1}, People: true,
		Organisations: true, Criteria: store.CriteriaOptional})
	if err != nil {
		t.Fatal(err)
	}
	if subs, err = st.RoundSubjects(ctx, town.ID, id); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := st.SaveReport(ctx, town.ID, s.ID, store.ReportInput{Text: s.Name + "同志述职:认真履行岗位职责,完成年度目标任务。"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.GenerateCodes(ctx, town.ID, id, public, 10); err != nil {
		t.Fatal(err)
	}
	shares, err := voting.OpenRound(ctx, st, town.ID, id, "周敏")
	if err != nil {
		t.Fatal(err)
	}
	slips, err := st.Slips(ctx, town.ID, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, slip := range slips[:9] {
		marks := make([]ballotbox.Mark, len(subs))
		for k, s := range subs {
			marks[k] = ballotbox.Mark{SubjectID: s.ID, Choice: rules.Excellent, Criteria: [5]uint8{1, 1, 2, 1, 2}}
			if i < 2 {
				marks[k].Criteria[0] = 4
			}
		}
		ci, err := st.Code(ctx, slip.Code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := voting.Cast(ctx, st, slip.Code, ci, voting.NewToken(), marks); err != nil {
			t.Fatal(err)
		}
	}
	return slips[9].Code, subs, func() {
		t.Helper()
		if err := st.EndVoting(ctx, town.ID, id); err != nil {
			t.Fatal(err)
		}
		round, err := st.Round(ctx, town.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := voting.OpenBox(ctx, st, round, shares[:2], "监票人"); err != nil {
			t.Fatal(err)
		}
	}
}

// viewShot saves the visible part of the tab (not the full page) as test-output/name.png.
func viewShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(OutputDir(), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCriteriaOnThePhoneAndTheResults: a rater on a 390-wide phone rates every subject,
// opens one subject's 三争创 criteria and rates them, checks and casts; once the box is
// opened, the office's results show each subject's criteria profile beside the overall
// result, on a desktop and on a phone.
func TestCriteriaOnThePhoneAndTheResults(t *testing.T) {
	ctx := phoneTab(t)
	base, st := startAppStore(t)
	code, subs, count := criteriaVote(t, st)
	do(t, ctx, "open the ballot", Visit(base+"/v/"+code), chromedp.WaitVisible(tid("ballot-form")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('details.crit[open]').length`)); err != nil || n != 0 {
		t.Fatalf("%d criteria open on arrival (%v), want all collapsed", n, err)
	}
	var steps []chromedp.Action[chromedp.Void]
	for _, s := range subs {
		steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="s%d"][value="2"]`, s.ID))))
	}
	// 陈建国 (the first person): open the criteria and rate all five.
	person := subs[2]
	steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#s-%d details.crit summary`, person.ID))))
	for k, level := range []int{1, 2, 1, 3, 2} {
		steps = append(steps, chromedp.Click(chromedp.CSS(fmt.Sprintf(`label:has(> input[name="c%d_%d"][value="%d"])`, person.ID, k+1, level))))
	}
	do(t, ctx, "vote and rate", steps...)
	rated, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('#s-%d [data-crit]').textContent`, person.ID)))
	if err != nil || rated != "5" {
		t.Fatalf("the criteria count reads %q (%v), want 5", rated, err)
	}
	// The open criteria are audited too, and the phone shows them without sideways scroll.
	do(t, ctx, "audit the open criteria", Audit(), chromedp.ScrollIntoView(chromedp.CSS(fmt.Sprintf(`#s-%d`, person.ID))))
	noSidewaysScroll(t, ctx, "ballot with criteria open")
	viewShot(t, ctx, "90-criteria-phone-ballot")
	shot(t, ctx, "90-criteria-phone-ballot-full")

	do(t, ctx, "confirm", ClickNav(tid("ballot-next"), tid("confirm-form")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="confirm-criteria"]')].map(e => e.textContent)`))
	if err != nil || len(got) != 1 || got[0] != "事业有建树 优秀 · 为民有情义 称职 · 服务有诚信 优秀 · 做人有品位 基本称职 · 自律有原则 称职" {
		t.Fatalf("confirm shows %q (%v)", got, err)
	}
	shot(t, ctx, "91-criteria-phone-confirm")
	do(t, ctx, "cast", ClickNav(tid("ballot-cast"), tid("receipt")))

	count()
	desk := desktopTab(t)
	signIn(t, desk, base, "zzb")
	town, err := st.TownshipByName(context.Background(), demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(context.Background(), town.ID)
	if err != nil || len(rounds) != 1 {
		t.Fatalf("rounds %d (%v)", len(rounds), err)
	}
	results := fmt.Sprintf("%s/rounds/%d/results", base, rounds[0].ID)
	do(t, desk, "results", Visit(results), chromedp.WaitVisible(tid("result-criteria")))
	profiles, err := chromedp.Run(desk, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="result-criteria"]')].map(e => e.textContent.replace(/\s+/g, " ").trim())`))
	if err != nil || len(profiles) != len(subs) {
		t.Fatalf("%d profiles (%v), want %d", len(profiles), err, len(subs))
	}
	// 陈建国: 事业有建树 8 of 10 (two 不称职), 做人有品位 9 of 10 (the phone's 基本称职).
	for _, want := range []string{"三争创 · 五个有", "事业有建树 80.00%", "为民有情义 100.00%", "做人有品位 90.00%"} {
		if !strings.Contains(profiles[2], want) {
			t.Errorf("陈建国's profile %q, want %q", profiles[2], want)
		}
	}
	// 乡党委: the phone left its criteria unrated; 7 of 9 for the first.
	if !strings.Contains(profiles[0], "三争创 · 五个好") || !strings.Contains(profiles[0], "领导班子好 77.78%") {
		t.Errorf("乡党委's profile %q", profiles[0])
	}
	do(t, desk, "scroll", chromedp.ScrollIntoView(tid("results-table")))
	viewShot(t, desk, "92-criteria-results-desktop")
	shot(t, desk, "92-criteria-results-desktop-full")

	// The same results on a phone (the tabs share the sign-in): the profile wraps inside
	// the scrolling table.
	do(t, ctx, "results on a phone", Visit(results), chromedp.ScrollIntoView(tid("result-criteria")))
	noSidewaysScroll(t, ctx, "results with criteria")
	viewShot(t, ctx, "93-criteria-results-phone")
}
