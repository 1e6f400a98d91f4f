package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"pingyi/internal/auth"
	"pingyi/internal/demo"
	"pingyi/internal/store"
)

// testJPEG is a small photo as a phone would send it.
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type upload struct {
	name string
	data []byte
}

// multipartPost sends a same-origin multipart form with files under "files".
func (c *client) multipartPost(path string, fields url.Values, files ...upload) page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			c.a.t.Fatal(err)
		}
		fw.Write(f.data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.a.url+path, &buf)
	if err != nil {
		c.a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// commitmentID reads the commitment id from a redirect to /commitments/{id}.
func commitmentID(t *testing.T, p page) int64 {
	t.Helper()
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/commitments/") {
		t.Fatalf("want a redirect to the commitment, got %d %q: %s", p.status, loc, textOf(p, "flash"))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/commitments/"), 10, 64)
	if err != nil {
		t.Fatalf("location %q", loc)
	}
	return id
}

func (a *app) village(name string) int64 {
	vs, err := a.store.Villages(context.Background(), 1)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, v := range vs {
		if v.Name == name {
			return v.ID
		}
	}
	a.t.Fatalf("no village %s", name)
	return 0
}

func (a *app) workingItems(cid int64) []store.CommitmentItem {
	ctx := context.Background()
	vs, err := a.store.CommitmentVersions(ctx, 1, cid)
	if err != nil {
		a.t.Fatal(err)
	}
	w, inForce, _ := store.Versions(vs)
	if w == nil {
		w = inForce
	}
	items, err := a.store.VersionItems(ctx, 1, w.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return items
}

func wantStatus(t *testing.T, what string, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("%s: status %d, want %d", what, p.status, want)
	}
}

func TestCommitmentFilingReviewAndProgress(t *testing.T) {
	a := newApp(t)
	sec, office, leader, public := a.client(), a.client(), a.client(), a.client()
	sec.login("xiaoxuan")
	office.login("zzb")
	leader.login("lingdao")
	year := store.LocalDay(time.Now()).Year()
	ys := strconv.Itoa(year)

	// The secretary starts this year's commitment; a village in the form is ignored.
	hekou := a.village("河口村")
	cid := commitmentID(t, sec.post("/commitments/new", url.Values{"year": {ys}, "owner": {fmt.Sprintf("v%d", hekou)}}))
	c, err := a.store.Commitment(context.Background(), 1, cid)
	if err != nil {
		t.Fatal(err)
	}
	if c.VillageName == nil || *c.VillageName != "小漩村" {
		t.Fatalf("the secretary's commitment belongs to %v, want 小漩村", c.VillageName)
	}
	// Asking again opens the same one.
	if again := commitmentID(t, sec.post("/commitments/new", url.Values{"year": {ys}})); again != cid {
		t.Fatalf("a second start opened %d, want %d", again, cid)
	}
	base := fmt.Sprintf("/commitments/%d", cid)

	// Bad items are refused with messages next to the fields, nothing saved.
	p := sec.post(base+"/items/new", url.Values{"category": {"economy"}, "content": {"壮大集体经济"}, "target": {""}, "deadline": {fmt.Sprintf("%d-01-10", year+1)}})
	wantStatus(t, "item without target", p, http.StatusUnprocessableEntity)
	if textOf(p, "error-target") == "" || !strings.Contains(textOf(p, "error-deadline"), ys) {
		t.Fatalf("messages: target %q deadline %q", textOf(p, "error-target"), textOf(p, "error-deadline"))
	}
	if len(a.workingItems(cid)) != 0 {
		t.Fatal("a refused item was saved")
	}
	p = sec.post(base+"/items/new", url.Values{"category": {"service"}, "content": {"硬化通组道路"}, "target": {"3 公里"}, "deadline": {ys + "-10-31"}})
	wantStatus(t, "add item", p, http.StatusSeeOther)
	road := a.workingItems(cid)[0].ID
	p = sec.post(base+"/items/new", url.Values{"parent": {fmt.Sprint(road)}, "content": {"一组"}, "target": {"1 公里"}, "deadline": {ys + "-11-30"}, "weight": {"0"}})
	wantStatus(t, "sub-item after its parent's deadline", p, http.StatusUnprocessableEntity)
	if !strings.Contains(textOf(p, "error-deadline"), "所属事项") || textOf(p, "error-weight") == "" {
		t.Fatalf("messages: deadline %q weight %q", textOf(p, "error-deadline"), textOf(p, "error-weight"))
	}
	sec.post(base+"/items/new", url.Values{"parent": {fmt.Sprint(road)}, "content": {"一组"}, "target": {"1 公里"}, "deadline": {ys + "-06-30"}, "weight": {"1"}})
	sec.post(base+"/items/new", url.Values{"parent": {fmt.Sprint(road)}, "content": {"二组"}, "target": {"2 公里"}, "deadline": {ys + "-10-31"}, "weight": {"2"}})
	sec.post(base+"/items/new", url.Values{"category": {"party"}, "content": {"发展党员"}, "target": {"2 名"}, "deadline": {ys + "-12-31"}})
	items := a.workingItems(cid)
	if len(items) != 4 || items[1].Category != "service" || items[1].Weight == nil || *items[1].Weight != 1 {
		t.Fatalf("items %+v", items)
	}
	// Deleting asks first, and says the sub-items go too.
	if p := sec.get(fmt.Sprintf("%s/items/%d/delete", base, road)); p.status != 200 || !strings.Contains(p.body, "2 个子项") {
		t.Fatalf("delete confirmation: %d", p.status)
	}
	// A parent cannot end before its sub-items.
	p = sec.post(fmt.Sprintf("%s/items/%d/edit", base, road), url.Values{"category": {"service"}, "content": {"硬化通组道路"}, "target": {"3 公里"}, "deadline": {ys + "-09-30"}})
	wantStatus(t, "parent before its sub-items", p, http.StatusUnprocessableEntity)

	// Who may take each step: only the office reviews.
	wantStatus(t, "secretary submits", sec.post(base+"/submit", nil), http.StatusSeeOther)
	wantStatus(t, "secretary edits a submitted commitment", sec.post(base+"/items/new", url.Values{"category": {"other"}, "content": {"x"}, "target": {"x"}, "deadline": {ys + "-12-31"}}), http.StatusConflict)
	wantStatus(t, "secretary approves", sec.post(base+"/approve", nil), http.StatusForbidden)
	wantStatus(t, "leader approves", leader.post(base+"/approve", nil), http.StatusForbidden)
	wantStatus(t, "leader returns", leader.post(base+"/return", url.Values{"comment": {"x"}}), http.StatusForbidden)
	wantStatus(t, "leader submits", leader.post(base+"/submit", nil), http.StatusForbidden)
	p = office.post(base+"/return", url.Values{"comment": {"  "}})
	wantStatus(t, "return without a comment", p, http.StatusUnprocessableEntity)
	if textOf(p, "error-comment") == "" {
		t.Fatal("no message next to the return comment")
	}
	wantStatus(t, "office returns", office.post(base+"/return", url.Values{"comment": {"道路请写明宽度"}}), http.StatusSeeOther)
	if got := textOf(sec.get(base), "return-comment"); !strings.Contains(got, "道路请写明宽度") {
		t.Fatalf("the secretary sees the return comment: %q", got)
	}
	sec.post(fmt.Sprintf("%s/items/%d/edit", base, road), url.Values{"category": {"service"}, "content": {"硬化通组道路"}, "target": {"3 公里,宽 4.5 米"}, "deadline": {ys + "-10-31"}})
	sec.post(base+"/submit", nil)
	wantStatus(t, "office approves", office.post(base+"/approve", nil), http.StatusSeeOther)
	wantStatus(t, "edit an approved commitment", sec.post(fmt.Sprintf("%s/items/%d/delete", base, road), nil), http.StatusConflict)
	wantStatus(t, "public page before publication", public.get(fmt.Sprintf("/gk/c/%d", cid)), http.StatusNotFound)
	wantStatus(t, "secretary publishes", sec.post(base+"/publish", nil), http.StatusForbidden)
	wantStatus(t, "office publishes", office.post(base+"/publish", nil), http.StatusSeeOther)
	if pub := public.get(fmt.Sprintf("/gk/c/%d", cid)); pub.status != 200 || !strings.Contains(textOf(pub, "pub-title"), "小漩村党支部") {
		t.Fatalf("public page: %d %q", pub.status, textOf(pub, "pub-title"))
	}

	// Progress: on a sub-item, with a photo and a document; never on a parent.
	items = a.workingItems(cid)
	sub1 := items[1].ID
	wantStatus(t, "progress form of a parent", sec.get(fmt.Sprintf("%s/items/%d/progress", base, road)), http.StatusNotFound)
	today := store.LocalDay(time.Now()).Format("2006-01-02")
	tomorrow := store.LocalDay(time.Now()).AddDate(0, 0, 1).Format("2006-01-02")
	p = sec.multipartPost(fmt.Sprintf("%s/items/%d/progress", base, sub1), url.Values{"day": {tomorrow}, "percent": {"120"}, "body": {""}})
	wantStatus(t, "bad progress", p, http.StatusUnprocessableEntity)
	for _, f := range []string{"error-day", "error-percent", "error-body"} {
		if textOf(p, f) == "" {
			t.Errorf("no message %s", f)
		}
	}
	p = sec.multipartPost(fmt.Sprintf("%s/items/%d/progress", base, sub1), url.Values{"day": {today}, "percent": {"100"}, "body": {"一组完工"}},
		upload{"路面.jpg", []byte("this is not a photo at all")})
	wantStatus(t, "a text file as a photo", p, http.StatusUnprocessableEntity)
	if !strings.Contains(textOf(p, "error-files"), "路面.jpg") {
		t.Fatalf("file message %q", textOf(p, "error-files"))
	}
	photo := testJPEG(t, 1600, 1200)
	p = sec.multipartPost(fmt.Sprintf("%s/items/%d/progress", base, sub1), url.Values{"day": {today}, "percent": {"100"}, "body": {"一组完工,群众验收"}},
		upload{"路面.jpg", photo}, upload{"验收单.pdf", []byte("%PDF-1.4 acceptance")})
	wantStatus(t, "progress with a photo and a document", p, http.StatusSeeOther)
	show := sec.get(base)
	if got := texts(show, "item-progress"); len(got) < 2 || got[0] != "33.33%" || got[1] != "100%" {
		t.Fatalf("progress shown %v: the road is 1×100%% + 2×0%% over 3", got)
	}
	if len(show.find("entry-document")) != 1 || len(show.find("entry-photo")) != 1 {
		t.Fatal("the staff page shows the photo and the document")
	}

	// The public page shows the photo's thumbnail, not the document, not the original.
	pub := public.get(fmt.Sprintf("/gk/c/%d", cid))
	if len(pub.find("entry-photo")) != 1 || strings.Contains(pub.body, "验收单") || strings.Contains(pub.body, "/files/") {
		t.Fatal("public page: one photo, no documents, no staff file links")
	}
	src := attr(pub.find("entry-photo")[0], "src")
	req, err := http.NewRequest(http.MethodGet, a.url+src, nil)
	if err != nil {
		t.Fatal(err)
	}
	thumb := public.do(req)
	if thumb.status != 200 || thumb.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(thumb.header.Get("Cache-Control"), "public") ||
		len(thumb.body) > 40_000 || len(thumb.body) >= len(photo) {
		t.Fatalf("thumbnail: %d %s %q, %d bytes (photo %d)", thumb.status, thumb.header.Get("Content-Type"), thumb.header.Get("Cache-Control"), len(thumb.body), len(photo))
	}
	req.Header.Set("If-None-Match", thumb.header.Get("ETag"))
	if again := public.do(req); again.status != http.StatusNotModified {
		t.Fatalf("revalidated thumbnail: %d, want 304", again.status)
	}
	var fid int64
	if _, err := fmt.Sscanf(src, fmt.Sprintf("/gk/c/%d/photo/%%d/t.jpg", cid), &fid); err != nil {
		t.Fatal(err)
	}
	if p := public.get(fmt.Sprintf("%s/files/%d", base, fid)); fid == 0 || p.status != http.StatusSeeOther {
		t.Fatalf("the staff file route without sign-in: %d, want a redirect to sign in", p.status)
	}

	// Leaders comment; only the comments chosen for publication show publicly.
	p = leader.post(base+"/comments", url.Values{"quarter": {"4"}, "body": {"未公开的点评"}})
	if store.LocalDay(time.Now()).Month() < time.October {
		wantStatus(t, "a comment for a quarter to come", p, http.StatusUnprocessableEntity)
		leader.post(base+"/comments", url.Values{"quarter": {"1"}, "body": {"未公开的点评"}})
	}
	leader.post(base+"/comments", url.Values{"quarter": {"1"}, "body": {"进展快,要保证质量"}, "public": {"1"}})
	wantStatus(t, "secretary comments", sec.post(base+"/comments", url.Values{"quarter": {"1"}, "body": {"自己点评"}}), http.StatusForbidden)
	pub = public.get(fmt.Sprintf("/gk/c/%d", cid))
	if got := texts(pub, "pub-comment"); len(got) != 1 || !strings.Contains(got[0], "进展快") {
		t.Fatalf("public comments %v", got)
	}
	if got := texts(sec.get(base), "comment"); len(got) != 2 {
		t.Fatalf("the secretary reads both comments on its commitment: %v", got)
	}

	// Year-end self-evaluation: a partly fulfilled item needs its reason.
	key := fmt.Sprint(road)
	p = sec.post(base+"/self", url.Values{"rating_" + key: {store.SelfPartly}})
	wantStatus(t, "partly without a reason", p, http.StatusUnprocessableEntity)
	if textOf(p, "error-item_"+key) == "" {
		t.Fatal("no message next to the item")
	}
	wantStatus(t, "self-evaluation", sec.post(base+"/self", url.Values{"rating_" + key: {store.SelfPartly}, "body_" + key: {"二组因雨季延误,12 月完成"}}), http.StatusSeeOther)
	wantStatus(t, "leader self-evaluates", leader.post(base+"/self", url.Values{"rating_" + key: {store.SelfFulfilled}}), http.StatusForbidden)
	if !strings.Contains(public.get(fmt.Sprintf("/gk/c/%d", cid)).body, "二组因雨季延误") {
		t.Fatal("the self-evaluation is public")
	}

	// A revision: the public page keeps version 1 until version 2 is published.
	p = sec.post(base+"/revise", url.Values{"reason": {""}})
	wantStatus(t, "revision without a reason", p, http.StatusUnprocessableEntity)
	wantStatus(t, "revision", sec.post(base+"/revise", url.Values{"reason": {"县里调整道路规划"}}), http.StatusSeeOther)
	sec.post(fmt.Sprintf("%s/items/%d/edit", base, items[3].ID), url.Values{"category": {"party"}, "content": {"发展党员"}, "target": {"3 名(新版本)"}, "deadline": {ys + "-12-31"}})
	if strings.Contains(public.get(fmt.Sprintf("/gk/c/%d", cid)).body, "新版本") {
		t.Fatal("a draft version shows on the public page")
	}
	if got := texts(sec.get(base), "item-change"); len(got) != 1 || got[0] != "已修改" {
		t.Fatalf("changes marked in the draft: %v", got)
	}
	sec.post(base+"/submit", nil)
	office.post(base+"/approve", nil)
	office.post(base+"/publish", nil)
	if !strings.Contains(public.get(fmt.Sprintf("/gk/c/%d", cid)).body, "3 名(新版本)") {
		t.Fatal("version 2 public after publication")
	}
	if rows := sec.get(base).find("version-row"); len(rows) != 2 {
		t.Fatalf("history shows %d versions", len(rows))
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestCommitmentIsolation(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	sec, office, leader := a.client(), a.client(), a.client()
	sec.login("xiaoxuan")
	office.login("zzb")
	leader.login("lingdao")
	ys := strconv.Itoa(store.LocalDay(time.Now()).Year())

	// 河口村's draft, filed by the office on its behalf, and the township's own.
	hekou := commitmentID(t, office.post("/commitments/new", url.Values{"year": {ys}, "owner": {fmt.Sprintf("v%d", a.village("河口村"))}}))
	own := commitmentID(t, office.post("/commitments/new", url.Values{"year": {ys}, "owner": {"t"}}))
	office.post(fmt.Sprintf("/commitments/%d/items/new", hekou), url.Values{"category": {"economy"}, "content": {"河口村草稿事项"}, "target": {"x"}, "deadline": {ys + "-12-31"}})
	item := a.workingItems(hekou)[0].ID

	// A secretary reaches neither, by URL or by form.
	for _, id := range []int64{hekou, own} {
		b := fmt.Sprintf("/commitments/%d", id)
		for _, path := range []string{b, b + "/items/new", fmt.Sprintf("%s/items/%d/edit", b, item), fmt.Sprintf("%s/items/%d/delete", b, item),
			b + "/self", b + "/versions/1", fmt.Sprintf("%s/items/%d/progress", b, item)} {
			if p := sec.get(path); !refused(p, http.StatusNotFound) {
				t.Errorf("secretary GET %s: %d, want 404", path, p.status)
			}
		}
		for _, path := range []string{b + "/items/new", b + "/submit", b + "/revise", b + "/discard", fmt.Sprintf("%s/items/%d/delete", b, item)} {
			if p := sec.post(path, url.Values{"category": {"economy"}, "content": {"越界"}, "target": {"x"}, "deadline": {ys + "-12-31"}, "reason": {"x"}}); !refused(p, http.StatusNotFound) {
				t.Errorf("secretary POST %s: %d, want 404", path, p.status)
			}
		}
	}
	if p := sec.get("/commitments"); !refused(p, http.StatusForbidden) {
		t.Errorf("secretary's overview: %d, want 403", p.status)
	}
	if strings.Contains(sec.get("/").body, "河口村草稿事项") {
		t.Error("another village's draft on the secretary's home")
	}
	// Leaders read and comment, and nothing else.
	b := fmt.Sprintf("/commitments/%d", hekou)
	if p := leader.get(b); p.status != 200 || len(p.find("item-add")) != 0 || len(p.find("comment-form")) != 0 {
		t.Fatalf("leader's view of a draft: %d, add-item %d, comment form %d", p.status, len(p.find("item-add")), len(p.find("comment-form")))
	}
	if p := leader.post(b+"/comments", url.Values{"quarter": {"1"}, "body": {"x"}}); p.status != http.StatusConflict {
		t.Errorf("leader comments on a draft: %d, want 409", p.status)
	}
	for _, path := range []string{b + "/items/new", b + "/submit", b + "/revise", fmt.Sprintf("%s/items/%d/delete", b, item)} {
		if p := leader.post(path, url.Values{"category": {"economy"}, "content": {"x"}, "target": {"x"}, "deadline": {ys + "-12-31"}, "reason": {"x"}}); !refused(p, http.StatusForbidden) {
			t.Errorf("leader POST %s: %d, want 403", path, p.status)
		}
	}
	if p := leader.post("/commitments/new", url.Values{"year": {ys}, "owner": {"t"}}); !refused(p, http.StatusForbidden) {
		t.Errorf("leader starts a commitment: %d, want 403", p.status)
	}

	// Another township's office sees none of it.
	other, err := a.store.EnsureTownship(ctx, "河东乡", "示范县")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.SaveUser(ctx, other.ID, 0, store.UserInput{Username: "hedong", DisplayName: "钱进", Role: store.RoleOffice, PasswordHash: hash, Active: true}); err != nil {
		t.Fatal(err)
	}
	stranger := a.client()
	stranger.login("hedong")
	for _, path := range []string{b, b + "/items/new", b + "/self"} {
		if p := stranger.get(path); !refused(p, http.StatusNotFound) {
			t.Errorf("other township GET %s: %d, want 404", path, p.status)
		}
	}
	for _, path := range []string{b + "/approve", b + "/return", b + "/submit", b + "/comments"} {
		if p := stranger.post(path, url.Values{"comment": {"x"}, "body": {"x"}, "quarter": {"1"}}); !refused(p, http.StatusNotFound) {
			t.Errorf("other township POST %s: %d, want 404", path, p.status)
		}
	}
	if p := stranger.post("/commitments/new", url.Values{"year": {ys}, "owner": {fmt.Sprintf("v%d", a.village("河口村"))}}); p.status != http.StatusUnprocessableEntity || textOf(p, "error-owner") == "" {
		t.Errorf("other township files for this township's village: %d", p.status)
	}
	if strings.Contains(stranger.get("/commitments").body, "河口村") {
		t.Error("another township's overview lists this township's villages")
	}
	// Drafts are not public, by any address.
	anon := a.client()
	for _, path := range []string{fmt.Sprintf("/gk/c/%d", hekou), fmt.Sprintf("/gk/c/%d/poster", hekou), fmt.Sprintf("/gk/c/%d/report", hekou)} {
		if p := anon.get(path); !refused(p, http.StatusNotFound) {
			t.Errorf("public %s of a draft: %d, want 404", path, p.status)
		}
	}
	if p := anon.get("/gk/t/1"); p.status != 200 || strings.Contains(p.body, "河口村草稿事项") {
		t.Errorf("public index: %d", p.status)
	}
}

func TestPublicPagesFastAndCacheable(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.LoadCommitments(ctx, a.store, time.Now()); err != nil {
		t.Fatal(err)
	}
	boards, err := a.store.Boards(ctx, 1, store.LocalDay(time.Now().AddDate(0, 0, -45)).Year(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(boards) != 8 {
		t.Fatalf("demo: %d public commitments, want 7 villages and the township", len(boards))
	}
	anon := a.client()
	for _, path := range []string{"/gk/t/1", fmt.Sprintf("/gk/c/%d", boards[1].Commitment.ID), fmt.Sprintf("/gk/c/%d/poster?size=a3", boards[1].Commitment.ID),
		fmt.Sprintf("/gk/c/%d/report?half=1", boards[1].Commitment.ID)} {
		req, err := http.NewRequest(http.MethodGet, a.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := anon.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
			t.Fatalf("%s: %d encoding %q cache %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("%s sets a cookie", path)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		html, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes of HTML, %d on the wire", path, len(html), len(raw))
		// A phone that has the page gets a 304 without a body.
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		again, err := anon.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidated: %d, want 304", path, again.StatusCode)
		}
	}
	// The stylesheet is compressed too, and cached for good.
	p := anon.get("/gk/t/1")
	css := ""
	if i := strings.Index(p.body, `href="/static/app.`); i >= 0 {
		css = p.body[i+6 : i+6+strings.Index(p.body[i+6:], `"`)]
	}
	req, err := http.NewRequest(http.MethodGet, a.url+css, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := anon.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: encoding %q cache %q", css, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
	}
}

func TestCommitmentHomePages(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := demo.LoadCommitments(ctx, a.store, now); err != nil {
		t.Fatal(err)
	}
	office, sec := a.client(), a.client()
	office.login("zzb")
	sec.login("xiaoxuan")
	home := office.get("/")
	gaps := texts(home, "comment-gaps")
	if store.LocalDay(now).AddDate(0, 0, -45).Year() == store.LocalDay(now).Year() && (len(gaps) != 1 || strings.Count(gaps[0], "村") != 3) {
		t.Fatalf("three villages without a comment this quarter: %v", gaps)
	}
	vh := sec.get("/")
	if len(vh.find("village-commitment")) != 1 {
		t.Fatal("no commitment card on the secretary's home")
	}
	if store.LocalDay(now).AddDate(0, 0, -45).Year() == store.LocalDay(now).Year() {
		if !strings.Contains(textOf(vh, "overdue-items"), "安置房") {
			t.Errorf("overdue on the secretary's home: %q", textOf(vh, "overdue-items"))
		}
		if !strings.Contains(textOf(vh, "due-items"), "二组至五组") {
			t.Errorf("due this month on the secretary's home: %q", textOf(vh, "due-items"))
		}
	}
	if p := office.get("/commitments"); len(p.find("commitment-row")) != 8 {
		t.Fatalf("overview rows: %d, want the township and 7 villages", len(p.find("commitment-row")))
	}
}
