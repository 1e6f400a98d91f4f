package web

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos of key sheets
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/draw"

	"pingyi/internal/ballotbox"
	"pingyi/internal/store"
	"pingyi/internal/validator"
	"pingyi/internal/voting"
	"pingyi/web/view"
)

// A round's life after set-up: open it (making the scrutineers' key sheets), end voting,
// open the box with the scrutineers' shares, publish, withdraw, recount, destroy. Every
// step that cannot be undone shows what it will do and asks first, on a page that works
// without JavaScript.

func roundURL(id int64, tail string) string { return fmt.Sprintf("/rounds/%d%s", id, tail) }

// openConfirm shows what opening freezes.
func (s *Server) openConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusDraft {
		s.redirectRound(w, r, round.ID, flashOK, "投票已经开始")
		return
	}
	d, err := s.roundShowData(r, round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.OpenConfirm(s.chrome(r, "开始投票", "rounds"), d))
}

// openPost opens the round and shows the key sheets, once: the shares exist only in
// this response.
func (s *Server) openPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	shares, err := voting.OpenRound(r.Context(), s.store, round.TownshipID, round.ID, currentUser(r).DisplayName)
	var nr *store.NotReadyError
	switch {
	case errors.As(err, &nr):
		d, derr := s.roundShowData(r, round)
		if derr != nil {
			s.serverError(w, r, derr)
			return
		}
		d.Problems = nr.Problems
		s.render(w, r, http.StatusUnprocessableEntity, view.RoundShow(s.chrome(r, round.Title, "rounds"), d))
	case errors.Is(err, store.ErrFrozen):
		s.redirectRound(w, r, round.ID, flashOK, "投票已经开始")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.keySheets(w, r, round.ID, shares, false)
	}
}

// rekeyConfirm offers a new key while no ballot has been cast.
func (s *Server) rekeyConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusOpen || round.Cast > 0 {
		s.redirectRound(w, r, round.ID, flashBad, "已有选票投入票箱,不能再重新生成监票密钥")
		return
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "重新生成监票密钥", "rounds"), view.ConfirmData{
		Round: round, Title: "重新生成监票密钥", Action: roundURL(round.ID, "/rekey"), Button: "重新生成并打印",
		Lead:  "用于密钥页未能打印或遗失的情况。只能在尚无任何选票时进行。",
		Items: []string{"已打印的全部监票密钥页立即作废,须收回销毁", "为每位监票人生成新的密钥页,只显示一次"},
	}))
}

func (s *Server) rekeyPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	shares, err := voting.Rekey(r.Context(), s.store, round.TownshipID, round.ID, currentUser(r).DisplayName)
	switch {
	case errors.Is(err, store.ErrBallotsCast):
		s.redirectRound(w, r, round.ID, flashBad, "已有选票投入票箱,不能再重新生成监票密钥")
	case errors.Is(err, store.ErrRoundNotOpen):
		s.redirectRound(w, r, round.ID, flashBad, "该评议不在投票中")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.keySheets(w, r, round.ID, shares, true)
	}
}

// keySheets renders one printable A4 key sheet per scrutineer.
func (s *Server) keySheets(w http.ResponseWriter, r *http.Request, roundID int64, shares []ballotbox.Share, rekeyed bool) {
	u := currentUser(r)
	round, err := s.store.Round(r.Context(), u.TownshipID, roundID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	scrutineers, err := s.store.Scrutineers(r.Context(), u.TownshipID, roundID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.KeySheetsData{Round: round, Township: u.TownshipName, Fingerprint: round.Key().Fingerprint(), Rekeyed: rekeyed,
		Threshold: round.KeyThreshold, Total: len(shares)}
	for _, sh := range shares {
		svg, err := qrSVG(strings.ReplaceAll(sh.Text(), " ", ""), fmt.Sprintf("第 %d 份监票密钥二维码", sh.Index))
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		name := ""
		if sh.Index <= len(scrutineers) {
			name = scrutineers[sh.Index-1].Name
		}
		d.Sheets = append(d.Sheets, view.KeySheet{Index: sh.Index, Name: name, Groups: sh.Groups(),
			QR: svg})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, view.KeySheets(d))
}

// endConfirm shows what ending the vote does.
func (s *Server) endConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusOpen {
		s.redirectRound(w, r, round.ID, flashBad, "该评议不在投票中")
		return
	}
	items := []string{
		fmt.Sprintf("已发出 %d 个测评码,已投 %d 张;未使用的测评码全部失效,之后扫码将提示投票已结束", round.Issued, round.Cast),
		fmt.Sprintf("票箱等待开箱:须 %d 位监票人到场出示监票密钥页,方可计票", round.KeyThreshold),
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "结束投票", "rounds"), view.ConfirmData{
		Round: round, Title: "结束投票", Action: roundURL(round.ID, "/end"), Button: "结束投票", Danger: true,
		Lead: "结束后不能再投票,也不能重新开始。", Items: items,
	}))
}

