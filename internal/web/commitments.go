package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/rules"
	"pingyi/internal/store"
	"pingyi/web/view"
)

// Commitments (双承诺, 一诺三评三公开): filing with versions, review, progress, commentary,
// self-evaluation. Who may do what:
//   - a village secretary: its own village's commitment only (the village comes from the
//     account, never from the request): file, change drafts, submit, revise, record
//     progress, self-evaluate; it reads the leaders' comments on it.
//   - office staff (组织办): all of that for any commitment, the township's own included,
//     and review: return, approve, publish, choose comments for publication.
//   - leaders (党委领导): read everything, comment (领导点评).

// today is the current calendar day in Beijing: every commitment date is one.
func today() time.Time { return store.LocalDay(time.Now()) }

func actor(u *store.User) store.Actor { return store.Actor{Name: u.DisplayName, Role: u.Role} }

// commitmentAccess is what the account may do with a commitment; ok is false when the
// account may not even see it (another village's, for a secretary).
func commitmentAccess(u *store.User, c store.Commitment) (view.CommitmentAccess, bool) {
	switch u.Role {
	case store.RoleOffice:
		return view.CommitmentAccess{Edit: true, Review: true, Comment: true}, true
	case store.RoleLeader:
		return view.CommitmentAccess{Comment: true}, true
	case store.RoleCounty:
		return view.CommitmentAccess{}, true // reads every commitment of its townships
	case store.RoleSecretary:
		if c.VillageID != nil && u.VillageID != nil && *c.VillageID == *u.VillageID {
			return view.CommitmentAccess{Edit: true}, true
		}
	}
	return view.CommitmentAccess{}, false
}

// loadCommitment loads {id} for the account; a commitment it may not see is a 404, as
// if it did not exist.
func (s *Server) loadCommitment(w http.ResponseWriter, r *http.Request) (store.Commitment, view.CommitmentAccess, bool) {
	u := currentUser(r)
	c, err := s.store.Commitment(r.Context(), u.TownshipID, idParam(r))
	if err != nil {
		s.storeError(w, r, err)
		return c, view.CommitmentAccess{}, false
	}
	acc, ok := commitmentAccess(u, c)
	if !ok {
		s.notFound(w, r)
		return c, acc, false
	}
	return c, acc, true
}

// loadCommitmentFor is loadCommitment for a step that needs the edit right.
func (s *Server) loadCommitmentFor(w http.ResponseWriter, r *http.Request) (store.Commitment, bool) {
	c, acc, ok := s.loadCommitment(w, r)
	if ok && !acc.Edit {
		s.forbidden(w, r)
		return c, false
	}
	return c, ok
}

// commitmentStepError answers a store error of a lifecycle step.
func (s *Server) commitmentStepError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrCommitmentState):
		s.errorPage(w, r, http.StatusConflict, "当前状态不能这样操作",
			"这份承诺的状态已经变化(可能刚被提交、审核或公开)。请返回承诺页面刷新后再操作。")
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r)
	default:
		s.serverError(w, r, err)
	}
}

func commitmentURL(id int64) string { return "/commitments/" + strconv.FormatInt(id, 10) }

func int64Param(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// commitmentList is the office's and leaders' overview of a year: every village and the
// township's own commitment, with stage, progress and fulfilment.
func (s *Server) commitmentList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	now := today()
	year := now.Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	d := view.CommitmentListData{Year: year, Quarter: defaultQuarter(year, now), Today: now, CanCreate: u.Role == store.RoleOffice}
	var err error
	if d.Years, err = s.store.CommitmentYears(r.Context(), u.TownshipID); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Years = yearChoices(d.Years, now.Year(), year)
	rows, err := s.commitmentRows(r, year, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Rows = rows
	if err := s.withMassEvaluations(r, year, d.Rows); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.CommitmentList(s.chrome(r, "承诺", "commitments"), d))
}

