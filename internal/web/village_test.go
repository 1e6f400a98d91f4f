package web_test

import (
	"context"
	"net/http"
	"testing"

	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// TestSecretarySeesOwnVillageResultsAndTalks: the secretary of 小漩村 sees the published
// results and the talks of 小漩村's own subjects, and nothing of another village.
func TestSecretarySeesOwnVillageResultsAndTalks(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadRounds(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	rounds, err := a.store.Rounds(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var published, draft store.Round
	for _, r := range rounds {
		switch r.Status {
		case store.StatusPublished:
			published = r
		case store.StatusDraft:
			draft = r
		}
	}
	villages, err := a.store.Villages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	villageOf := map[int64]string{}
	var xiaoxuan int64
	for _, v := range villages {
		villageOf[v.ID] = v.Name
		if v.Name == "小漩村" {
			xiaoxuan = v.ID
		}
	}
	// Which subject names belong to which village, from the published round.
	subs, err := a.store.RoundSubjects(ctx, 1, published.ID)
	if err != nil {
		t.Fatal(err)
	}
	own, others := map[string]bool{}, map[string]bool{}
	for _, s := range subs {
		if s.VillageID != nil && *s.VillageID == xiaoxuan {
			own[s.Name] = true
		} else {
			others[s.Name] = true
		}
	}
	c := a.client()
	c.login("xiaoxuan")
	p := c.get("/")
	if p.status != http.StatusOK {
		t.Fatalf("secretary home: %d", p.status)
	}
	var shown []string
	for _, row := range p.find("village-result-row") {
		td := row.FirstChild.NextSibling // the subject cell
		shown = append(shown, text(td.FirstChild))
	}
	if len(shown) != len(own) {
		t.Fatalf("results shown for %v, want the %d subjects of 小漩村 %v", shown, len(own), own)
	}
	for _, name := range shown {
		if !own[name] {
			t.Fatalf("result of %q (not 小漩村) shown to its secretary", name)
		}
	}
	all, err := a.store.Talks(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	var ownTalks, otherTalks int
	for _, tk := range all {
		if own[tk.SubjectName] {
			ownTalks++
		} else if others[tk.SubjectName] {
			otherTalks++
		}
	}
	if ownTalks == 0 || otherTalks == 0 {
		t.Fatalf("the demo should have talks in and outside 小漩村: %d / %d", ownTalks, otherTalks)
	}
	talkRows := p.find("village-talk-row")
	if len(talkRows) != ownTalks {
		t.Fatalf("talks shown %d, want %d", len(talkRows), ownTalks)
	}
	for _, row := range talkRows {
		name := text(row.FirstChild.FirstChild)
		if !own[name] {
			t.Fatalf("talk with %q (not 小漩村) shown to its secretary", name)
		}
	}

	// The 2025 draft: an oral report reads 口头述职, a filed one offers 修改述职报告.
	draftSubs, err := a.store.RoundSubjects(ctx, 1, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	var mine []store.RoundSubject
	for _, s := range draftSubs {
		if s.VillageID != nil && *s.VillageID == xiaoxuan {
			mine = append(mine, s)
		}
	}
	if len(mine) < 3 {
		t.Fatalf("小漩村 has %d subjects in the draft", len(mine))
	}
	// The demo may have filed some already; set the three states explicitly.
	if err := a.store.SaveReport(ctx, 1, mine[0].ID, store.ReportInput{Oral: true, OralNote: "在大会上口头述职"}); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SaveReport(ctx, 1, mine[1].ID, store.ReportInput{Text: "书面述职报告"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Pool().Exec(ctx, `UPDATE round_subjects SET report_text = '', report_oral = false WHERE id = $1`, mine[2].ID); err != nil {
		t.Fatal(err)
	}
	p = c.get("/")
	states, links := texts(p, "village-report-state"), texts(p, "village-report-link")
	got := map[string][2]string{}
	for i := range p.find("village-report-link") {
		got[draftName(p, i)] = [2]string{states[i], links[i]}
	}
	want := map[string][2]string{mine[0].Name: {"口头述职", "修改述职报告"}, mine[1].Name: {"已提交", "修改述职报告"}, mine[2].Name: {"未提交", "填写述职报告"}}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %v, want %v", name, got[name], w)
		}
	}
	// Leaders keep their own home page.
	leader := a.client()
	leader.login("lingdao")
	if h := leader.get("/"); len(h.find("village-results")) != 0 || h.status != http.StatusOK {
		t.Fatalf("leader home: %d", h.status)
	}
}

// draftName is the subject name of the i-th row of the secretary's report table.
func draftName(p page, i int) string {
	rows := p.find("village-report-link")
	tr := rows[i].Parent.Parent
	td := tr.FirstChild.NextSibling
	return text(td.FirstChild)
}