func (s *Server) endPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	err := s.store.EndVoting(r.Context(), round.TownshipID, round.ID)
	switch {
	case errors.Is(err, store.ErrRoundNotOpen):
		s.redirectRound(w, r, round.ID, flashBad, "该评议不在投票中")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.ballots.Delete(round.ID)
		s.forgetBallotPages(round.ID)
		s.flash(r, flashOK, "投票已结束。请监票人出示密钥页,开箱计票。")
		http.Redirect(w, r, roundURL(round.ID, "/count"), http.StatusSeeOther)
	}
}

// Opening the box (开箱计票). The shares checked so far travel in the page's own form,
// never stored on the server: the box opens when the k-th share arrives, and the key is
// rebuilt, used and dropped within that one request.

const maxSheetPhoto = 15 << 20

func (s *Server) countShow(w http.ResponseWriter, r *http.Request) {
	s.boxPage(w, r, false)
}

func (s *Server) recountShow(w http.ResponseWriter, r *http.Request) {
	s.boxPage(w, r, true)
}

func (s *Server) boxPage(w http.ResponseWriter, r *http.Request, recount bool) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	d, ok := s.boxData(w, r, round, recount)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, view.OpenBox(s.chrome(r, d.Heading(), "rounds"), d))
}

// boxData checks the round can be opened now and loads the page's data.
func (s *Server) boxData(w http.ResponseWriter, r *http.Request, round store.Round, recount bool) (view.OpenBoxData, bool) {
	d := view.OpenBoxData{Round: round, Recount: recount, Threshold: len(round.KeyCommitments)}
	switch {
	case !recount && round.Status != store.StatusCounting:
		if round.Counted() {
			http.Redirect(w, r, roundURL(round.ID, "/results"), http.StatusSeeOther)
		} else {
			s.redirectRound(w, r, round.ID, flashBad, "投票结束后才能开箱计票")
		}
		return d, false
	case recount && (!round.Counted() || round.Rehearsal):
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票的正式评议才能复核")
		return d, false
	case recount && round.BallotsDestroyedAt != nil:
		s.redirectRound(w, r, round.ID, flashBad, "密封选票已销毁,不能再复核")
		return d, false
	}
	scrutineers, err := s.store.Scrutineers(r.Context(), round.TownshipID, round.ID)
	if err != nil {
		s.serverError(w, r, err)
		return d, false
	}
	d.Scrutineers = scrutineers
	return d, true
}

func (s *Server) countPost(w http.ResponseWriter, r *http.Request) {
	s.boxPost(w, r, false)
}

func (s *Server) recountPost(w http.ResponseWriter, r *http.Request) {
	s.boxPost(w, r, true)
}

