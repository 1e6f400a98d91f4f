package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"

	"pingyi/internal/compress"
	"pingyi/web/view"
)

// The phone ballot's first view. An open round is frozen (its title, subjects, reports and
// settings cannot change), so the blank ballot is the same page for every rater of a
// category: it is rendered once per round and category, compressed once at the best
// level, and served as bytes. It holds nothing of the rater: the code lives in a cookie,
// the submission token too. Casting, the confirmation and the receipt stay per request.

// ballotPage is one category's blank ballot in each encoding, made once: the raters who
// scan at the same moment wait for the first rendering rather than each making their own.
type ballotPage struct {
	once                   sync.Once
	err                    error
	identity, gzip, brotli []byte
}

// ballotPageKey names a cached page: the round, and the category by its name as shown.
type ballotPageKey struct {
	round    int64
	category string
}

// serveBallotPage sends the blank ballot of d's round and category, rendering it the
// first time.
func (s *Server) serveBallotPage(w http.ResponseWriter, r *http.Request, roundID int64, d view.BallotData) {
	key := ballotPageKey{roundID, d.Category}
	v, _ := s.ballotPages.LoadOrStore(key, &ballotPage{})
	p := v.(*ballotPage)
	p.once.Do(func() {
		p.err = errors.New("web: ballot page rendering did not finish") // until it does
		var buf bytes.Buffer
		if p.err = view.Ballot(d).Render(context.WithoutCancel(r.Context()), &buf); p.err != nil {
			return
		}
		p.identity = buf.Bytes()
		p.gzip, p.brotli = compress.Bytes(p.identity, compress.Gzip), compress.Bytes(p.identity, compress.Brotli)
	})
	if p.err != nil {
		s.ballotPages.CompareAndDelete(key, p) // the next rater tries again
		s.serverError(w, r, p.err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	body := p.identity
	if r.Method != http.MethodHead {
		switch compress.Negotiate(r.Header.Get("Accept-Encoding")) {
		case compress.Brotli:
			body = p.brotli
			h.Set("Content-Encoding", compress.Brotli)
		case compress.Gzip:
			body = p.gzip
			h.Set("Content-Encoding", compress.Gzip)
		}
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// forgetBallotPages drops a round's cached ballots once its voting has ended: on the
// replica that ended it at once, on the others when a rater of that round next finds it
// closed (codeUsable).
func (s *Server) forgetBallotPages(roundID int64) {
	s.ballotPages.Range(func(k, _ any) bool {
		if k.(ballotPageKey).round == roundID {
			s.ballotPages.Delete(k)
		}
		return true
	})
}
