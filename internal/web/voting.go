package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"pingyi/internal/lan"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Guessing codes is throttled per client address.
const maxCodeFailures = 30

// normalizeCode accepts lower case, spaces and dashes as typed on a phone.
func normalizeCode(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	return strings.NewReplacer(" ", "", "-", "").Replace(c)
}

func (s *Server) notice(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, view.BallotNotice(title, msg))
}

// raterCode checks the throttle, looks the code up and explains a code that cannot vote.
func (s *Server) raterCode(w http.ResponseWriter, r *http.Request, code string) (store.CodeInfo, bool) {
	w.Header().Set("Cache-Control", "no-store")
	key := "code-ip:" + s.clientIP(r)
	ci, n, until, err := s.store.CodeThrottled(r.Context(), code, key, throttleWindow)
	if err != nil && !errors.Is(err, store.ErrCodeUnknown) {
		s.serverError(w, r, err)
		return ci, false
	}
	// Over the limit, even a right code is not looked at: guessing gains nothing.
	if n >= maxCodeFailures {
		mins := int(time.Until(until).Minutes()) + 1
		s.notice(w, r, http.StatusTooManyRequests, "尝试次数过多", fmt.Sprintf("输入错误的测评码次数过多,请 %d 分钟后再试,或向工作人员求助。", mins))
		return store.CodeInfo{}, false
	}
	if errors.Is(err, store.ErrCodeUnknown) {
		if err := s.store.RecordAuthFailure(r.Context(), key); err != nil {
			s.serverError(w, r, err)
			return ci, false
		}
		s.notice(w, r, http.StatusNotFound, "测评码无效", "没有找到这个测评码。请核对纸条上的测评码(不含数字 0、1 和字母 O、I、L),或重新扫码。")
		return ci, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return ci, false
	}
	return ci, s.codeUsable(w, r, ci)
}

func (s *Server) codeUsable(w http.ResponseWriter, r *http.Request, ci store.CodeInfo) bool {
	switch {
	case ci.Spent:
		s.notice(w, r, http.StatusGone, "测评码已使用", "这个测评码已经投过票,每个测评码只能投一次。如有疑问请联系工作人员。")
	case ci.RoundStatus == store.StatusDraft:
		s.notice(w, r, http.StatusForbidden, "投票尚未开始", "「"+ci.RoundTitle+"」尚未开始投票,请在会议宣布开始后再扫码。")
	case ci.RoundStatus != store.StatusOpen:
		s.notice(w, r, http.StatusGone, "投票已结束", "「"+ci.RoundTitle+"」的投票已经结束,感谢参与。")
	default:
		return true
	}
	return false
}

// codeEntry lets a rater type the code when scanning the QR code fails.
func (s *Server) codeEntry(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("code")
	code := normalizeCode(raw)
	switch {
	case raw == "":
		s.render(w, r, http.StatusOK, view.CodeEntry("", ""))
	case len(code) != store.CodeLength || strings.Trim(code, store.CodeAlphabet) != "":
		s.render(w, r, http.StatusUnprocessableEntity, view.CodeEntry(raw, "测评码为 10 位字母和数字,请核对后重新输入"))
	default:
		http.Redirect(w, r, "/v/"+code, http.StatusSeeOther)
	}
}

func (s *Server) ballotShow(w http.ResponseWriter, r *http.Request) {
	code := normalizeCode(chiParam(r, "code"))
	ci, ok := s.raterCode(w, r, code)
	if !ok {
		return
	}
	s.ballotStep(w, r, code, ci, "/v/"+code, false)
}

func (s *Server) ballotPost(w http.ResponseWriter, r *http.Request) {
	code := normalizeCode(chiParam(r, "code"))
	ci, ok := s.raterCode(w, r, code)
	if !ok {
		return
	}
	s.ballotStep(w, r, code, ci, "/v/"+code, false)
}

// ballotStep runs the ballot: GET shows it; POST checks every subject is answered and
// shows the confirmation; step=edit goes back; step=cast casts and shows the receipt.
func (s *Server) ballotStep(w http.ResponseWriter, r *http.Request, code string, ci store.CodeInfo, action string, paper bool) {
	subjects, err := s.ballotSubjects(r, ci)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.BallotData{Code: code, Title: ci.RoundTitle, Category: ci.CategoryName, Subjects: subjects, Choices: map[int64]int{}, Action: action, Paper: paper}
	if ci.Rehearsal {
		d.Title += "(演练)"
	}
	if r.Method == http.MethodGet {
		s.render(w, r, http.StatusOK, view.Ballot(d))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.notice(w, r, http.StatusBadRequest, "提交失败", "表单无法读取,请返回重试。")
		return
	}
	d.Missing = map[int64]bool{}
	for _, sub := range subjects {
		c, err := strconv.Atoi(r.PostForm.Get("s" + strconv.FormatInt(sub.ID, 10)))
		if err != nil || c < 1 || c > 5 {
			d.Missing[sub.ID] = true
			continue
		}
		d.Choices[sub.ID] = c
	}
	step := r.PostForm.Get("step")
	if step == "edit" {
		d.Missing = nil
		s.render(w, r, http.StatusOK, view.Ballot(d))
		return
	}
	if len(d.Missing) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, view.Ballot(d))
		return
	}
	if step != "cast" {
		s.render(w, r, http.StatusOK, view.BallotConfirm(d))
		return
	}
	receipt, err := s.store.CastBallot(r.Context(), code, d.Choices)
	switch {
	case errors.Is(err, store.ErrCodeSpent):
		s.notice(w, r, http.StatusGone, "测评码已使用", "这个测评码已经投过票,每个测评码只能投一次。")
	case errors.Is(err, store.ErrRoundNotOpen):
		s.notice(w, r, http.StatusGone, "投票已结束", "投票已经结束,这张选票未能计入。")
	case err != nil:
		s.serverError(w, r, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		again := ""
		if paper {
			again = fmt.Sprintf("/rounds/%d/paper", ci.RoundID)
		}
		s.render(w, r, http.StatusOK, view.BallotReceipt(d.Title, receipt, paper, again))
	}
}

