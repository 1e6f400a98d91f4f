package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"pingyi/internal/lan"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Ballot codes: slips to print, the list of codes with their status, voiding unused
// codes, and the projector's turnout.

// slips is the A4 print view with a QR code per code. The codes are drawn in parallel.
func (s *Server) slips(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	list, err := s.store.Slips(r.Context(), round.TownshipID, round.ID, formID(r.URL.Query().Get("category")))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	list = slices.DeleteFunc(list, func(sl store.Slip) bool { return sl.Void })
	d := view.SlipsData{Round: round, Slips: make([]view.SlipView, len(list)), BaseURL: s.cfg.BaseURL}
	if lan.Unreachable(s.cfg.BaseURL) {
		// Before anyone prints 200 slips: these QR codes would open on no phone.
		d.Unreachable = true
		for _, a := range lan.Addresses() {
			d.LANBaseURLs = append(d.LANBaseURLs, "http://"+a.IP+":"+lan.Port(s.cfg.Addr))
		}
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, sl := range list {
		g.Go(func() error {
			svg, err := qrSVG(slipURL(s.cfg.BaseURL, sl.Code), "扫码投票")
			d.Slips[i] = view.SlipView{Code: sl.Code, Category: sl.Category, URL: s.cfg.BaseURL + "/v", QR: svg, Spent: sl.Spent}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, view.Slips(d))
}

func (s *Server) codesPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("n")))
	if err != nil || n < 1 || n > 2000 {
		s.redirectRound(w, r, round.ID, flashBad, "生成数量须为 1–2000 的整数")
		return
	}
	category := formID(r.PostForm.Get("category_id"))
	err = s.store.GenerateCodes(r.Context(), round.TownshipID, round.ID, category, n)
	switch {
	case errors.Is(err, store.ErrFrozen):
		s.redirectRound(w, r, round.ID, flashBad, "该评议已结束或该类别未参加,不能生成测评码")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	msg := fmt.Sprintf("已生成 %d 个测评码", n)
	if warn, err := s.codesWarning(r, round, category); err != nil {
		s.serverError(w, r, err)
		return
	} else if warn != "" {
		s.flash(r, flashWarn, msg+"。"+warn)
		http.Redirect(w, r, fmt.Sprintf("/rounds/%d", round.ID), http.StatusSeeOther)
		return
	}
	s.redirectRound(w, r, round.ID, flashOK, msg)
}

// codesWarning says when a category has far more codes than raters: every spare code
// is a spare vote if it goes astray.
func (s *Server) codesWarning(r *http.Request, round store.Round, category int64) (string, error) {
	cats, err := s.store.RaterCategories(r.Context(), round.TownshipID)
	if err != nil {
		return "", err
	}
	turnout, err := s.store.Turnout(r.Context(), round.TownshipID, round.ID)
	if err != nil {
		return "", err
	}
	for _, c := range cats {
		for _, t := range turnout {
			if c.ID == category && t.CategoryID == category && t.Issued > c.RaterCount+c.RaterCount/5+2 {
				return fmt.Sprintf("注意:「%s」名册上只有 %d 人,已发码 %d 个,远多于人数。多余的测评码请妥善保管或作废。", c.Name, c.RaterCount, t.Issued), nil
			}
		}
	}
	return "", nil
}

// codeList lists a round's codes with their status (unused / used / void).
func (s *Server) codeList(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	s.renderCodeList(w, r, round, http.StatusOK, "")
}

func (s *Server) renderCodeList(w http.ResponseWriter, r *http.Request, round store.Round, status int, msg string) {
	list, err := s.store.Slips(r.Context(), round.TownshipID, round.ID, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, view.CodeList(s.chrome(r, "测评码", "rounds"), view.CodeListData{Round: round, Codes: list, Error: msg}))
}

// codeVoidPost voids the ticked unused codes (e.g. slips lost or handed out twice).
func (s *Server) codeVoidPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	codes := r.PostForm["code"]
	if len(codes) == 0 {
		s.renderCodeList(w, r, round, http.StatusUnprocessableEntity, "请勾选要作废的测评码")
		return
	}
	n, err := s.store.VoidCodes(r.Context(), round.TownshipID, round.ID, codes)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if n == 0 {
		s.renderCodeList(w, r, round, http.StatusUnprocessableEntity, "所选测评码已使用、已作废,或本轮已结束投票,未作废任何测评码")
		return
	}
	s.flash(r, flashOK, fmt.Sprintf("已作废 %d 个测评码", n))
	http.Redirect(w, r, roundURL(round.ID, "/codes"), http.StatusSeeOther)
}

// screen is the projector page (大屏): turnout only, never a tally.
func (s *Server) screen(w http.ResponseWriter, r *http.Request) {
	d, ok := s.screenData(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.Screen(d))
}

// screenJSON is the projector's turnout for its few lines of script to poll.
func (s *Server) screenJSON(w http.ResponseWriter, r *http.Request) {
	d, ok := s.screenData(w, r)
	if !ok {
		return
	}
	type row struct {
		Category string `json:"category"`
		Cast     int    `json:"cast"`
		Issued   int    `json:"issued"`
	}
	out := struct {
		Status   string `json:"status"`
		Headline string `json:"headline"`
		Cast     int    `json:"cast"`
		Issued   int    `json:"issued"`
		Rows     []row  `json:"rows"`
	}{Status: d.Round.Status, Headline: view.ScreenHeadline(d), Cast: d.Cast, Issued: d.Issued}
	for _, t := range d.Turnout {
		out.Rows = append(out.Rows, row{t.Category, t.Cast, t.Issued})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) screenData(w http.ResponseWriter, r *http.Request) (view.ScreenData, bool) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return view.ScreenData{}, false
	}
	turnout, err := s.store.Turnout(r.Context(), round.TownshipID, round.ID)
	if err != nil {
		s.serverError(w, r, err)
		return view.ScreenData{}, false
	}
	d := view.ScreenData{Round: round, Turnout: turnout}
	for _, t := range turnout {
		d.Issued += t.Issued
		d.Cast += t.Cast
	}
	return d, true
}

// codeFailures is what the office sees of wrong codes typed in the last hour.
func (s *Server) codeFailures(r *http.Request) (store.CodeFailureStats, error) {
	return s.store.CodeFailures(r.Context(), time.Now().Add(-time.Hour))
}

// publicRound is the published results (公示): no sign-in.
func (s *Server) publicRound(w http.ResponseWriter, r *http.Request) {
	round, err := s.store.PublicRound(r.Context(), chiParam(r, "slug"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	t, err := s.store.Township(r.Context(), round.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	results, err := s.store.Results(r.Context(), round.TownshipID, round.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	receipts, err := s.store.Receipts(r.Context(), round.TownshipID, round.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PublicData{Township: t.Name, Round: round, Results: results, Receipts: receipts}
	if q := strings.TrimSpace(r.URL.Query().Get("r")); q != "" {
		d.Lookup = normalizeCode(q)
		found := false
		for _, rc := range receipts {
			if rc == d.Lookup {
				found = true
				break
			}
		}
		d.Found = &found
	}
	s.render(w, r, http.StatusOK, view.Public(d))
}
