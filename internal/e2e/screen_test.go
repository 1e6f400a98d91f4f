package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// TestProjectorFitsTheScreen: the 大屏 page with eight rater categories fits a 1366×768
// and a 1920×1080 screen without scrolling, and refreshes itself by its own script.
func TestProjectorFitsTheScreen(t *testing.T) {
	ctx := newTab(t)
	base, st := startAppStore(t)
	bg := context.Background()
	town, err := st.TownshipByName(bg, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"村(居)民代表", "服务对象", "老干部代表"} {
		if _, err := st.CreateRaterCategory(bg, town.ID, name, store.GroupPublic); err != nil {
			t.Fatal(err)
		}
	}
	cats, err := st.RaterCategories(bg, town.ID)
	if err != nil || len(cats) != 8 {
		t.Fatalf("%d categories (%v), want 8", len(cats), err)
	}
	groups := map[int64]string{}
	for _, c := range cats {
		groups[c.ID] = c.DefaultGroup
	}
	id, err := st.CreateRound(bg, town.ID, store.RoundInput{Title: "2025 年度述职评议", Year: 2025, Kind: "year_end", Groups: store.DefaultGroups(),
		Categories: groups, PassPct: 90, AdmonishBelowPct: 80, ReminderDissatisfiedPct: 10, AdmonishDissatisfiedPct: 20, MinGroupVotes: 5,
		Scrutineers: demo.Scrutineers, Levels: []int{1}, People: true, Organisations: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if err := st.GenerateCodes(bg, town.ID, id, c.ID, 12); err != nil {
			t.Fatal(err)
		}
	}
	signIn(t, ctx, base, "zzb")
	for _, size := range [][2]int64{{1366, 768}, {1920, 1080}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), Visit(fmt.Sprintf("%s/rounds/%d/screen", base, id)), chromedp.WaitVisible(tid("screen-total"))); err != nil {
			t.Fatal(err)
		}
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			t.Fatalf("projector at %d×%d scrolls (%v)", size[0], size[1], err)
		}
		if err := Screenshot(ctx, fmt.Sprintf("16-projector-%dx%d", size[0], size[1])); err != nil {
			t.Fatal(err)
		}
	}
	// No whole-page reload: the page's own script asks for the figures.
	meta, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv="refresh"]').length`))
	if err != nil || meta != 0 {
		t.Fatalf("meta refresh on the projector: %d (%v)", meta, err)
	}
}