func (s *Server) boxPost(w http.ResponseWriter, r *http.Request, recount bool) {
	w.Header().Set("Cache-Control", "no-store")
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	d, ok := s.boxData(w, r, round, recount)
	if !ok {
		return
	}
	form, photo, err := readBoxForm(r)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "请求无效", "表单无法读取:"+err.Error())
		return
	}
	// The shares already checked come back from the form; each is checked again.
	var given []ballotbox.Share
	for _, t := range form["given"] {
		sh, err := voting.CheckShare(round, t, given)
		if err != nil {
			continue
		}
		given = append(given, sh)
	}
	text := strings.TrimSpace(strings.Join(form["share"], ""))
	if len(photo) > 0 {
		decoded, err := decodeQR(photo)
		if err != nil {
			d.Given, d.Error = given, "照片中没有识别出二维码:请把密钥页放平、对准二维码重拍,或手动输入下方的 60 位字符"
			s.boxRender(w, r, d)
			return
		}
		text = decoded
	}
	if text != "" {
		sh, err := voting.CheckShare(round, text, given)
		switch {
		case errors.Is(err, ballotbox.ErrShareTypo):
			d.Error = "密钥输入有误:请逐组核对 60 位字符(字母 O、I、L 可按 0、1 输入)"
			d.Typed = text
		case errors.Is(err, ballotbox.ErrWrongShare):
			d.Error = "这不是本轮评议的监票密钥(或本轮已重新生成密钥,这一页已作废)"
		case errors.Is(err, voting.ErrShareUsed):
			d.Error = fmt.Sprintf("第 %d 份密钥已经输入过,请下一位监票人输入", sh.Index)
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			given = append(given, sh)
		}
	} else if d.Error == "" {
		d.Error = "请输入或拍照识别监票密钥"
	}
	d.Given = given
	if !recount {
		if err := s.store.SetBoxProgress(r.Context(), round.TownshipID, round.ID, len(given)); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(given) < d.Threshold {
		s.boxRender(w, r, d)
		return
	}
	by := currentUser(r).DisplayName
	if recount {
		diffs, err := voting.Recount(r.Context(), s.store, round, given, by)
		if err != nil {
			s.boxFailure(w, r, d, err)
			return
		}
		d.Done, d.Diffs = true, diffs
		s.render(w, r, http.StatusOK, view.OpenBox(s.chrome(r, d.Heading(), "rounds"), d))
		return
	}
	start := time.Now()
	if err := voting.OpenBox(r.Context(), s.store, round, given, by); err != nil {
		s.boxFailure(w, r, d, err)
		return
	}
	s.log.Info("box opened", "round", round.ID, "ms", time.Since(start).Milliseconds())
	s.flash(r, flashOK, "开箱计票完成,监票密钥已从内存中清除。")
	http.Redirect(w, r, roundURL(round.ID, "/results"), http.StatusSeeOther)
}

func (s *Server) boxRender(w http.ResponseWriter, r *http.Request, d view.OpenBoxData) {
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, view.OpenBox(s.chrome(r, d.Heading(), "rounds"), d))
}

func (s *Server) boxFailure(w http.ResponseWriter, r *http.Request, d view.OpenBoxData, err error) {
	switch {
	case errors.Is(err, ballotbox.ErrWrongShare):
		d.Given, d.Error = nil, "密钥无法还原本轮票箱的私钥:请重新逐一输入"
	case errors.Is(err, store.ErrDestroyed):
		d.Given, d.Error = nil, "密封选票已销毁,不能再开箱"
	case errors.Is(err, store.ErrNotCounting):
		http.Redirect(w, r, roundURL(d.Round.ID, "/results"), http.StatusSeeOther)
		return
	case errors.Is(err, store.ErrBoxMismatch), errors.Is(err, ballotbox.ErrBadBallot), errors.Is(err, ballotbox.ErrForeignBallot):
		s.log.Error("box does not open cleanly", "round", d.Round.ID, "err", err)
		d.Given, d.Error = nil, "票箱中有选票无法打开或与本轮不符,计票已停止,未写入任何结果。请联系系统管理员核查数据库。"
	default:
		s.serverError(w, r, err)
		return
	}
	s.boxRender(w, r, d)
}

// readBoxForm reads the box form without ever writing it to disk: a multipart form's
// large parts would go to temporary files, and a photographed key sheet is a key.
func readBoxForm(r *http.Request) (map[string][]string, []byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		return r.PostForm, nil, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, err
	}
	form := map[string][]string{}
	var photo []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return form, photo, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if p.FormName() == "photo" {
			b, err := io.ReadAll(io.LimitReader(p, maxSheetPhoto+1))
			if err != nil {
				return nil, nil, err
			}
			if len(b) > maxSheetPhoto {
				return nil, nil, errors.New("照片超过 15 MB")
			}
			photo = b
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, 4096))
		if err != nil {
			return nil, nil, err
		}
		form[p.FormName()] = append(form[p.FormName()], string(b))
	}
}