// yearChoices are the years to offer: those with commitments, this year and next, and
// the one shown, newest first.
func yearChoices(have []int, this, shown int) []int {
	seen := map[int]bool{}
	var out []int
	for _, y := range append([]int{this + 1, this, shown}, have...) {
		if !seen[y] {
			seen[y] = true
			out = append(out, y)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] > out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// commitmentRows is one row per owner (the township first, then each village), filed
// or not, for a year.
func (s *Server) commitmentRows(r *http.Request, year int, on time.Time) ([]view.CommitmentListRow, error) {
	u := currentUser(r)
	ctx := r.Context()
	villages, err := s.store.Villages(ctx, u.TownshipID)
	if err != nil {
		return nil, err
	}
	boards, err := s.store.Boards(ctx, u.TownshipID, year, false)
	if err != nil {
		return nil, err
	}
	stages, err := s.store.CommitmentStages(ctx, u.TownshipID, year)
	if err != nil {
		return nil, err
	}
	byOwner := map[int64]store.CommitmentBoard{} // village id, 0 for the township
	for _, b := range boards {
		byOwner[ownerKey(b.Commitment.VillageID)] = b
	}
	gaps, err := s.store.CommentGaps(ctx, u.TownshipID, year, defaultQuarter(year, on))
	if err != nil {
		return nil, err
	}
	uncommented := map[int64]bool{}
	for _, g := range gaps {
		uncommented[g.CommitmentID] = true
	}
	stageOf := map[int64]store.CommitmentStage{}
	for _, st := range stages {
		stageOf[ownerKey(st.VillageID)] = st
	}
	row := func(key int64, owner string) view.CommitmentListRow {
		row := view.CommitmentListRow{Owner: owner}
		st, filed := stageOf[key]
		if !filed {
			return row
		}
		row.ID = st.CommitmentID
		row.Stage = st
		if b, ok := byOwner[key]; ok {
			row.Summary = summarize(b, on)
			row.InForce = true
			row.Uncommented = uncommented[st.CommitmentID]
		}
		return row
	}
	town, err := s.store.Township(ctx, u.TownshipID)
	if err != nil {
		return nil, err
	}
	out := []view.CommitmentListRow{row(0, town.Name+"党委(向群众公开承诺)")}
	out[0].Township = true
	for _, v := range villages {
		if !v.Active {
			if _, filed := stageOf[v.ID]; !filed {
				continue
			}
		}
		branch, _ := store.VillageOrganisationNames(v.Name)
		out = append(out, row(v.ID, branch))
	}
	return out, nil
}

func ownerKey(villageID *int64) int64 {
	if villageID == nil {
		return 0
	}
	return *villageID
}

// summarize counts a board's top-level items by state on a day.
func summarize(b store.CommitmentBoard, on time.Time) view.CommitmentSummary {
	states := b.Assess(on)
	sum := view.CommitmentSummary{Fulfilment: b.Fulfilment(on), Photos: b.Photos}
	for _, it := range b.Items {
		if it.ParentID != nil {
			continue
		}
		sum.Total++
		switch states[it.ID].Status {
		case rules.ItemDone:
			sum.Done++
		case rules.ItemOnTrack:
			sum.OnTrack++
		case rules.ItemAtRisk:
			sum.AtRisk++
		case rules.ItemOverdue:
			sum.Overdue++
		}
	}
	for _, e := range b.Entries {
		if e.Day.After(sum.LastUpdate) && !e.Day.After(on) {
			sum.LastUpdate = e.Day
		}
	}
	return sum
}

// commitmentCreate offers to start a commitment: office staff choose the owner (the
// township or a village); a secretary's is always its own village.
func (s *Server) commitmentCreate(w http.ResponseWriter, r *http.Request) {
	if currentUser(r).Role == store.RoleLeader {
		s.forbidden(w, r) // leaders read and comment; they file nothing
		return
	}
	d, err := s.commitmentFormData(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Year = strconv.Itoa(today().Year())
	if o := r.URL.Query().Get("owner"); o != "" {
		d.Owner = o
	}
	if y := r.URL.Query().Get("year"); y != "" {
		d.Year = y
	}
	s.render(w, r, http.StatusOK, view.CommitmentForm(s.chrome(r, "填报承诺", navFor(r)), d))
}

func navFor(r *http.Request) string {
	if currentUser(r).Role == store.RoleSecretary {
		return "home"
	}
	return "commitments"
}

func (s *Server) commitmentFormData(r *http.Request) (view.CommitmentFormData, error) {
	u := currentUser(r)
	this := today().Year()
	d := view.CommitmentFormData{Years: []int{this, this + 1}, Secretary: u.Role == store.RoleSecretary}
	if d.Secretary {
		if u.VillageName != nil {
			d.VillageName = *u.VillageName
		}
		return d, nil
	}
	vs, err := s.store.Villages(r.Context(), u.TownshipID)
	if err != nil {
		return d, err
	}
	for _, v := range vs {
		if v.Active {
			d.Villages = append(d.Villages, v)
		}
	}
	return d, nil
}

func (s *Server) commitmentCreatePost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u := currentUser(r)
	if u.Role == store.RoleLeader {
		s.forbidden(w, r)
		return
	}
	d, err := s.commitmentFormData(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Owner, d.Year = clean(r.PostFormValue("owner")), clean(r.PostFormValue("year"))
	var v Validator
	year, err := strconv.Atoi(d.Year)
	this := today().Year()
	v.Check(err == nil && year >= this-1 && year <= this+1, "year", fmt.Sprintf("年度须为 %d、%d 或 %d 年", this-1, this, this+1))
	var villageID *int64
	switch {
	case u.Role == store.RoleSecretary:
		villageID = u.VillageID // never from the form
	case d.Owner == "t":
	case strings.HasPrefix(d.Owner, "v") && formID(d.Owner[1:]) > 0:
		id := formID(d.Owner[1:])
		villageID = &id
	default:
		v.Add("owner", "请选择承诺主体")
	}
	if v.Valid() {
		id, err := s.store.CreateCommitment(r.Context(), u.TownshipID, villageID, year, actor(u))
		switch {
		case errors.Is(err, store.ErrConflict):
			existing, err := s.store.CommitmentOf(r.Context(), u.TownshipID, villageID, year)
			if err == nil {
				s.flash(r, flashInfo, fmt.Sprintf("%d 年度承诺已经建立,已为您打开。", year))
				http.Redirect(w, r, commitmentURL(existing.ID), http.StatusSeeOther)
				return
			}
			v.Add("owner", "该主体本年度已有承诺")
		case errors.Is(err, store.ErrNotFound):
			v.Add("owner", "请选择承诺主体") // a village of another township
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			s.flash(r, flashOK, "已建立承诺草稿。请逐项添加承诺事项,然后提交组织办审核。")
			http.Redirect(w, r, commitmentURL(id), http.StatusSeeOther)
			return
		}
	}
	d.Errors = v.Errors
	s.render(w, r, http.StatusUnprocessableEntity, view.CommitmentForm(s.chrome(r, "填报承诺", navFor(r)), d))
}

// commitmentShow is a commitment's page: the version in the works, the items in force
// with their progress, self-evaluation, the mass-evaluation result, comments, history.
func (s *Server) commitmentShow(w http.ResponseWriter, r *http.Request) {
	c, acc, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	d, err := s.commitmentShowData(r, c, acc)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, view.CommitmentShow(s.chrome(r, c.Title(), navFor(r)), d))
}

func (s *Server) commitmentShowData(r *http.Request, c store.Commitment, acc view.CommitmentAccess) (view.CommitmentShowData, error) {
	ctx := r.Context()
	now := today()
	d := view.CommitmentShowData{C: c, Access: acc, Today: now, Back: "/commitments?year=" + strconv.Itoa(c.Year),
		PublicURL: s.publicCommitmentURL(c.ID), Quarter: strconv.Itoa(defaultQuarter(c.Year, now))}
	if currentUser(r).Role == store.RoleSecretary {
		d.Back = "/"
	}
	var err error
	if d.Versions, err = s.store.CommitmentVersions(ctx, c.TownshipID, c.ID); err != nil {
		return d, err
	}
	d.Working, d.InForce, d.Public = store.Versions(d.Versions)
	for i := range d.Versions {
		if d.Versions[i].Status == store.CommitmentApproved {
			d.Approved = &d.Versions[i]
		}
	}
	if d.Working != nil {
		items, err := s.store.VersionItems(ctx, c.TownshipID, d.Working.ID)
		if err != nil {
			return d, err
		}
		d.WorkingItems = itemViews(items, nil, nil, nil)
		if d.Working.Number > 1 && d.InForce != nil {
			prev, err := s.store.VersionItems(ctx, c.TownshipID, d.InForce.ID)
			if err != nil {
				return d, err
			}
			d.Removed = markChanges(d.WorkingItems, prev)
		}
	}
	if d.InForce != nil {
		b, err := s.store.CommitmentBoard(ctx, c, *d.InForce)
		if err != nil {
			return d, err
		}
		self, err := s.store.SelfEvaluations(ctx, c.TownshipID, c.ID)
		if err != nil {
			return d, err
		}
		d.Items = itemViews(b.Items, b.Assess(now), b.Entries, self)
		d.Summary = summarize(b, now)
		d.HasSelf = len(self) > 0
	}
	if d.Events, err = s.store.CommitmentEvents(ctx, c.TownshipID, c.ID); err != nil {
		return d, err
	}
	if d.Comments, err = s.store.CommitmentComments(ctx, c.TownshipID, c.ID, false); err != nil {
		return d, err
	}
	d.MassEvaluation, err = s.massEvaluations(r, c) // 评诺 results (pingnuo.go)
	return d, err
}

// defaultQuarter is the quarter a new comment is for: this quarter in the commitment's
// year, or its last quarter once the year is over.
func defaultQuarter(year int, now time.Time) int {
	if now.Year() > year {
		return 4
	}
	return rules.Quarter(now)
}

// itemViews arranges a version's items as top-level items with their sub-items, each
// with its state, its progress reports and its self-evaluation where given.
func itemViews(items []store.CommitmentItem, states map[int64]rules.ItemState, entries []store.CommitmentEntry, self map[int64]store.SelfEvaluation) []view.ItemView {
	byItem := map[int64][]store.CommitmentEntry{}
	for _, e := range entries {
		byItem[e.ItemID] = append(byItem[e.ItemID], e)
	}
	mk := func(it store.CommitmentItem) view.ItemView {
		iv := view.ItemView{Item: it, Entries: byItem[it.ID]}
		if st, ok := states[it.ID]; ok {
			iv.State = &st
		}
		if se, ok := self[it.ID]; ok {
			iv.Self = &se
		}
		return iv
	}
	var out []view.ItemView
	index := map[int64]int{}
	for _, it := range items {
		if it.ParentID == nil {
			index[it.ID] = len(out)
			out = append(out, mk(it))
		}
	}
	for _, it := range items {
		if it.ParentID != nil {
			if i, ok := index[*it.ParentID]; ok {
				out[i].Subs = append(out[i].Subs, mk(it))
			}
		}
	}
	return out
}

// markChanges marks each item against the version before (新增, 已修改) and returns the
// items that version had and this one has not.
func markChanges(items []view.ItemView, prev []store.CommitmentItem) []store.CommitmentItem {
	before := map[int64]store.CommitmentItem{}
	for _, p := range prev {
		before[p.ID] = p
	}
	seen := map[int64]bool{}
	var mark func(ivs []view.ItemView)
	mark = func(ivs []view.ItemView) {
		for i := range ivs {
			it := ivs[i].Item
			seen[it.ID] = true
			p, ok := before[it.ID]
			switch {
			case !ok:
				ivs[i].Change = "新增"
			case p.Category != it.Category || p.Content != it.Content || p.Target != it.Target || !p.Deadline.Equal(it.Deadline) ||
				!sameInt(p.Weight, it.Weight) || !sameInt64(p.ParentID, it.ParentID):
				ivs[i].Change = "已修改"
			}
			mark(ivs[i].Subs)
		}
	}
	mark(items)
	var removed []store.CommitmentItem
	for _, p := range prev {
		if !seen[p.ID] {
			removed = append(removed, p)
		}
	}
	return removed
}

func sameInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameInt64(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// commitmentVersionShow shows one version as it was worded.
func (s *Server) commitmentVersionShow(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	n, _ := strconv.Atoi(chi.URLParam(r, "n"))
	for _, v := range vs {
		if v.Number == n {
			items, err := s.store.VersionItems(r.Context(), c.TownshipID, v.ID)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			d := view.VersionData{C: c, Version: v, Items: itemViews(items, nil, nil, nil)}
			for _, p := range vs {
				if p.Number == v.Number-1 {
					prev, err := s.store.VersionItems(r.Context(), c.TownshipID, p.ID)
					if err != nil {
						s.serverError(w, r, err)
						return
					}
					d.Removed = markChanges(d.Items, prev)
				}
			}
			s.render(w, r, http.StatusOK, view.VersionShow(s.chrome(r, c.Title(), navFor(r)), d))
			return
		}
	}
	s.notFound(w, r)
}

// Items of the version being worked on.

// itemContext is the version being worked on with its items, for the item forms.
func (s *Server) itemContext(w http.ResponseWriter, r *http.Request) (store.Commitment, store.CommitmentVersion, []store.CommitmentItem, bool) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return c, store.CommitmentVersion{}, nil, false
	}
	vs, err := s.store.CommitmentVersions(r.Context(), c.TownshipID, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return c, store.CommitmentVersion{}, nil, false
	}
	wv, _, _ := store.Versions(vs)
	if wv == nil || !wv.Editable() {
		s.commitmentStepError(w, r, store.ErrCommitmentState)
		return c, store.CommitmentVersion{}, nil, false
	}
	items, err := s.store.VersionItems(r.Context(), c.TownshipID, wv.ID)
	if err != nil {
		s.serverError(w, r, err)
		return c, *wv, nil, false
	}
	return c, *wv, items, true
}

func findItem(items []store.CommitmentItem, id int64) (store.CommitmentItem, bool) {
	for _, it := range items {
		if it.ID == id {
			return it, true
		}
	}
	return store.CommitmentItem{}, false
}

func (s *Server) commitmentItemCreate(w http.ResponseWriter, r *http.Request) {
	c, _, items, ok := s.itemContext(w, r)
	if !ok {
		return
	}
	d := view.ItemFormData{C: c, Deadline: fmt.Sprintf("%d-12-31", c.Year)}
	if pid := formID(r.URL.Query().Get("parent")); pid > 0 {
		p, ok := findItem(items, pid)
		if !ok || p.ParentID != nil {
			s.notFound(w, r)
			return
		}
		d.Parent = &p
		d.Deadline = p.Deadline.Format("2006-01-02")
	}
	s.render(w, r, http.StatusOK, view.ItemForm(s.chrome(r, "承诺事项", navFor(r)), d))
}

func (s *Server) commitmentItemEdit(w http.ResponseWriter, r *http.Request) {
	c, _, items, ok := s.itemContext(w, r)
	if !ok {
		return
	}
	it, found := findItem(items, int64Param(r, "item"))
	if !found {
		s.notFound(w, r)
		return
	}
	d := view.ItemFormData{C: c, ItemID: it.ID, Category: it.Category, Content: it.Content, Target: it.Target,
		Deadline: it.Deadline.Format("2006-01-02")}
	if it.Weight != nil {
		d.Weight = strconv.Itoa(*it.Weight)
	}
	if it.ParentID != nil {
		p, _ := findItem(items, *it.ParentID)
		d.Parent = &p
	}
	s.render(w, r, http.StatusOK, view.ItemForm(s.chrome(r, "承诺事项", navFor(r)), d))
}

func (s *Server) commitmentItemCreatePost(w http.ResponseWriter, r *http.Request) {
	s.itemPost(w, r, 0)
}

func (s *Server) commitmentItemEditPost(w http.ResponseWriter, r *http.Request) {
	s.itemPost(w, r, int64Param(r, "item"))
}

func (s *Server) itemPost(w http.ResponseWriter, r *http.Request, itemID int64) {
	if !s.parseForm(w, r) {
		return
	}
	c, _, items, ok := s.itemContext(w, r)
	if !ok {
		return
	}
	d := view.ItemFormData{C: c, ItemID: itemID, Category: clean(r.PostFormValue("category")), Content: clean(r.PostFormValue("content")),
		Target: clean(r.PostFormValue("target")), Deadline: clean(r.PostFormValue("deadline")), Weight: clean(r.PostFormValue("weight"))}
	var parent *store.CommitmentItem
	if itemID != 0 {
		it, found := findItem(items, itemID)
		if !found {
			s.notFound(w, r)
			return
		}
		if it.ParentID != nil {
			p, _ := findItem(items, *it.ParentID)
			parent = &p
		}
	} else if pid := formID(r.PostFormValue("parent")); pid > 0 {
		p, found := findItem(items, pid)
		if !found || p.ParentID != nil {
			s.notFound(w, r)
			return
		}
		parent = &p
	}
	d.Parent = parent
	in, v := validateItem(d, c.Year, parent)
	if v.Valid() && itemID != 0 && parent == nil {
		// A parent's sub-items must still fit within its deadline.
		for _, it := range items {
			if it.ParentID != nil && *it.ParentID == itemID && it.Deadline.After(in.Deadline) {
				v.Add("deadline", "完成时限不能早于其子项的完成时限("+it.Deadline.Format("2006-01-02")+")")
				break
			}
		}
	}
	if !v.Valid() {
		d.Errors = v.Errors
		s.render(w, r, http.StatusUnprocessableEntity, view.ItemForm(s.chrome(r, "承诺事项", navFor(r)), d))
		return
	}
	if _, err := s.store.SaveCommitmentItem(r.Context(), c.TownshipID, c.ID, itemID, in); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已保存承诺事项「"+in.Content+"」")
	http.Redirect(w, r, commitmentURL(c.ID)+"#working", http.StatusSeeOther)
}

// validateItem checks an item form; the deadline falls within the commitment's year and,
// for a sub-item, not after its parent's.
func validateItem(d view.ItemFormData, year int, parent *store.CommitmentItem) (store.ItemInput, Validator) {
	var v Validator
	in := store.ItemInput{Category: d.Category, Content: d.Content, Target: d.Target}
	if parent != nil {
		in.ParentID = &parent.ID
		in.Category = parent.Category
	} else {
		v.Check(store.CategoryLabel(d.Category) != "", "category", "请选择类别")
	}
	v.Check(NotBlank(d.Content), "content", "请填写承诺事项")
	v.Check(MaxChars(d.Content, 300), "content", "承诺事项不能超过 300 字")
	v.Check(NotBlank(d.Target), "target", "请填写可衡量的目标(如:新修水泥路 3 公里、集体收入 10 万元)")
	v.Check(MaxChars(d.Target, 200), "target", "目标不能超过 200 字")
	deadline, err := time.Parse("2006-01-02", d.Deadline)
	switch {
	case err != nil:
		v.Add("deadline", "请填写完成时限(年-月-日)")
	case deadline.Year() != year:
		v.Add("deadline", fmt.Sprintf("完成时限须在 %d 年内", year))
	case parent != nil && deadline.After(parent.Deadline):
		v.Add("deadline", "子项的完成时限不能晚于所属事项("+parent.Deadline.Format("2006-01-02")+")")
	}
	in.Deadline = deadline
	if parent != nil && d.Weight != "" {
		w, err := strconv.Atoi(d.Weight)
		v.Check(err == nil && w >= 1 && w <= 100, "weight", "权重须为 1 到 100 的整数,不填则按简单平均")
		in.Weight = &w
	}
	return in, v
}

// commitmentItemDelete asks before an item (and its sub-items) leaves the draft.
func (s *Server) commitmentItemDelete(w http.ResponseWriter, r *http.Request) {
	c, _, items, ok := s.itemContext(w, r)
	if !ok {
		return
	}
	id := int64Param(r, "item")
	for _, iv := range itemViews(items, nil, nil, nil) {
		for _, x := range append([]view.ItemView{iv}, iv.Subs...) {
			if x.Item.ID == id {
				s.render(w, r, http.StatusOK, view.ItemDelete(s.chrome(r, "删除承诺事项", navFor(r)), view.ItemDeleteData{C: c, Item: x}))
				return
			}
		}
	}
	s.notFound(w, r)
}

func (s *Server) commitmentItemDeletePost(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteCommitmentItem(r.Context(), c.TownshipID, c.ID, int64Param(r, "item")); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已删除该承诺事项")
	http.Redirect(w, r, commitmentURL(c.ID)+"#working", http.StatusSeeOther)
}

// Lifecycle steps.

func (s *Server) commitmentSubmitPost(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	err := s.store.SubmitCommitment(r.Context(), c.TownshipID, c.ID, actor(currentUser(r)))
	if errors.Is(err, store.ErrInvalid) {
		s.rerenderShow(w, r, c, "submit", "请至少添加一项承诺事项再提交")
		return
	}
	if err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已提交组织办审核")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}

// rerenderShow shows the commitment page again with a message next to a form (422).
func (s *Server) rerenderShow(w http.ResponseWriter, r *http.Request, c store.Commitment, field, msg string) {
	acc, _ := commitmentAccess(currentUser(r), c)
	d, err := s.commitmentShowData(r, c, acc)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Errors = view.Errors{field: msg}
	d.ReturnComment = clean(r.PostFormValue("comment"))
	d.Reason = clean(r.PostFormValue("reason"))
	d.CommentBody = clean(r.PostFormValue("body"))
	if q := r.PostFormValue("quarter"); q != "" {
		d.Quarter = q
	}
	d.CommentPublic = r.PostFormValue("public") == "1"
	s.render(w, r, http.StatusUnprocessableEntity, view.CommitmentShow(s.chrome(r, c.Title(), navFor(r)), d))
}

func (s *Server) commitmentReturnPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	comment := clean(r.PostFormValue("comment"))
	switch {
	case !NotBlank(comment):
		s.rerenderShow(w, r, c, "comment", "请写明退回意见,村里据此修改")
		return
	case !MaxChars(comment, 500):
		s.rerenderShow(w, r, c, "comment", "退回意见不能超过 500 字")
		return
	}
	if err := s.store.ReturnCommitment(r.Context(), c.TownshipID, c.ID, comment, actor(currentUser(r))); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已退回修改,并附退回意见")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}

func (s *Server) commitmentApprovePost(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	if err := s.store.ApproveCommitment(r.Context(), c.TownshipID, c.ID, actor(currentUser(r))); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已批准。批准后承诺不再修改;如需调整,须发起新版本并说明原因。可以公开承诺了。")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}

func (s *Server) commitmentPublishPost(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.loadCommitment(w, r)
	if !ok {
		return
	}
	if err := s.store.PublishCommitment(r.Context(), c.TownshipID, c.ID, actor(currentUser(r))); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已公开承诺:公开页和公示栏已更新。")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}

func (s *Server) commitmentRevisePost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	reason := clean(r.PostFormValue("reason"))
	switch {
	case !NotBlank(reason):
		s.rerenderShow(w, r, c, "reason", "请写明修改原因:新版本须经组织办审核,原因随版本记录公开")
		return
	case !MaxChars(reason, 500):
		s.rerenderShow(w, r, c, "reason", "修改原因不能超过 500 字")
		return
	}
	if err := s.store.ReviseCommitment(r.Context(), c.TownshipID, c.ID, reason, actor(currentUser(r))); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已建立新版本草稿。现行版本在新版本公开前继续有效。")
	http.Redirect(w, r, commitmentURL(c.ID)+"#working", http.StatusSeeOther)
}

func (s *Server) commitmentDiscardPost(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCommitmentFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DiscardRevision(r.Context(), c.TownshipID, c.ID, actor(currentUser(r))); err != nil {
		s.commitmentStepError(w, r, err)
		return
	}
	s.flash(r, flashOK, "已放弃本次修改,现行版本不变")
	http.Redirect(w, r, commitmentURL(c.ID), http.StatusSeeOther)
}
