package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

func (s *Server) roundList(w http.ResponseWriter, r *http.Request) {
	rounds, err := s.store.Rounds(r.Context(), currentUser(r).TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.RoundList(s.chrome(r, "评议轮次", "rounds"), view.RoundListData{Rounds: rounds}))
}

// loadRound reads {id} and the round of the signed-in user's township.
func (s *Server) loadRound(w http.ResponseWriter, r *http.Request) (store.Round, bool) {
	round, err := s.store.Round(r.Context(), currentUser(r).TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return round, false
	}
	return round, true
}

func (s *Server) roundFormDefaults(r *http.Request) (view.RoundFormData, error) {
	tid := currentUser(r).TownshipID
	cats, err := s.store.RaterCategories(r.Context(), tid)
	if err != nil {
		return view.RoundFormData{}, err
	}
	groups, err := s.store.TownshipGroups(r.Context(), tid)
	if err != nil {
		return view.RoundFormData{}, err
	}
	p := rules.DefaultPolicy()
	d := view.RoundFormData{Year: strconv.Itoa(time.Now().Year()), Kind: "year_end", Groups: groupFields(groups, nil),
		Pass: itoa(p.PassPct), AdmBelow: itoa(p.AdmonishBelowPct), RemDis: itoa(p.ReminderDissatisfiedPct), AdmDis: itoa(p.AdmonishDissatisfiedPct),
		MinVotes: "5", Scrutineers: "", KeyThreshold: "2", Categories: cats, CatGroups: map[int64]string{}, Levels: map[int]bool{1: true, 2: true, 3: true, 4: true}, People: true, Orgs: true,
		Criteria: store.CriteriaOff, PersonCriteria: string(rules.FiveHaves)}
	for _, c := range cats {
		d.CatGroups[c.ID] = c.DefaultGroup
	}
	return d, nil
}

