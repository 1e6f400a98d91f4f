package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/ballotbox"
	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/internal/voting"
	"pingyi/web/view"
)

// Raters vote with a one-time code and no account. The code reaches the server once, in
// /v/{code} (the QR code's address) or the code-entry form; from then on it travels in a
// short-lived HttpOnly cookie, so no later address, and no proxy's access log, holds it.
// The cookie also carries the phone's submission token: a rater whose reply was lost
// submits again with the same token and gets the same receipt.

const (
	ballotCookie = "pingyi_ballot"
	ballotPath   = "/v/ballot"
	// codeFailureWindow is how long failed code lookups count against an address.
	codeFailureWindow = 15 * time.Minute
)

// normalizeCode accepts lower case, spaces, dashes and full-width characters as typed
// on a phone (a Chinese input method types ＡＢＣＤ　ＥＦＧＨ).
func normalizeCode(c string) string {
	return strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.ToUpper(foldWidth(c)))
}

// wellFormedCode reports whether c could be a ballot code at all.
func wellFormedCode(c string) bool {
	return len(c) == store.CodeLength && strings.Trim(c, store.CodeAlphabet) == ""
}

// FailureDelay is how long a failed code lookup from an address waits before its answer:
// nothing for the first few typing mistakes, then base, doubling every two failures, up
// to 32 × base (8 s by default). A valid code never waits, whatever its address did.
func FailureDelay(base time.Duration, failures int) time.Duration {
	if failures <= 3 {
		return 0
	}
	return base << min((failures-4)/2, 5)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Server) notice(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, view.BallotNotice(title, msg))
}