// decodeQR reads the QR code in a photo of a key sheet, scaled down first: a phone's
// 12-megapixel photo decodes as well and much faster at 1,600 pixels.
func decodeQR(photo []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return "", err
	}
	const maxSide = 1600
	b := img.Bounds()
	if side := max(b.Dx(), b.Dy()); side > maxSide {
		dst := image.NewGray(image.Rect(0, 0, b.Dx()*maxSide/side, b.Dy()*maxSide/side))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		img = dst
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// destroyConfirm asks before the sealed ballots are destroyed.
func (s *Server) destroyConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if !round.Counted() || round.BallotsDestroyedAt != nil {
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票且尚未销毁的评议才能销毁密封选票")
		return
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "销毁密封选票", "rounds"), s.destroyData(round, nil, "")))
}

func (s *Server) destroyData(round store.Round, errs view.Errors, note string) view.ConfirmData {
	items := []string{"清除票箱中全部密封选票的内容,之后任何人都不能再复核计票", "保留回执码,公示页仍可核对", "此操作记入评议记录,不可撤销"}
	lead := "请在公示期满、异议处理完毕后进行。销毁后请监票人将密钥页一并销毁。"
	if round.PublishTo != nil && time.Now().Before(round.PublishTo.Add(24*time.Hour)) {
		lead = "注意:公示期至 " + round.PublishTo.Format("2006-01-02") + " 尚未结束。" + lead
	}
	return view.ConfirmData{Round: round, Title: "销毁密封选票", Action: roundURL(round.ID, "/destroy"), Button: "确认销毁", Danger: true,
		Lead: lead, Items: items, Reason: true, ReasonLabel: "说明(如:公示期满无异议)", ReasonValue: note, Validator: validator.Validator{Errors: errs}}
}

func (s *Server) destroyPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !round.Counted() || round.BallotsDestroyedAt != nil {
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票且尚未销毁的评议才能销毁密封选票")
		return
	}
	note := clean(r.PostForm.Get("reason"))
	var v Validator
	v.Check(NotBlank(note), "reason", "请填写说明")
	v.Check(MaxChars(note, 200), "reason", "说明不超过 200 字")
	if !v.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, view.Confirm(s.chrome(r, "销毁密封选票", "rounds"), s.destroyData(round, v.Errors, note)))
		return
	}
	err := s.store.DestroyBallots(r.Context(), round.TownshipID, round.ID, currentUser(r).DisplayName, note)
	switch {
	case errors.Is(err, store.ErrNotCounted), errors.Is(err, store.ErrDestroyed):
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票且尚未销毁的评议才能销毁密封选票")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.redirectRound(w, r, round.ID, flashOK, "密封选票已销毁。请监票人销毁密钥页。")
	}
}

// publishConfirm shows what 公示 makes public, and asks for the period and contact.
func (s *Server) publishConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusClosed || round.Rehearsal {
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票的正式评议才能公示")
		return
	}
	t, err := s.store.Township(r.Context(), round.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	today := time.Now()
	d := publishData(round, today.Format("2006-01-02"), today.AddDate(0, 0, 7).Format("2006-01-02"), t.ObjectionContact, nil)
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "公示结果", "rounds"), d))
}

func publishData(round store.Round, from, to, contact string, errs view.Errors) view.ConfirmData {
	return view.ConfirmData{Round: round, Title: "公示结果", Action: roundURL(round.ID, "/publish"), Button: "确认公示",
		Lead: "公示页无需登录即可查看,请核对结果后再公示。",
		Items: []string{"每个对象的姓名(名称)、职务、加权满意率、不满意率和评定结果",
			"已计入的回执码清单,供评议代表核对自己的选票已计入;不显示任何人的选择",
			"公示期和异议受理方式"},
		Publish: true, From: from, To: to, Contact: contact, Validator: validator.Validator{Errors: errs}}
}

