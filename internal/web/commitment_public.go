package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/skip2/go-qrcode"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// 三公开: the commitment, its progress and its result on pages anyone may open without
// signing in: phone-first, small, cacheable, compressed (see routes.go). Only published
// versions show; drafts, returned versions and documents never do.

// publicCommitmentURL is the address a poster's QR code points to.
func (s *Server) publicCommitmentURL(id int64) string {
	return s.cfg.BaseURL + "/gk/c/" + strconv.FormatInt(id, 10)
}

// renderPublic renders a public page with a short shared cache and an ETag, so a phone
// on a slow link that has the page already gets a 304 and no body.
func (s *Server) renderPublic(w http.ResponseWriter, r *http.Request, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	buf.WriteTo(w)
}

// publicIndex shows the township's villages side by side for a year (default: the latest
// year with a public commitment).
func (s *Server) publicIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	town, err := s.store.Township(ctx, int64Param(r, "tid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	years, err := s.store.PublicCommitmentYears(ctx, town.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := today()
	year := now.Year()
	if len(years) > 0 {
		year = years[0]
	}
	if ys := chiParam(r, "year"); ys != "" {
		y, err := strconv.Atoi(ys)
		if err != nil || y < 2000 || y > 2100 {
			s.notFound(w, r)
			return
		}
		year = y
	}
	boards, err := s.store.Boards(ctx, town.ID, year, true)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	villages, err := s.store.Villages(ctx, town.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PublicIndexData{Township: town, Year: year, Years: years, Today: now}
	byVillage := map[int64]store.CommitmentBoard{}
	for _, b := range boards {
		if b.Commitment.IsTownship() {
			card := publicCard(b, now)
			d.Own = &card
			continue
		}
		byVillage[*b.Commitment.VillageID] = b
	}
	for _, v := range villages {
		b, ok := byVillage[v.ID]
		if !ok {
			if v.Active {
				branch, _ := store.VillageOrganisationNames(v.Name)
				d.Villages = append(d.Villages, view.PublicCard{Owner: branch, Village: v.Name})
			}
			continue
		}
		d.Villages = append(d.Villages, publicCard(b, now))
	}
	s.renderPublic(w, r, view.PublicIndex(d))
}

func publicCard(b store.CommitmentBoard, on time.Time) view.PublicCard {
	card := view.PublicCard{ID: b.Commitment.ID, Owner: b.Commitment.Owner(), Summary: summarize(b, on), Published: true}
	if b.Commitment.VillageName != nil {
		card.Village = *b.Commitment.VillageName
	}
	return card
}

// publicBoard loads a commitment's published version with its progress; a commitment
// without one does not exist here.
func (s *Server) publicBoard(w http.ResponseWriter, r *http.Request) (store.CommitmentBoard, bool) {
	c, v, err := s.store.PublicCommitment(r.Context(), idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return store.CommitmentBoard{}, false
	}
	b, err := s.store.CommitmentBoard(r.Context(), c, v)
	if err != nil {
		s.serverError(w, r, err)
		return b, false
	}
	return b, true
}

// publicCommitment is one commitment's public page: items, progress with photos, the
// leaders' comments chosen for publication, and the year-end result.
func (s *Server) publicCommitment(w http.ResponseWriter, r *http.Request) {
	b, ok := s.publicBoard(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c := b.Commitment
	comments, err := s.store.CommitmentComments(ctx, c.TownshipID, c.ID, true)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	self, err := s.store.SelfEvaluations(ctx, c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := today()
	d := view.PublicCommitmentData{C: c, Version: b.Version, Items: itemViews(b.Items, b.Assess(now), publicEntries(b.Entries), self),
		Summary: summarize(b, now), Comments: comments, Today: now, HasSelf: len(self) > 0}
	d.Halves = reportHalves(c.Year, now)
	if d.MassEvaluation, err = s.publicMassEvaluations(r, c); err != nil { // 评诺 (pingnuo.go)
		s.serverError(w, r, err)
		return
	}
	s.renderPublic(w, r, view.PublicCommitment(d))
}

// publicEntries keeps only what a public page shows of the evidence: photos.
func publicEntries(entries []store.CommitmentEntry) []store.CommitmentEntry {
	out := make([]store.CommitmentEntry, len(entries))
	for i, e := range entries {
		out[i] = e
		out[i].Files = nil
		for _, f := range e.Files {
			if f.Photo {
				out[i].Files = append(out[i].Files, f)
			}
		}
	}
	return out
}

// reportHalves are the half-year reports (半年公开) that exist by now: the first half from
// 1 July, the year-end one from 1 December (a preview until the year is over).
func reportHalves(year int, now time.Time) []int {
	var out []int
	if now.Year() > year || (now.Year() == year && now.Month() >= time.July) {
		out = append(out, 1)
	}
	if now.Year() > year || (now.Year() == year && now.Month() == time.December) {
		out = append(out, 2)
	}
	return out
}

// publicPhoto serves a photo's page copy: the thumbnail, or the reading copy. The bytes
// behind a file id never change, so caches may keep them a day and revalidate cheaply.
func (s *Server) publicPhoto(w http.ResponseWriter, r *http.Request) {
	size := chiParam(r, "size")
	if size != "t" && size != "w" {
		s.notFound(w, r)
		return
	}
	thumb := size == "t"
	fid := int64Param(r, "file")
	etag := `"p` + strconv.FormatInt(fid, 10) + size + `"`
	data, err := s.store.PublicPhoto(r.Context(), idParam(r), fid, thumb)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// publicPoster is the notice-board poster (公示栏), A4 or A3, with a QR code to the page.
func (s *Server) publicPoster(w http.ResponseWriter, r *http.Request) {
	b, ok := s.publicBoard(w, r)
	if !ok {
		return
	}
	now := today()
	d := view.PosterData{C: b.Commitment, Version: b.Version, Items: itemViews(b.Items, b.Assess(now), nil, nil),
		Summary: summarize(b, now), Today: now, Size: "a4", URL: s.publicCommitmentURL(b.Commitment.ID)}
	if r.URL.Query().Get("size") == "a3" {
		d.Size = "a3"
	}
	var err error
	if d.QR, err = qrDataURI(d.URL, 512); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.SignerTitle, d.Signer = s.commitmentSigner(r.Context(), b.Commitment)
	s.renderPublic(w, r, view.Poster(d))
}

// publicReport is the half-year progress report (半年公开, half 1) or the year-end one
// (half 2), generated from the entries, printable.
func (s *Server) publicReport(w http.ResponseWriter, r *http.Request) {
	b, ok := s.publicBoard(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c := b.Commitment
	half := 1
	if r.URL.Query().Get("half") == "2" {
		half = 2
	}
	from := time.Date(c.Year, time.January, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(c.Year, time.June, 30, 0, 0, 0, 0, time.UTC)
	if half == 2 {
		from, to = time.Date(c.Year, time.July, 1, 0, 0, 0, 0, time.UTC), time.Date(c.Year, time.December, 31, 0, 0, 0, 0, time.UTC)
	}
	now := today()
	asOf := to
	if now.Before(to) {
		asOf = now
	}
	var period []store.CommitmentEntry
	for _, e := range publicEntries(b.Entries) {
		if !e.Day.Before(from) && !e.Day.After(asOf) {
			period = append(period, e)
		}
	}
	comments, err := s.store.CommitmentComments(ctx, c.TownshipID, c.ID, true)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var shown []store.CommitmentComment
	for _, cm := range comments {
		if cm.Year == c.Year && (cm.Quarter+1)/2 == half {
			shown = append(shown, cm)
		}
	}
	d := view.ReportData{C: c, Version: b.Version, Half: half, From: from, AsOf: asOf, Final: half == 2 && now.After(to),
		Items: itemViews(b.Items, b.Assess(asOf), period, nil), Summary: summarize(b, asOf), Comments: shown,
		URL: s.publicCommitmentURL(c.ID)}
	if half == 2 {
		self, err := s.store.SelfEvaluations(ctx, c.TownshipID, c.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Items = itemViews(b.Items, b.Assess(asOf), period, self)
		if d.MassEvaluation, err = s.publicMassEvaluations(r, c); err != nil { // 评诺 (pingnuo.go)
			s.serverError(w, r, err)
			return
		}
	}
	if d.QR, err = qrDataURI(d.URL, 256); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderPublic(w, r, view.Report(d))
}

func qrDataURI(url string, size int) (string, error) {
	png, err := qrcode.Encode(url, qrcode.Medium, size)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// commitmentSigner is who signs the commitment on the poster: the Party branch's
// secretary, or the township Party committee's.
func (s *Server) commitmentSigner(ctx context.Context, c store.Commitment) (string, string) {
	if c.VillageID != nil {
		orgs, _, err := s.store.VillageRoster(ctx, c.TownshipID, *c.VillageID)
		if err == nil {
			for _, o := range orgs {
				if o.Kind == store.KindVillageBranch && o.ResponsibleName != nil {
					return "党支部书记", *o.ResponsibleName
				}
			}
		}
		return "党支部书记", ""
	}
	orgs, err := s.store.AllOrganisations(ctx, c.TownshipID)
	if err == nil {
		for _, o := range orgs {
			if o.Kind == store.KindPartyCommittee && o.ResponsibleName != nil {
				return "党委书记", *o.ResponsibleName
			}
		}
	}
	return "党委书记", ""
}

// etagMatch reports whether an If-None-Match header names the tag, weak or strong.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