func (s *Server) roundCreate(w http.ResponseWriter, r *http.Request) {
	d, err := s.roundFormDefaults(r)
	if err == nil && r.URL.Query().Get("kind") == store.KindCommitment {
		err = s.pledgeDefaults(r, &d) // 评诺 (pingnuo.go)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.RoundForm(s.chrome(r, "新建评议", "rounds"), d))
}

func (s *Server) roundEdit(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if !round.Editable() {
		s.flash(r, flashBad, "投票已开始,评议设置不能再修改")
		http.Redirect(w, r, fmt.Sprintf("/rounds/%d", round.ID), http.StatusSeeOther)
		return
	}
	d, err := s.roundFormOf(r, round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.RoundForm(s.chrome(r, "评议设置", "rounds"), d))
}

// roundFormOf is the set-up form filled with a draft round's settings.
func (s *Server) roundFormOf(r *http.Request, round store.Round) (view.RoundFormData, error) {
	ctx := r.Context()
	d, err := s.roundFormDefaults(r)
	if err != nil {
		return d, err
	}
	used, err := s.store.RoundGroups(ctx, round.TownshipID, round.ID)
	if err != nil {
		return d, err
	}
	township, err := s.store.TownshipGroups(ctx, round.TownshipID)
	if err != nil {
		return d, err
	}
	d.Groups = groupFields(township, used)
	rc, err := s.store.RoundCategories(ctx, round.TownshipID, round.ID)
	if err != nil {
		return d, err
	}
	d.ID, d.Title, d.Year, d.Kind = round.ID, round.Title, itoa(round.Year), round.Kind
	pledgeFixed(round, &d)
	d.Pass, d.AdmBelow, d.RemDis, d.AdmDis = itoa(round.PassPct), itoa(round.AdmonishBelowPct), itoa(round.ReminderDissatisfiedPct), itoa(round.AdmonishDissatisfiedPct)
	d.MinVotes = itoa(round.MinGroupVotes)
	d.Criteria, d.PersonCriteria = round.Criteria, string(round.PersonCriteria)
	scrutineers, err := s.store.Scrutineers(ctx, round.TownshipID, round.ID)
	if err != nil {
		return d, err
	}
	names := make([]string, len(scrutineers))
	for i, x := range scrutineers {
		names[i] = x.Name
	}
	d.Scrutineers, d.KeyThreshold = strings.Join(names, "\n"), itoa(round.KeyThreshold)
	d.CatGroups = map[int64]string{}
	for _, c := range rc {
		d.CatGroups[c.CategoryID] = c.Group
	}
	return d, nil
}

// roundFormValues is a round's settings as the set-up form posts them: the audit log's
// "before" of an edit.
func roundFormValues(d view.RoundFormData) map[string]string {
	m := map[string]string{"title": d.Title, "year": d.Year, "kind": d.Kind,
		"pass_pct": d.Pass, "admonish_below_pct": d.AdmBelow, "reminder_dissatisfied_pct": d.RemDis,
		"admonish_dissatisfied_pct": d.AdmDis, "min_group_votes": d.MinVotes,
		"scrutineers": d.Scrutineers, "key_threshold": d.KeyThreshold}
	if d.Pledge == nil {
		m["criteria"], m["person_criteria"] = d.Criteria, d.PersonCriteria
	}
	for _, g := range d.Groups {
		m["w_"+g.Key] = g.Weight
	}
	for _, c := range d.Categories { // a category outside the round posts ""
		m["cat_"+strconv.FormatInt(c.ID, 10)] = ""
	}
	for id, g := range d.CatGroups {
		m["cat_"+strconv.FormatInt(id, 10)] = g
	}
	return m
}

// parseRoundForm reads and checks the set-up form.
func parseRoundForm(r *http.Request, d *view.RoundFormData, creating bool) (store.RoundInput, Validator) {
	f := r.PostForm
	var v Validator
	d.Title, d.Year, d.Kind = clean(f.Get("title")), clean(f.Get("year")), f.Get("kind")
	d.Rehearsal = f.Get("rehearsal") == "1"
	d.Pass, d.AdmBelow, d.RemDis, d.AdmDis = clean(f.Get("pass_pct")), clean(f.Get("admonish_below_pct")), clean(f.Get("reminder_dissatisfied_pct")), clean(f.Get("admonish_dissatisfied_pct"))
	d.MinVotes = clean(f.Get("min_group_votes"))
	in := store.RoundInput{Title: d.Title, Kind: d.Kind, Rehearsal: d.Rehearsal, Categories: map[int64]string{}}
	v.Check(NotBlank(d.Title), "title", "请填写评议名称")
	v.Check(MaxChars(d.Title, 60), "title", "名称不能超过 60 个字")
	checkPlain(&v, d.Title, "title", "名称")
	year, err := strconv.Atoi(d.Year)
	v.Check(err == nil && year >= 2000 && year <= 2100, "year", "年度须为 2000–2100 之间的整数")
	in.Year = year
	v.Check(store.RoundKindLabel(d.Kind) != d.Kind, "kind", "请选择评议类别")
	in.Groups = parseGroups(&v, f, d.Groups)
	var okP [4]bool
	in.PassPct, okP[0] = pctField(d.Pass)
	in.AdmonishBelowPct, okP[1] = pctField(d.AdmBelow)
	in.ReminderDissatisfiedPct, okP[2] = pctField(d.RemDis)
	in.AdmonishDissatisfiedPct, okP[3] = pctField(d.AdmDis)
	if okP[0] && okP[1] && okP[2] && okP[3] {
		p := rules.Policy{PassPct: in.PassPct, AdmonishBelowPct: in.AdmonishBelowPct, ReminderDissatisfiedPct: in.ReminderDissatisfiedPct,
			AdmonishDissatisfiedPct: in.AdmonishDissatisfiedPct, TopRank: 3}
		v.Check(p.Validate() == nil, "policy", "诫勉满意率线不能高于合格线,提醒不满意率线不能高于诫勉不满意率线")
	} else {
		v.Add("policy", "各项标准须为 0–100 的整数")
	}
	mv, err := strconv.Atoi(d.MinVotes)
	v.Check(err == nil && mv >= 0 && mv <= 1000, "policy", "最低显示票数须为 0–1000 的整数")
	in.MinGroupVotes = mv
	d.Scrutineers, d.KeyThreshold = f.Get("scrutineers"), f.Get("key_threshold")
	in.Scrutineers, in.KeyThreshold = parseScrutineers(&v, d.Scrutineers, d.KeyThreshold)
	parseCriteriaSettings(&v, f, d, &in)
	d.CatGroups = map[int64]string{}
	inRound := map[string]bool{}
	for _, g := range in.Groups {
		inRound[g.Key] = true
	}
	for _, c := range d.Categories {
		g := f.Get("cat_" + strconv.FormatInt(c.ID, 10))
		if g == "" {
			continue
		}
		d.CatGroups[c.ID] = g
		if !inRound[g] {
			v.Add("categories", "「"+c.Name+"」计入的计票组没有参加本轮(权重为空):请为该组填写权重,或改计入其他组")
			continue
		}
		in.Categories[c.ID] = g
	}
	v.Check(len(d.CatGroups) > 0, "categories", "请至少选择一个参加评议的代表类别")
	if creating && d.Pledge == nil {
		d.Levels = map[int]bool{}
		for _, l := range f["level"] {
			if n, err := strconv.Atoi(l); err == nil && n >= 1 && n <= 4 {
				in.Levels = append(in.Levels, n)
				d.Levels[n] = true
			}
		}
		d.People, d.Orgs = f.Get("people") == "1", f.Get("orgs") == "1"
		in.People, in.Organisations = d.People, d.Orgs
		v.Check(len(in.Levels) > 0 && (in.People || in.Organisations), "levels", "请至少选择一个层次,并选择个人或组织")
	}
	return in, v
}

// groupFields is the form's rows for the township's groups, with the weights the round
// uses (nil: the township's defaults).
func groupFields(township, used []store.Group) []view.GroupField {
	weight := map[string]int{}
	for _, g := range township {
		weight[g.Key] = g.Weight
	}
	if used != nil {
		weight = map[string]int{}
		for _, g := range used {
			weight[g.Key] = g.Weight
		}
	}
	out := make([]view.GroupField, len(township))
	for i, g := range township {
		out[i] = view.GroupField{Key: g.Key, Name: g.Name}
		if w := weight[g.Key]; w > 0 {
			out[i].Weight = itoa(w)
		}
	}
	return out
}

// parseGroups reads the groups' weights: a blank or zero weight leaves the group out of
// the round; those in it must be whole percents summing to 100.
func parseGroups(v *Validator, f url.Values, fields []view.GroupField) []store.Group {
	var out []store.Group
	for i := range fields {
		fields[i].Weight = clean(f.Get("w_" + fields[i].Key))
		if fields[i].Weight == "" || fields[i].Weight == "0" {
			continue
		}
		w, ok := pctField(fields[i].Weight)
		if !ok {
			v.Add("weights", "「"+fields[i].Name+"」的权重须为 1–100 的整数")
			continue
		}
		out = append(out, store.Group{Key: fields[i].Key, Name: fields[i].Name, Weight: w})
	}
	if msg := store.CheckGroups(out); msg != "" {
		v.Add("weights", msg)
	}
	return out
}

// parseScrutineers reads the scrutineers (监票人), one name a line, and how many of them
// open the box.
func parseScrutineers(v *Validator, text, threshold string) ([]string, int) {
	var names []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		v.Check(MaxChars(name, 20), "scrutineers", "每位监票人的姓名不超过 20 字")
		v.Check(!seen[name], "scrutineers", "监票人「"+name+"」重复")
		seen[name] = true
		names = append(names, name)
	}
	v.Check(len(names) >= 1 && len(names) <= 9, "scrutineers", "请填写 1–9 位监票人,每行一位")
	k, err := strconv.Atoi(strings.TrimSpace(threshold))
	v.Check(err == nil && k >= 1 && k <= 9, "key_threshold", "请选择开箱所需人数")
	v.Check(err != nil || len(names) == 0 || k <= len(names), "key_threshold", "开箱所需人数不能多于监票人数")
	return names, k
}