func (s *Server) publishPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if round.Status != store.StatusClosed || round.Rehearsal {
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票的正式评议才能公示")
		return
	}
	f := r.PostForm
	fromText, toText, contact := clean(f.Get("from")), clean(f.Get("to")), clean(f.Get("contact"))
	var v Validator
	from, err1 := time.Parse("2006-01-02", fromText)
	to, err2 := time.Parse("2006-01-02", toText)
	v.Check(err1 == nil, "from", "请填写公示开始日期")
	v.Check(err2 == nil, "to", "请填写公示结束日期")
	v.Check(err1 != nil || err2 != nil || !to.Before(from), "to", "结束日期不能早于开始日期")
	v.Check(err1 != nil || err2 != nil || to.Sub(from) <= 366*24*time.Hour, "to", "公示期不超过一年")
	v.Check(NotBlank(contact), "contact", "请填写异议受理方式(如:乡党委组织办,电话 0719-1234567)")
	v.Check(MaxChars(contact, 200), "contact", "不超过 200 字")
	if !v.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, view.Confirm(s.chrome(r, "公示结果", "rounds"), publishData(round, fromText, toText, contact, v.Errors)))
		return
	}
	_, err := s.store.PublishRound(r.Context(), round.TownshipID, round.ID, store.Publication{From: from, To: to, Contact: contact}, currentUser(r).DisplayName)
	switch {
	case errors.Is(err, store.ErrNotCounted):
		s.redirectRound(w, r, round.ID, flashBad, "只有已计票的正式评议才能公示")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.redirectRound(w, r, round.ID, flashOK, "已公示。公示页无需登录即可查看。")
	}
}

// withdrawConfirm asks for the reason before results leave the public page.
func (s *Server) withdrawConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusPublished {
		s.redirectRound(w, r, round.ID, flashBad, "该评议未公示")
		return
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "撤回公示", "rounds"), withdrawData(round, "", nil)))
}

func withdrawData(round store.Round, reason string, errs view.Errors) view.ConfirmData {
	return view.ConfirmData{Round: round, Title: "撤回公示", Action: roundURL(round.ID, "/withdraw"), Button: "撤回公示", Danger: true,
		Lead:   "撤回后公示页不再显示结果;可再次公示(地址不变)。撤回原因记入评议记录。",
		Reason: true, ReasonLabel: "撤回原因", ReasonValue: reason, Validator: validator.Validator{Errors: errs}}
}

func (s *Server) withdrawPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if round.Status != store.StatusPublished {
		s.redirectRound(w, r, round.ID, flashBad, "该评议未公示")
		return
	}
	reason := clean(r.PostForm.Get("reason"))
	var v Validator
	v.Check(NotBlank(reason), "reason", "请填写撤回原因")
	v.Check(MaxChars(reason, 200), "reason", "撤回原因不超过 200 字")
	if !v.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, view.Confirm(s.chrome(r, "撤回公示", "rounds"), withdrawData(round, reason, v.Errors)))
		return
	}
	err := s.store.WithdrawPublication(r.Context(), round.TownshipID, round.ID, reason, currentUser(r).DisplayName)
	switch {
	case errors.Is(err, store.ErrNotPublished):
		s.redirectRound(w, r, round.ID, flashBad, "该评议未公示")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.redirectRound(w, r, round.ID, flashOK, "已撤回公示。")
	}
}

// deleteConfirm asks before a draft round is deleted.
func (s *Server) deleteConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if round.Status != store.StatusDraft {
		s.redirectRound(w, r, round.ID, flashBad, "投票开始后的评议不能删除")
		return
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "删除评议", "rounds"), view.ConfirmData{
		Round: round, Title: "删除评议", Action: roundURL(round.ID, "/delete"), Button: "删除", Danger: true,
		Lead:  "只有草稿可以删除。删除后不能恢复。",
		Items: []string{fmt.Sprintf("%d 个述职对象及其述职报告和附件", round.Subjects), fmt.Sprintf("已生成的 %d 个测评码(已打印的纸条随之作废)", round.Issued)},
	}))
}

func (s *Server) deletePost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	err := s.store.DeleteRound(r.Context(), round.TownshipID, round.ID)
	switch {
	case errors.Is(err, store.ErrFrozen):
		s.redirectRound(w, r, round.ID, flashBad, "投票开始后的评议不能删除")
	case err != nil:
		s.storeError(w, r, err)
	default:
		s.flash(r, flashOK, "已删除「"+round.Title+"」")
		http.Redirect(w, r, "/rounds", http.StatusSeeOther)
	}
}
