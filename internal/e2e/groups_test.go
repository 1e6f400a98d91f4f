package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"pingyi/internal/ballotbox"
	"pingyi/internal/demo"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
)

// TestThreeGroupsRound: the office adds a third rater group (村(居)民代表) and a category in
// it, sets up a round weighing 党委票决 30 / 公众评议 50 / 村(居)民代表 20, raters vote, two
// scrutineers open the box, and the results page, the workbook and the public page show
// all three groups.
func TestThreeGroupsRound(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	signIn(t, ctx, base, "zzb")

	// The township's third group, and a category that votes in it.
	err := chromedp.Do(ctx,
		Visit(base+"/raters/categories"),
		chromedp.SendKeys(chromedp.CSS("#group_name"), "村(居)民代表"),
		chromedp.SendKeys(chromedp.CSS("#group_weight"), "20"),
		ClickNav(tid("group-add"), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := st.TownshipGroups(bg, town.ID)
	if err != nil || len(groups) != 3 {
		t.Fatalf("township groups %+v (%v)", groups, err)
	}
	residents := groups[2].Key
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "村民代表"),
		chromedp.SetValue(chromedp.CSS("#group"), residents),
		ClickNav(chromedp.CSS(`form[action="/raters/categories"] button`), tid("flash")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "22-groups"); err != nil {
		t.Fatal(err)
	}

	// The round: level 1 only, weights 30 / 50 / 20.
	err = chromedp.Do(ctx,
		Visit(base+"/rounds/new"),
		chromedp.SetValue(chromedp.CSS("#title"), "2025 年度述职评议(三组)"),
		chromedp.SetValue(chromedp.CSS("#scrutineers"), strings.Join(demo.Scrutineers, "\n")),
		chromedp.SetValue(chromedp.CSS(`input[name="w_peer"]`), "30"),
		chromedp.SetValue(chromedp.CSS(`input[name="w_public"]`), "50"),
		chromedp.SetValue(chromedp.CSS(`input[name="w_`+residents+`"]`), "20"),
		chromedp.Click(chromedp.CSS(`input[name=level][value="2"]`)),
		chromedp.Click(chromedp.CSS(`input[name=level][value="3"]`)),
		chromedp.Click(chromedp.CSS(`input[name=level][value="4"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "22-round-three-groups"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, ClickNav(tid("save"), tid("round-title"))); err != nil {
		t.Fatal(err)
	}
	rounds, err := st.Rounds(bg, town.ID)
	if err != nil || len(rounds) == 0 {
		t.Fatal(err)
	}
	roundID := rounds[0].ID
	rg, err := st.RoundGroups(bg, town.ID, roundID)
	if err != nil || len(rg) != 3 || rg[0].Weight != 30 || rg[1].Weight != 50 || rg[2].Weight != 20 || rg[2].Name != "村(居)民代表" {
		t.Fatalf("round groups %+v (%v)", rg, err)
	}
	subs, err := st.RoundSubjects(bg, town.ID, roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := st.SaveReport(bg, town.ID, s.ID, store.ReportInput{Text: s.Name + "述职:认真履行岗位职责,完成年度目标任务。"}); err != nil {
			t.Fatal(err)
		}
	}
	cats, err := st.RaterCategories(bg, town.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Name == "党委委员" || c.Name == "群众代表" || c.Name == "村民代表" {
			if err := st.GenerateCodes(bg, town.ID, roundID, c.ID, 6); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Open it through the pages, keeping the printed key sheets' shares.
	err = chromedp.Do(ctx,
		Visit(fmt.Sprintf("%s/rounds/%d", base, roundID)),
		ClickNav(tid("open-round"), tid("confirm-items")),
		ClickNav(tid("confirm-submit"), tid("keysheet")),
	)
	if err != nil {
		t.Fatal(err)
	}
	shares, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="keysheet-groups"]')].map(ol => [...ol.querySelectorAll('code')].map(c => c.textContent).join(' '))`))
	if err != nil || len(shares) != 3 {
		t.Fatalf("shares %v (%v)", shares, err)
	}

	// Every rater votes: 优秀 from the Party committee, 称职 from the public, and the
	// residents split 4 称职 / 2 不称职 — so S = 30% + 50% + 20%×4/6 and D = 20%×2/6.
	slips, err := st.Slips(bg, town.ID, roundID, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, sl := range slips {
		level := rules.Excellent
		switch sl.Category {
		case "群众代表":
			level = rules.Competent
		case "村民代表":
			if seen[sl.Category] < 2 {
				level = rules.Incompetent
			} else {
				level = rules.Competent
			}
		}
		seen[sl.Category]++
		marks := make([]ballotbox.Mark, len(subs))
		for i, s := range subs {
			marks[i] = ballotbox.Mark{SubjectID: s.ID, Choice: level}
		}
		ci, err := st.Code(bg, sl.Code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := voting.Cast(bg, st, sl.Code, ci, voting.NewToken(), marks); err != nil {
			t.Fatal(err)
		}
	}
	// End the vote and open the box with two key sheets, as typed.
	err = chromedp.Do(ctx,
		Visit(fmt.Sprintf("%s/rounds/%d/end", base, roundID)),
		ClickNav(tid("confirm-submit"), tid("box-form")),
		chromedp.SendKeys(tid("share-input"), shares[1]),
		ClickNav(tid("share-submit"), tid("box-progress")),
		chromedp.SendKeys(tid("share-input"), shares[2]),
		ClickNav(tid("share-submit"), tid("results-table")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "23-results-three-groups"); err != nil {
		t.Fatal(err)
	}
	head, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="results-table"] thead`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"党委票决(30%)", "公众评议(50%)", "村(居)民代表(20%)"} {
		if !strings.Contains(head, want) {
			t.Fatalf("results header %q lacks %q", head, want)
		}
	}
	s, err := chromedp.Run(ctx, chromedp.Text(tid("result-s")))
	if err != nil || strings.TrimSpace(s) != "93.33%" {
		t.Fatalf("weighted satisfaction %q (%v), want 93.33%%", s, err)
	}
	d, err := chromedp.Run(ctx, chromedp.Text(tid("result-d")))
	if err != nil || strings.TrimSpace(d) != "6.67%" {
		t.Fatalf("weighted dissatisfaction %q (%v), want 6.67%%", d, err)
	}

	// The workbook has a block per group.
	book := fetchWorkbook(t, base, fmt.Sprintf("/rounds/%d/results.xlsx", roundID))
	rows, err := book.GetRows(book.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(rows[2], "|")
	for _, want := range []string{"党委票决(30%)", "公众评议(50%)", "村(居)民代表(20%)"} {
		if !strings.Contains(header, want) {
			t.Fatalf("workbook header %q lacks %q", header, want)
		}
	}

	// 公示.
	err = chromedp.Do(ctx,
		Visit(fmt.Sprintf("%s/rounds/%d/publish", base, roundID)),
		chromedp.SetValue(chromedp.CSS("#contact"), "乡党委组织办,电话 0719-6521234"),
		ClickNav(tid("confirm-submit"), tid("public-link")),
		ClickNav(tid("public-link"), tid("public-results")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := Screenshot(ctx, "23-public-three-groups"); err != nil {
		t.Fatal(err)
	}
}

// fetchWorkbook signs in as the office with its own client and downloads a workbook.
func fetchWorkbook(t *testing.T, base, path string) *excelize.File {
	t.Helper()
	b, _ := download(t, base, "zzb", path)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
