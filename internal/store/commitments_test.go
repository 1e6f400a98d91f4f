package store_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"pingyi/internal/demo"
	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

var (
	secretary = store.Actor{Name: "刘志强", Role: store.RoleSecretary}
	office    = store.Actor{Name: "周敏", Role: store.RoleOffice}
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// town is the demo township with its villages by name.
type town struct {
	st       *store.Store
	tid      int64
	villages map[string]int64
}

func demoCommitmentTown(t *testing.T) town {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	tw, err := st.TownshipByName(ctx, demo.Township)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.Villages(ctx, tw.ID)
	if err != nil {
		t.Fatal(err)
	}
	x := town{st: st, tid: tw.ID, villages: map[string]int64{}}
	for _, v := range vs {
		x.villages[v.Name] = v.ID
	}
	return x
}

func ptr[T any](v T) *T { return &v }

func mustItem(t *testing.T, x town, cid int64, in store.ItemInput) int64 {
	t.Helper()
	id, err := x.st.SaveCommitmentItem(context.Background(), x.tid, cid, 0, in)
	if err != nil {
		t.Fatalf("save item %q: %v", in.Content, err)
	}
	return id
}

func TestCommitmentLifecycle(t *testing.T) {
	ctx := context.Background()
	x := demoCommitmentTown(t)
	st, tid := x.st, x.tid
	vid := x.villages["小漩村"]

	cid, err := st.CreateCommitment(ctx, tid, &vid, 2026, secretary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCommitment(ctx, tid, &vid, 2026, secretary); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second commitment for the year: %v, want ErrConflict", err)
	}
	// The township's own commitment is a separate owner, once a year too.
	own, err := st.CreateCommitment(ctx, tid, nil, 2026, office)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCommitment(ctx, tid, nil, 2026, office); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second township commitment: %v", err)
	}
	c, err := st.Commitment(ctx, tid, own)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title() != "小漩乡党委 2026 年度公开承诺" {
		t.Fatalf("township commitment title %q", c.Title())
	}

	// An empty draft cannot be submitted.
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("submit empty: %v", err)
	}
	road := mustItem(t, x, cid, store.ItemInput{Category: "service", Content: "硬化村组道路", Target: "新修水泥路 3 公里", Deadline: date("2026-10-31")})
	sub1 := mustItem(t, x, cid, store.ItemInput{ParentID: &road, Category: "party", Content: "一组至二组", Target: "1 公里", Deadline: date("2026-06-30"), Weight: ptr(1)})
	mustItem(t, x, cid, store.ItemInput{ParentID: &road, Content: "二组至三组", Target: "2 公里", Deadline: date("2026-10-31"), Weight: ptr(2)})
	income := mustItem(t, x, cid, store.ItemInput{Category: "economy", Content: "壮大集体经济", Target: "集体收入 10 万元", Deadline: date("2026-12-31"), Weight: ptr(5)})
	if _, err := st.SaveCommitmentItem(ctx, tid, cid, 0, store.ItemInput{ParentID: &sub1, Content: "三层", Target: "x", Deadline: date("2026-05-01")}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a sub-item of a sub-item: %v, want ErrInvalid", err)
	}
	vs, err := st.CommitmentVersions(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.VersionItems(ctx, tid, vs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].ID != road || items[1].ID != sub1 || items[3].ID != income {
		t.Fatalf("items in order parent, its sub-items, next: %+v", items)
	}
	if items[1].Category != "service" || items[3].Weight != nil {
		t.Fatalf("a sub-item takes its parent's category (%s); a top-level item has no weight (%v)", items[1].Category, items[3].Weight)
	}

	// Submitted: frozen for its owner until returned.
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveCommitmentItem(ctx, tid, cid, income, store.ItemInput{Category: "economy", Content: "改", Target: "改", Deadline: date("2026-12-31")}); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("edit while submitted: %v", err)
	}
	if err := st.PublishCommitment(ctx, tid, cid, office); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("publish before approval: %v", err)
	}
	if err := st.ReturnCommitment(ctx, tid, cid, "集体经济目标请写明收入来源", office); err != nil {
		t.Fatal(err)
	}
	if err := st.ApproveCommitment(ctx, tid, cid, office); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("approve a returned version: %v", err)
	}
	if _, err := st.SaveCommitmentItem(ctx, tid, cid, income, store.ItemInput{Category: "economy", Content: "壮大集体经济(光伏电站入股)",
		Target: "集体收入 10 万元", Deadline: date("2026-12-31")}); err != nil {
		t.Fatalf("edit after return: %v", err)
	}
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); err != nil {
		t.Fatal(err)
	}
	if err := st.ApproveCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}
	// Approved: frozen; a change needs a new version.
	if _, err := st.SaveCommitmentItem(ctx, tid, cid, 0, store.ItemInput{Category: "other", Content: "新", Target: "新", Deadline: date("2026-12-31")}); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("add to an approved commitment: %v", err)
	}
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("submit an approved commitment: %v", err)
	}
	if got, err := st.PublishedCommitmentItems(ctx, tid, vid, 2026); err != nil {
		t.Fatal(err)
	} else if len(got) != 0 {
		t.Fatalf("approved, not yet published: %d public items", len(got))
	}
	if err := st.PublishCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}
	pub, err := st.PublishedCommitmentItems(ctx, tid, vid, 2026)
	if err != nil || len(pub) != 4 || pub[3].ID != income || pub[3].Content != "壮大集体经济(光伏电站入股)" {
		t.Fatalf("published items %+v %v", pub, err)
	}

	// A revision: version 2 with a reason, same item ids; version 1 stays public until
	// version 2 is published.
	if err := st.DiscardRevision(ctx, tid, cid, secretary); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("discard with no revision: %v", err)
	}
	if err := st.ReviseCommitment(ctx, tid, cid, "镇里调整道路规划", secretary); err != nil {
		t.Fatal(err)
	}
	if err := st.ReviseCommitment(ctx, tid, cid, "again", secretary); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("a second revision in the works: %v", err)
	}
	if _, err := st.SaveCommitmentItem(ctx, tid, cid, income, store.ItemInput{Category: "economy", Content: "壮大集体经济",
		Target: "集体收入 12 万元", Deadline: date("2026-12-31")}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteCommitmentItem(ctx, tid, cid, road); err != nil {
		t.Fatal(err)
	}
	if pub, err := st.PublishedCommitmentItems(ctx, tid, vid, 2026); err != nil {
		t.Fatal(err)
	} else if len(pub) != 4 || pub[3].Target != "集体收入 10 万元" {
		t.Fatalf("while version 2 is a draft the public keeps version 1: %+v", pub)
	}
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); err != nil {
		t.Fatal(err)
	}
	if err := st.ApproveCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}
	if err := st.PublishCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}
	pub, err = st.PublishedCommitmentItems(ctx, tid, vid, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 1 || pub[0].ID != income || pub[0].Target != "集体收入 12 万元" {
		t.Fatalf("version 2 published: %+v", pub)
	}
	vs, err = st.CommitmentVersions(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Status != store.CommitmentSuperseded || vs[1].Status != store.CommitmentPublished || vs[1].Reason != "镇里调整道路规划" {
		t.Fatalf("versions %+v", vs)
	}
	// The old version's items are kept, as worded then.
	if old, err := st.VersionItems(ctx, tid, vs[0].ID); err != nil {
		t.Fatal(err)
	} else if len(old) != 4 {
		t.Fatalf("version 1 keeps its 4 items, has %d", len(old))
	}

	// A third version discarded leaves version 2 as it was.
	if err := st.ReviseCommitment(ctx, tid, cid, "再调整", secretary); err != nil {
		t.Fatal(err)
	}
	if err := st.DiscardRevision(ctx, tid, cid, secretary); err != nil {
		t.Fatal(err)
	}
	vs, err = st.CommitmentVersions(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("after discarding: %d versions", len(vs))
	}
	evs, err := st.CommitmentEvents(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	want := []string{"created", "submitted", "returned", "submitted", "approved", "published", "revised", "submitted", "approved", "published", "revised", "discarded"}
	if len(actions) != len(want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("history %v, want %v", actions, want)
		}
	}
	if evs[2].Note != "集体经济目标请写明收入来源" || evs[2].ActorName != "周敏" {
		t.Fatalf("the return keeps its comment and who made it: %+v", evs[2])
	}
}

func TestCommitmentProgressAndFulfilment(t *testing.T) {
	ctx := context.Background()
	x := demoCommitmentTown(t)
	st, tid := x.st, x.tid
	vid := x.villages["河口村"]
	cid, err := st.CreateCommitment(ctx, tid, &vid, 2026, secretary)
	if err != nil {
		t.Fatal(err)
	}
	road := mustItem(t, x, cid, store.ItemInput{Category: "service", Content: "硬化道路", Target: "3 公里", Deadline: date("2026-10-31")})
	a := mustItem(t, x, cid, store.ItemInput{ParentID: &road, Content: "一段", Target: "1 公里", Deadline: date("2026-06-30"), Weight: ptr(1)})
	b := mustItem(t, x, cid, store.ItemInput{ParentID: &road, Content: "二段", Target: "2 公里", Deadline: date("2026-10-31"), Weight: ptr(2)})
	water := mustItem(t, x, cid, store.ItemInput{Category: "service", Content: "安全饮水", Target: "100 户", Deadline: date("2026-05-31")})

	if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: a, Day: date("2026-03-01"), Body: "开工", Percent: 10, Author: "刘"}); !errors.Is(err, store.ErrCommitmentState) {
		t.Fatalf("progress before approval: %v", err)
	}
	if err := st.SubmitCommitment(ctx, tid, cid, secretary); err != nil {
		t.Fatal(err)
	}
	if err := st.ApproveCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}

	if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: road, Day: date("2026-03-01"), Body: "x", Percent: 10, Author: "刘"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("progress on a parent: %v, want ErrInvalid", err)
	}
	photo := store.EntryFile{Name: "现场.jpg", ContentType: "image/jpeg", Data: []byte("original"), Web: []byte("web"), Thumb: []byte("thumb"), WebW: 1280, WebH: 960, ThumbW: 360, ThumbH: 270}
	doc := store.EntryFile{Name: "验收单.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}
	e1, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: a, Day: date("2026-06-20"), Body: "一段完工", Percent: 100, Author: "刘", Files: []store.EntryFile{photo, doc}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: b, Day: date("2026-06-25"), Body: "二段过半", Percent: 50, Author: "刘"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: water, Day: date("2026-05-01"), Body: "管网铺设", Percent: 80, Author: "刘"}); err != nil {
		t.Fatal(err)
	}

	c, err := st.Commitment(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.CommitmentVersions(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	board, err := st.CommitmentBoard(ctx, c, vs[0])
	if err != nil || board.Photos != 1 || len(board.Entries) != 3 || board.Entries[1].ID != e1 || len(board.Entries[1].Files) != 2 {
		t.Fatalf("board %+v %v", board, err)
	}
	// On 1 July: road = (1×100 + 2×50)/3 = 66.67%, water overdue at 80%.
	states := board.Assess(date("2026-07-01"))
	if got := states[road].Progress; got.Cmp(big.NewRat(2, 3)) != 0 || !states[road].Weighted {
		t.Fatalf("road progress %s", got)
	}
	if states[water].Status != "overdue" {
		t.Fatalf("water on 1 July: %s", states[water].Status)
	}

	// Photos are public only once the commitment is: approved is not enough.
	var fid int64
	for _, f := range board.Entries[1].Files {
		if f.Photo {
			fid = f.ID
		}
	}
	if _, err := st.PublicPhoto(ctx, cid, fid, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("photo of an unpublished commitment: %v", err)
	}
	if err := st.PublishCommitment(ctx, tid, cid, office); err != nil {
		t.Fatal(err)
	}
	if data, err := st.PublicPhoto(ctx, cid, fid, true); err != nil || string(data) != "thumb" {
		t.Fatalf("public thumb %q %v", data, err)
	}
	if data, err := st.PublicPhoto(ctx, cid, fid, false); err != nil {
		t.Fatal(err)
	} else if string(data) != "web" {
		t.Fatalf("public web copy %q", data)
	}
	other, err := st.CreateCommitment(ctx, tid, nil, 2026, office)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublicPhoto(ctx, other, fid, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a photo through another commitment's page: %v", err)
	}
	if f, err := st.CommitmentFile(ctx, tid, cid, fid); err != nil || string(f.Data) != "original" {
		t.Fatalf("staff original %v", err)
	}

	// Fulfilment: at the year's end, water done late, road not finished: 1 of 2.
	if _, err := st.AddCommitmentEntry(ctx, tid, cid, store.EntryInput{ItemID: water, Day: date("2026-08-01"), Body: "全部通水", Percent: 100, Author: "刘"}); err != nil {
		t.Fatal(err)
	}
	rates, err := st.FulfilmentRates(ctx, tid, 2026, date("2026-12-31"))
	if err != nil || len(rates) != 1 || rates[0].Village != "河口村" || rates[0].Done != 1 || rates[0].Total != 2 || rates[0].Rate().Cmp(big.NewRat(1, 2)) != 0 {
		t.Fatalf("rates %+v %v", rates, err)
	}
	// A day before the water was finished, nothing yet.
	if rates, err := st.FulfilmentRates(ctx, tid, 2026, date("2026-07-31")); err != nil {
		t.Fatal(err)
	} else if rates[0].Done != 0 {
		t.Fatalf("rate on 31 July %+v", rates[0])
	}

	// Deleting an entry takes its files with it.
	if err := st.DeleteCommitmentEntry(ctx, tid, other, e1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete through another commitment: %v", err)
	}
	if err := st.DeleteCommitmentEntry(ctx, tid, cid, e1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublicPhoto(ctx, cid, fid, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("photo of a deleted entry: %v", err)
	}

	// Self-evaluation: top-level items of the version in force only.
	if err := st.SaveSelfEvaluations(ctx, tid, cid, []store.SelfEvaluationInput{{ItemID: a, Rating: store.SelfFulfilled}}, "刘"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("self-evaluation of a sub-item: %v", err)
	}
	if err := st.SaveSelfEvaluations(ctx, tid, cid, []store.SelfEvaluationInput{{ItemID: road, Rating: store.SelfPartly, Body: "二段未完"}, {ItemID: water, Rating: store.SelfFulfilled}}, "刘"); err != nil {
		t.Fatal(err)
	}
	self, err := st.SelfEvaluations(ctx, tid, cid)
	if err != nil {
		t.Fatal(err)
	}
	if self[road].Rating != store.SelfPartly || self[water].Rating != store.SelfFulfilled {
		t.Fatalf("self-evaluations %+v", self)
	}
}

func TestCommentGaps(t *testing.T) {
	ctx := context.Background()
	x := demoCommitmentTown(t)
	st, tid := x.st, x.tid
	approved := func(village string) int64 {
		vid := x.villages[village]
		cid, err := st.CreateCommitment(ctx, tid, &vid, 2026, secretary)
		if err != nil {
			t.Fatal(err)
		}
		mustItem(t, x, cid, store.ItemInput{Category: "party", Content: "三会一课", Target: "每月一次", Deadline: date("2026-12-31")})
		if err := st.SubmitCommitment(ctx, tid, cid, secretary); err != nil {
			t.Fatal(err)
		}
		if err := st.ApproveCommitment(ctx, tid, cid, office); err != nil {
			t.Fatal(err)
		}
		return cid
	}
	a, b := approved("青龙村"), approved("双河村")
	vid := x.villages["河口村"]
	if _, err := st.CreateCommitment(ctx, tid, &vid, 2026, secretary); err != nil { // a draft: nothing to comment on yet
		t.Fatal(err)
	}
	if err := st.AddCommitmentComment(ctx, tid, a, store.CommentInput{Year: 2026, Quarter: 3, Body: "进度较好", AuthorName: "陈建国"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddCommitmentComment(ctx, tid, b, store.CommentInput{Year: 2026, Quarter: 4, Body: "抓紧推进", AuthorName: "陈建国", Public: true}); err != nil {
		t.Fatal(err)
	}
	gaps, err := st.CommentGaps(ctx, tid, 2026, 4)
	if err != nil || len(gaps) != 1 || gaps[0].Village != "青龙村" || gaps[0].LastQuarter == nil || *gaps[0].LastQuarter != 3 {
		t.Fatalf("gaps in Q4 %+v %v", gaps, err)
	}
	pub, err := st.CommitmentComments(ctx, tid, b, true)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.CommitmentComments(ctx, tid, a, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 1 || len(all) != 1 {
		t.Fatalf("comments public %d all %d", len(pub), len(all))
	}
	if err := st.SetCommentPublic(ctx, tid, b, all[0].ID, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("publish a comment through another commitment: %v", err)
	}
}

func TestCommitmentsStayInTheirTownship(t *testing.T) {
	ctx := context.Background()
	x := demoCommitmentTown(t)
	st := x.st
	vid := x.villages["小漩村"]
	cid, err := st.CreateCommitment(ctx, x.tid, &vid, 2026, secretary)
	if err != nil {
		t.Fatal(err)
	}
	item := mustItem(t, x, cid, store.ItemInput{Category: "party", Content: "x", Target: "y", Deadline: date("2026-12-31")})

	other, err := st.EnsureTownship(ctx, "河东乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCommitment(ctx, other.ID, &vid, 2026, office); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("commitment for another township's village: %v", err)
	}
	if _, err := st.Commitment(ctx, other.ID, cid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read: %v", err)
	}
	if _, err := st.SaveCommitmentItem(ctx, other.ID, cid, item, store.ItemInput{Category: "party", Content: "改", Target: "改", Deadline: date("2026-12-31")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("edit: %v", err)
	}
	for name, err := range map[string]error{
		"submit":  st.SubmitCommitment(ctx, other.ID, cid, office),
		"approve": st.ApproveCommitment(ctx, other.ID, cid, office),
		"delete":  st.DeleteCommitmentItem(ctx, other.ID, cid, item),
		"comment": st.AddCommitmentComment(ctx, other.ID, cid, store.CommentInput{Year: 2026, Quarter: 1, Body: "x", AuthorName: "y"}),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s from another township: %v", name, err)
		}
	}
	if boards, err := st.Boards(ctx, other.ID, 2026, false); err != nil {
		t.Fatal(err)
	} else if len(boards) != 0 {
		t.Fatalf("another township sees %d boards", len(boards))
	}
}