// setBallotCookie starts a phone's voting session for a code, keeping its submission
// token if the phone already holds one for the same code.
func (s *Server) setBallotCookie(w http.ResponseWriter, r *http.Request, code string) {
	token := voting.NewToken()
	if old, oldToken, ok := ballotSession(r); ok && old == code {
		token = oldToken
	}
	http.SetCookie(w, &http.Cookie{
		Name: ballotCookie, Value: code + "." + token, Path: "/v", MaxAge: 3 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// ballotSession reads the phone's code and submission token.
func ballotSession(r *http.Request) (code, token string, ok bool) {
	c, err := r.Cookie(ballotCookie)
	if err != nil {
		return "", "", false
	}
	code, token, ok = strings.Cut(c.Value, ".")
	if !ok || !wellFormedCode(code) || len(token) < 16 {
		return "", "", false
	}
	return code, token, true
}

// ballotLanding is the QR code's address: it moves the code into the cookie and sends
// the phone on to an address without it.
func (s *Server) ballotLanding(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	code := normalizeCode(chiParam(r, "code"))
	if !wellFormedCode(code) {
		s.render(w, r, http.StatusUnprocessableEntity, view.CodeEntry("", "二维码中的测评码不完整,请重新扫码或手动输入"))
		return
	}
	s.setBallotCookie(w, r, code)
	http.Redirect(w, r, ballotPath, http.StatusSeeOther)
}

// codeEntry lets a rater type the code when scanning fails.
func (s *Server) codeEntry(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, view.CodeEntry("", ""))
}

func (s *Server) codeEntryPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.parseForm(w, r) {
		return
	}
	raw := r.PostForm.Get("code")
	code := normalizeCode(raw)
	switch {
	case code == "":
		s.render(w, r, http.StatusUnprocessableEntity, view.CodeEntry(raw, "请输入测评码"))
	case !wellFormedCode(code):
		s.render(w, r, http.StatusUnprocessableEntity, view.CodeEntry(raw, "测评码为 10 位字母和数字(不含 0、1、O、I、L),请核对后重新输入"))
	default:
		s.setBallotCookie(w, r, code)
		http.Redirect(w, r, ballotPath, http.StatusSeeOther)
	}
}

// raterCode looks the phone's code up. A code that is not found counts against the
// client's address and its answer is slowed; a valid code is never slowed or refused
// because of other failures from the same address (a meeting room shares one).
func (s *Server) raterCode(w http.ResponseWriter, r *http.Request) (code, token string, ci store.CodeInfo, ok bool) {
	w.Header().Set("Cache-Control", "no-store")
	code, token, ok = ballotSession(r)
	if !ok {
		s.render(w, r, http.StatusOK, view.CodeEntry("", "请扫描纸条上的二维码,或在此输入测评码"))
		return "", "", ci, false
	}
	ci, err := s.store.Code(r.Context(), code)
	if errors.Is(err, store.ErrCodeUnknown) {
		n, err := s.store.RecordCodeFailure(r.Context(), s.clientIP(r), codeFailureWindow)
		if err != nil {
			s.serverError(w, r, err)
			return "", "", ci, false
		}
		sleepCtx(r.Context(), FailureDelay(s.cfg.CodeFailureDelay, n))
		s.render(w, r, http.StatusNotFound, view.CodeEntry(code, "没有找到这个测评码。请核对纸条上的测评码(不含数字 0、1 和字母 O、I、L),或重新扫码。"))
		return "", "", ci, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return "", "", ci, false
	}
	return code, token, ci, s.codeUsable(w, r, ci, token)
}

// codeUsable explains a code that cannot vote. A spent code whose ballot this phone cast
// shows its receipt again instead of 已使用.
func (s *Server) codeUsable(w http.ResponseWriter, r *http.Request, ci store.CodeInfo, token string) bool {
	switch {
	case ci.Spent:
		receipt, err := s.store.ReceiptByToken(r.Context(), ci.TownshipID, ci.RoundID, voting.TokenHash(token))
		switch {
		case err == nil:
			s.render(w, r, http.StatusOK, view.BallotReceipt(roundTitle(ci), receipt, false, "", true))
		case errors.Is(err, store.ErrNotFound):
			s.notice(w, r, http.StatusGone, "测评码已使用", "这个测评码已经投过票,每个测评码只能投一次。如有疑问请联系工作人员。")
		default:
			// Never 已使用 for what may be this phone's own ballot: a passing database
			// failure says "try again".
			s.serverError(w, r, err)
		}
	case ci.Void:
		s.notice(w, r, http.StatusGone, "测评码已作废", "这个测评码已被工作人员作废,不能投票。请向工作人员领取新的测评码。")
	case ci.RoundStatus == store.StatusDraft:
		s.notice(w, r, http.StatusForbidden, "投票尚未开始", "「"+ci.RoundTitle+"」尚未开始投票,请在会议宣布开始后再扫码。")
	case ci.RoundStatus != store.StatusOpen:
		// Voting may have been ended on another replica: this one forgets the round too.
		s.ballots.Delete(ci.RoundID)
		s.forgetBallotPages(ci.RoundID)
		s.notice(w, r, http.StatusGone, "投票已结束", "「"+ci.RoundTitle+"」的投票已经结束,感谢参与。")
	default:
		return true
	}
	return false
}

func roundTitle(ci store.CodeInfo) string {
	if ci.Rehearsal {
		return ci.RoundTitle + "(演练)"
	}
	return ci.RoundTitle
}

func (s *Server) ballotShow(w http.ResponseWriter, r *http.Request) {
	code, token, ci, ok := s.raterCode(w, r)
	if !ok {
		return
	}
	s.ballotStep(w, r, ballotRun{code: code, token: token, ci: ci, action: ballotPath})
}

// ballotRun is one pass through the ballot: a phone's (token from its cookie) or a
// paper ballot entered by the office (token in the form).
type ballotRun struct {
	code, token string
	ci          store.CodeInfo
	action      string
	paper       bool
}

// ballotStep runs the ballot: GET shows it; POST checks every subject is answered and
// shows the confirmation; step=edit goes back; step=cast seals and casts it and shows
// the receipt.
func (s *Server) ballotStep(w http.ResponseWriter, r *http.Request, run ballotRun) {
	subjects, err := s.ballotSubjects(r, run.ci)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.BallotData{Title: roundTitle(run.ci), Category: run.ci.CategoryName, Subjects: subjects,
		Choices: map[int64]rules.Choice{}, Action: run.action, Paper: run.paper,
		Criteria: run.ci.Criteria, PersonCriteria: run.ci.PersonCriteria}
	if run.paper {
		d.Code, d.Token = run.code, run.token
	}
	if r.Method == http.MethodGet {
		if !run.paper && run.ci.RoundStatus == store.StatusOpen {
			s.serveBallotPage(w, r, run.ci.RoundID, d)
			return
		}
		s.render(w, r, http.StatusOK, view.Ballot(d))
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	d.Missing = map[int64]bool{}
	for _, sub := range subjects {
		c, ok := rules.ParseChoice(r.PostForm.Get("s" + strconv.FormatInt(sub.ID, 10)))
		if !ok {
			d.Missing[sub.ID] = true
			continue
		}
		d.Choices[sub.ID] = c
	}
	parseBallotCriteria(r.PostForm, &d)
	step := r.PostForm.Get("step")
	if step == "edit" || (step == "" && r.PostForm.Get("start") == "1") {
		d.Missing, d.MissingCriteria = nil, nil
		s.render(w, r, http.StatusOK, view.Ballot(d))
		return
	}
	if len(d.Missing) > 0 || len(d.MissingCriteria) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, view.Ballot(d))
		return
	}
	if step != "cast" {
		s.render(w, r, http.StatusOK, view.BallotConfirm(d))
		return
	}
	marks := make([]ballotbox.Mark, 0, len(subjects))
	for _, sub := range subjects {
		m := ballotbox.Mark{SubjectID: sub.ID, Choice: d.Choices[sub.ID]}
		if m.Choice != rules.Abstention {
			m.Criteria = d.Rated[sub.ID]
		}
		marks = append(marks, m)
	}
	receipt, err := voting.Cast(r.Context(), s.store, run.code, run.ci, run.token, marks)
	switch {
	case errors.Is(err, store.ErrCodeSpent):
		s.notice(w, r, http.StatusGone, "测评码已使用", "这个测评码已经投过票,每个测评码只能投一次。")
	case errors.Is(err, store.ErrCodeVoid):
		s.notice(w, r, http.StatusGone, "测评码已作废", "这个测评码已被工作人员作废,这张选票未能计入。")
	case errors.Is(err, store.ErrRoundNotOpen):
		s.notice(w, r, http.StatusGone, "投票已结束", "投票已经结束,这张选票未能计入。")
	case err != nil:
		// The ballot may or may not be in the box: the same submission, sent again,
		// gets its receipt either way and never a second ballot.
		s.log.ErrorContext(r.Context(), "cast ballot", "err", err)
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusServiceUnavailable, view.BallotRetry(d))
	default:
		s.ops.metrics.BallotCast(run.paper)
		w.Header().Set("Cache-Control", "no-store")
		again := ""
		if run.paper {
			again = fmt.Sprintf("/rounds/%d/paper", run.ci.RoundID)
		}
		s.render(w, r, http.StatusOK, view.BallotReceipt(d.Title, receipt, run.paper, again, false))
	}
}