func (s *Server) roundCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	if !s.parseForm(w, r) {
		return
	}
	d, err := s.roundFormDefaults(r)
	pledge := r.PostForm.Get("kind") == store.KindCommitment
	if err == nil && pledge {
		err = s.pledgeDefaults(r, &d) // 评诺 (pingnuo.go)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	in, v := parseRoundForm(r, &d, true)
	if pledge {
		parsePledge(r, &d, &in, &v)
	}
	var id int64
	if v.Valid() {
		id, err = s.store.CreateRound(r.Context(), u.TownshipID, in)
		if errors.Is(err, store.ErrPledgeNotPublished) {
			v.Add("commitments", "所选承诺已不是已公开的承诺,请重新选择")
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.RoundForm(s.chrome(r, "新建评议", "rounds"), d))
		return
	}
	next := "请提交述职报告、生成测评码后开始投票。"
	if pledge {
		next = "请核对评诺对象、生成测评码后开始投票。"
	}
	s.flash(r, flashOK, "已新建「"+in.Title+"」。"+next)
	http.Redirect(w, r, fmt.Sprintf("/rounds/%d", id), http.StatusSeeOther)
}

func (s *Server) roundEditPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	d, err := s.roundFormDefaults(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.ID = round.ID
	pledgeFixed(round, &d)
	if was, err := s.roundFormOf(r, round); err == nil {
		auditBefore(r, roundFormValues(was))
	}
	in, v := parseRoundForm(r, &d, false)
	if v.Valid() {
		err := s.store.UpdateRound(r.Context(), round.TownshipID, round.ID, in)
		switch {
		case errors.Is(err, store.ErrFrozen):
			v.Add("title", "投票已开始,评议设置不能再修改")
		case errors.Is(err, store.ErrCodesIssued):
			v.Add("categories", "已为该类别生成测评码,不能取消其参加评议")
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			auditSummary(r, in.Title)
			s.flash(r, flashOK, "已保存评议设置")
			http.Redirect(w, r, fmt.Sprintf("/rounds/%d", round.ID), http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.RoundForm(s.chrome(r, "评议设置", "rounds"), d))
}

func (s *Server) roundShowData(r *http.Request, round store.Round) (view.RoundShowData, error) {
	d := view.RoundShowData{Round: round}
	ctx, tid := r.Context(), round.TownshipID
	var err error
	if d.Groups, err = s.store.RoundGroups(ctx, tid, round.ID); err != nil {
		return d, err
	}
	if d.Subjects, err = s.store.RoundSubjects(ctx, tid, round.ID); err != nil {
		return d, err
	}
	if d.Turnout, err = s.store.Turnout(ctx, tid, round.ID); err != nil {
		return d, err
	}
	if d.Scrutineers, err = s.store.Scrutineers(ctx, tid, round.ID); err != nil {
		return d, err
	}
	if d.Events, err = s.store.RoundEvents(ctx, tid, round.ID); err != nil {
		return d, err
	}
	if round.Status == store.StatusOpen {
		if d.Failures, err = s.codeFailures(r); err != nil {
			return d, err
		}
	}
	if round.Status == store.StatusDraft && round.IsPledge() {
		if d.Pledges, err = s.store.PublishedCommitments(ctx, tid, round.Year); err != nil {
			return d, err
		}
	}
	if round.Status == store.StatusDraft {
		if d.People, err = s.store.AllPeople(ctx, tid); err != nil {
			return d, err
		}
		if d.Orgs, err = s.store.AllOrganisations(ctx, tid); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Server) roundShow(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	d, err := s.roundShowData(r, round)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.RoundShow(s.chrome(r, round.Title, "rounds"), d))
}

// redirectRound goes back to the round's page with a message of the given kind.
func (s *Server) redirectRound(w http.ResponseWriter, r *http.Request, id int64, kind, msg string) {
	if msg != "" {
		s.flash(r, kind, msg)
	}
	http.Redirect(w, r, fmt.Sprintf("/rounds/%d", id), http.StatusSeeOther)
}

func (s *Server) subjectAddPost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	v := r.PostForm.Get("subject")
	if len(v) < 2 {
		s.redirectRound(w, r, round.ID, flashBad, "请选择要加入的对象")
		return
	}
	id := formID(v[1:])
	if v[:1] == "c" {
		s.pledgeSubjectAdd(w, r, round, id) // a commitment into a 评诺 round (pingnuo.go)
		return
	}
	err := s.store.AddSubject(r.Context(), round.TownshipID, round.ID, v[:1], id)
	switch {
	case errors.Is(err, store.ErrConflict):
		s.redirectRound(w, r, round.ID, flashBad, "该对象已在名单中")
	case errors.Is(err, store.ErrFrozen), errors.Is(err, store.ErrInvalid):
		s.redirectRound(w, r, round.ID, flashBad, "无法加入:投票已开始或对象不存在")
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.redirectRound(w, r, round.ID, flashOK, "已加入述职对象")
	}
}

// subjectRemoveConfirm asks before a subject leaves a draft round (its duty report goes
// with it).
func (s *Server) subjectRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	sub, ok := s.roundSubject(w, r, round)
	if !ok {
		return
	}
	what := "述职对象"
	if round.IsPledge() {
		what = "评诺对象"
	}
	items := []string{"「" + sub.Name + "」不再是本轮的" + what + ",不参加投票"}
	if sub.Reported() {
		items = append(items, "已提交的述职报告和附件一并删除")
	}
	s.render(w, r, http.StatusOK, view.Confirm(s.chrome(r, "移除"+what, "rounds"), view.ConfirmData{
		Round: round, Title: "移除" + what + ":" + sub.Name, Action: fmt.Sprintf("/rounds/%d/subjects/%d/remove", round.ID, sub.ID),
		Button: "移除", Danger: true, Items: items,
	}))
}