// ballotSubjects returns the round's ballot, from the cache once the round is open.
func (s *Server) ballotSubjects(r *http.Request, ci store.CodeInfo) ([]store.BallotSubject, error) {
	if v, ok := s.ballots.Load(ci.RoundID); ok {
		return v.([]store.BallotSubject), nil
	}
	subjects, err := s.store.BallotSubjects(r.Context(), ci.RoundID)
	if err == nil && ci.RoundStatus == store.StatusOpen {
		s.ballots.Store(ci.RoundID, subjects)
	}
	return subjects, err
}

func (s *Server) ballotReport(w http.ResponseWriter, r *http.Request) {
	code := normalizeCode(chiParam(r, "code"))
	ci, ok := s.raterCode(w, r, code)
	if !ok {
		return
	}
	subjects, err := s.ballotSubjects(r, ci)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sid := subjectParam(r)
	for _, sub := range subjects {
		if sub.ID == sid {
			s.render(w, r, http.StatusOK, view.BallotReport(ci.RoundTitle, sub, code))
			return
		}
	}
	s.notice(w, r, http.StatusNotFound, "未找到", "没有这份述职报告。")
}

func (s *Server) ballotFile(w http.ResponseWriter, r *http.Request) {
	code := normalizeCode(chiParam(r, "code"))
	ci, ok := s.raterCode(w, r, code)
	if !ok {
		return
	}
	s.sendReportFile(w, r, ci.RoundID, subjectParam(r))
}

// Paper ballots: office staff enter a slip's code and its choices through the same form.

func (s *Server) paperStart(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.PaperStart(s.chrome(r, "录入纸质票", "rounds"), view.PaperStartData{Round: round}))
}

func (s *Server) paperBallot(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	var raw string
	if r.Method == http.MethodGet {
		raw = r.URL.Query().Get("code")
	} else {
		if !s.parseForm(w, r) {
			return
		}
		raw = r.PostForm.Get("code")
	}
	code := normalizeCode(raw)
	fail := func(msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, view.PaperStart(s.chrome(r, "录入纸质票", "rounds"), view.PaperStartData{Round: round, Code: raw, Error: msg}))
	}
	if round.Status != store.StatusOpen {
		fail("该评议不在投票中")
		return
	}
	ci, err := s.store.Code(r.Context(), code)
	switch {
	case errors.Is(err, store.ErrCodeUnknown) || (err == nil && ci.RoundID != round.ID):
		fail("本轮评议没有这个测评码")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	case ci.Spent:
		fail("该测评码已投票(手机或纸质),不能重复录入")
		return
	}
	s.ballotStep(w, r, code, ci, fmt.Sprintf("/rounds/%d/paper/ballot", round.ID), true)
}

// Slips: A4 print view with a QR code per code.

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
	d := view.SlipsData{Round: round, BaseURL: s.cfg.BaseURL}
	if lan.Unreachable(s.cfg.BaseURL) {
		// Before anyone prints 200 slips: these QR codes would open on no phone.
		d.Unreachable = true
		for _, a := range lan.Addresses() {
			d.LANBaseURLs = append(d.LANBaseURLs, "http://"+a.IP+":"+lan.Port(s.cfg.Addr))
		}
	}
	for _, sl := range list {
		url := s.cfg.BaseURL + "/v/" + sl.Code
		png, err := qrcode.Encode(url, qrcode.Medium, 264)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		var b bytes.Buffer
		b.WriteString("data:image/png;base64,")
		b.WriteString(base64.StdEncoding.EncodeToString(png))
		d.Slips = append(d.Slips, view.SlipView{Code: sl.Code, Category: sl.Category, URL: s.cfg.BaseURL + "/v", QR: b.String(), Spent: sl.Spent})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, view.Slips(d))
}

// Publication (公示): no sign-in.

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
	receipts, err := s.store.Receipts(r.Context(), round.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.PublicData{Township: t.Name, Round: round, Results: results, Receipts: receipts}
	if q := normalizeCode(r.URL.Query().Get("r")); q != "" {
		d.Lookup = q
		found := false
		for _, rc := range receipts {
			if rc == q {
				found = true
			}
		}
		d.Found = &found
	}
	s.render(w, r, http.StatusOK, view.Public(d))
}