// ballotSubjects returns the round's ballot, from the cache once the round is open.
func (s *Server) ballotSubjects(r *http.Request, ci store.CodeInfo) ([]store.BallotSubject, error) {
	if v, ok := s.ballots.Load(ci.RoundID); ok {
		return v.([]store.BallotSubject), nil
	}
	subjects, err := s.store.BallotSubjects(r.Context(), ci.TownshipID, ci.RoundID)
	if err == nil && ci.RoundStatus == store.StatusOpen {
		s.ballots.Store(ci.RoundID, subjects)
	}
	return subjects, err
}

func (s *Server) ballotReport(w http.ResponseWriter, r *http.Request) {
	_, _, ci, ok := s.raterCode(w, r)
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
			s.render(w, r, http.StatusOK, view.BallotReport(ci.RoundTitle, sub))
			return
		}
	}
	s.notice(w, r, http.StatusNotFound, "未找到", "没有这份述职报告。")
}

func (s *Server) ballotFile(w http.ResponseWriter, r *http.Request) {
	_, _, ci, ok := s.raterCode(w, r)
	if !ok {
		return
	}
	s.sendReportFile(w, r, ci.TownshipID, ci.RoundID, subjectParam(r))
}

// Paper ballots: office staff enter a slip's code and its choices through the same form.
// The code and the submission token travel in the posted form, never in an address.

func (s *Server) paperStart(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, view.PaperStart(s.chrome(r, "录入纸质票", "rounds"), view.PaperStartData{Round: round}))
}

func (s *Server) paperBallot(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	raw := r.PostForm.Get("code")
	code := normalizeCode(raw)
	fail := func(msg string) {
		s.render(w, r, http.StatusUnprocessableEntity, view.PaperStart(s.chrome(r, "录入纸质票", "rounds"), view.PaperStartData{Round: round, Code: raw, Error: msg}))
	}
	if round.Status != store.StatusOpen {
		fail("该评议不在投票中")
		return
	}
	if !wellFormedCode(code) {
		fail("测评码为 10 位字母和数字(不含 0、1、O、I、L)")
		return
	}
	ci, err := s.store.Code(r.Context(), code)
	token := r.PostForm.Get("tok")
	switch {
	case errors.Is(err, store.ErrCodeUnknown) || (err == nil && ci.RoundID != round.ID):
		fail("本轮评议没有这个测评码")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	case ci.Spent && token != "":
		// A resubmitted paper ballot: its receipt, if it was stored.
		receipt, err := s.store.ReceiptByToken(r.Context(), ci.TownshipID, ci.RoundID, voting.TokenHash(token))
		switch {
		case err == nil:
			s.render(w, r, http.StatusOK, view.BallotReceipt(roundTitle(ci), receipt, true, fmt.Sprintf("/rounds/%d/paper", round.ID), true))
		case errors.Is(err, store.ErrNotFound):
			fail("该测评码已投票(手机或纸质),不能重复录入")
		default:
			s.serverError(w, r, err)
		}
		return
	case ci.Spent:
		fail("该测评码已投票(手机或纸质),不能重复录入")
		return
	case ci.Void:
		fail("该测评码已作废")
		return
	}
	if len(token) < 16 {
		token = voting.NewToken()
	}
	s.ballotStep(w, r, ballotRun{code: code, token: token, ci: ci, action: fmt.Sprintf("/rounds/%d/paper/ballot", round.ID), paper: true})
}