func (s *Server) subjectRemovePost(w http.ResponseWriter, r *http.Request) {
	round, ok := s.loadRound(w, r)
	if !ok {
		return
	}
	sid := subjectParam(r)
	if _, ok := s.roundSubject(w, r, round); !ok {
		return
	}
	if err := s.store.RemoveSubject(r.Context(), round.TownshipID, sid); err != nil {
		if errors.Is(err, store.ErrFrozen) {
			s.redirectRound(w, r, round.ID, flashBad, "投票已开始,名单不能再改")
			return
		}
		s.serverError(w, r, err)
		return
	}
	s.redirectRound(w, r, round.ID, flashOK, "已移除述职对象")
}

// roundSubject loads {sid} as a subject of the round; another round's subject is not
// found, and a database failure is a server error, logged.
func (s *Server) roundSubject(w http.ResponseWriter, r *http.Request, round store.Round) (store.RoundSubject, bool) {
	sub, err := s.store.RoundSubject(r.Context(), round.TownshipID, subjectParam(r))
	if err == nil && sub.RoundID != round.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		s.storeError(w, r, err)
		return sub, false
	}
	return sub, true
}

// subjectParam reads {sid} from the path.
func subjectParam(r *http.Request) int64 {
	return formID(chiParam(r, "sid"))
}
