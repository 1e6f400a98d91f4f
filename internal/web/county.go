package web

import (
	"cmp"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"time"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// The county's accounts (县委组织部) read every township of their county: a comparison of
// the townships' year, and each township's own pages, chosen on the comparison page. They
// write nothing (countyGuard, and their requests' transactions are read-only) and see a
// round's results only once published.

const countyTownshipKey = "county_township"

// countyUser completes a county account for this request: its townships restrict the
// request (read-only), and the township chosen to look at becomes the account's township
// for the pages that follow.
func (s *Server) countyUser(r *http.Request, u *store.User) (*http.Request, error) {
	towns, err := s.store.CountyTownships(r.Context(), u.County)
	if err != nil {
		return r, err
	}
	ids := make([]int64, len(towns))
	for i, t := range towns {
		ids[i] = t.ID
	}
	chosen := s.sessions.GetInt64(r.Context(), countyTownshipKey)
	u.TownshipID, u.TownshipName = 0, ""
	for _, t := range towns {
		if t.ID == chosen {
			u.TownshipID, u.TownshipName = t.ID, t.Name
		}
	}
	return r.WithContext(store.ReadOnly(store.WithTownships(r.Context(), ids...))), nil
}

// countyGuard keeps county accounts to reading: anything but GET is refused (except
// signing out and choosing a township), and a township's pages need a township chosen.
func (s *Server) countyGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := currentUser(r)
		if u == nil || u.Role != store.RoleCounty {
			next.ServeHTTP(w, r)
			return
		}
		writes := r.Method != http.MethodGet && r.Method != http.MethodHead
		switch {
		case r.URL.Path == "/logout" || r.URL.Path == "/county/township" || r.URL.Path == "/account/password":
		case writes:
			s.errorPage(w, r, http.StatusForbidden, "无权访问", "县委组织部账号只能查看,不能修改乡镇的数据。")
			return
		case u.TownshipID == 0 && r.URL.Path != "/county" && r.URL.Path != "/":
			http.Redirect(w, r, "/county", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// countyHome compares the county's townships for a year: the one asked for, else the
// newest year with published results (in November the year-end round published in
// January is what there is to compare), else this year.
func (s *Server) countyHome(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	now := time.Now()
	towns, err := s.store.CountyTownships(r.Context(), u.County)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	year := now.Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= now.Year()+1 {
		year = y
	} else if latest, ok, err := s.store.CountyLatestYear(r.Context(), towns); err != nil {
		s.serverError(w, r, err)
		return
	} else if ok && latest <= now.Year() {
		year = latest
	}
	rows, err := s.store.CountyComparison(r.Context(), towns, year, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.CountyData{County: u.County, Year: year, Rows: rows, Chosen: u.TownshipID}
	if key := r.URL.Query().Get("sort"); slices.ContainsFunc(view.CountySorts, func(s struct{ Key, Label string }) bool { return s.Key == key }) {
		d.Sort = key
		sortCounty(rows, key)
	}
	for y := now.Year(); y >= now.Year()-4; y-- {
		d.Years = append(d.Years, y)
	}
	s.render(w, r, http.StatusOK, view.County(s.chrome(r, u.County+"各乡镇对比", "county"), d))
}

// countyTownshipPost chooses the township whose pages the county account looks at.
func (s *Server) countyTownshipPost(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u := currentUser(r)
	id, _ := strconv.ParseInt(r.PostForm.Get("township"), 10, 64)
	towns, err := s.store.CountyTownships(r.Context(), u.County)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	i := slices.IndexFunc(towns, func(t store.Township) bool { return t.ID == id })
	if i < 0 {
		s.notFound(w, r)
		return
	}
	s.sessions.Put(r.Context(), countyTownshipKey, id)
	s.flash(r, flashInfo, "正在查看"+towns[i].Name+"(只读)")
	http.Redirect(w, r, "/rounds", http.StatusSeeOther)
}

// sortCounty puts the comparison's rows in the order of a column (view.CountySorts), best
// first, exactly (no rounding decides an order); rows without a figure go last, and ties
// keep the names' pinyin order.
func sortCounty(rows []store.TownshipSummary, key string) {
	var order func(a, b store.TownshipSummary) int
	switch key {
	case "turnout":
		order = byShare(func(t store.TownshipSummary) (int, int) { return t.Cast, t.Issued })
	case "talks":
		order = byShare(func(t store.TownshipSummary) (int, int) { return t.TalksOnTime, t.TalksOnTime + t.TalksLate })
	case "commitments":
		order = byShare(func(t store.TownshipSummary) (int, int) { return t.ItemsDone + t.ItemsOnTrack, t.Items })
	case "satisfaction":
		order = func(a, b store.TownshipSummary) int {
			x, xok := new(big.Rat).SetString(a.AverageSatisfaction)
			y, yok := new(big.Rat).SetString(b.AverageSatisfaction)
			if !xok || !yok {
				return cmpMissing(xok, yok)
			}
			return y.Cmp(x)
		}
	default:
		return
	}
	slices.SortStableFunc(rows, order)
}

// byShare orders by the share n/d, highest first; a row with d = 0 has none and goes last.
func byShare(share func(store.TownshipSummary) (n, d int)) func(a, b store.TownshipSummary) int {
	return func(a, b store.TownshipSummary) int {
		an, ad := share(a)
		bn, bd := share(b)
		if ad == 0 || bd == 0 {
			return cmpMissing(ad != 0, bd != 0)
		}
		return cmp.Compare(bn*ad, an*bd)
	}
}

// cmpMissing puts a row that has a figure before one that has none.
func cmpMissing(aHas, bHas bool) int {
	switch {
	case aHas == bHas:
		return 0
	case aHas:
		return -1
	}
	return 1
}

// countyWithheld is, for a county account, what of the township it reads still waits for
// 公示: the rounds counted but not yet published, and the talks that follow from them.
// Their figures, outcomes, talks and documents stay with the township until then, as the
// results page does (resultsVisible). It is nil for everyone else.
type countyWithheld struct {
	rounds map[int64]bool
	talks  map[int64]bool
}

func (s *Server) countyWithheld(r *http.Request) (*countyWithheld, error) {
	u := currentUser(r)
	if u == nil || u.Role != store.RoleCounty {
		return nil, nil
	}
	ctx := r.Context()
	rounds, err := s.store.Rounds(ctx, u.TownshipID)
	if err != nil {
		return nil, err
	}
	w := &countyWithheld{rounds: map[int64]bool{}, talks: map[int64]bool{}}
	for _, rd := range rounds {
		if rd.Counted() && rd.Status != store.StatusPublished {
			w.rounds[rd.ID] = true
		}
	}
	if len(w.rounds) == 0 {
		return w, nil
	}
	talks, err := s.store.TalkList(ctx, u.TownshipID, store.Today(), store.TalkFilter{})
	if err != nil {
		return nil, err
	}
	for _, t := range talks {
		if w.round(t.RoundID) {
			w.talks[t.ID] = true
		}
	}
	return w, nil
}

// round says whether a round's results are withheld.
func (w *countyWithheld) round(id *int64) bool { return w != nil && id != nil && w.rounds[*id] }

// talk says whether a talk (and its documents) is withheld.
func (w *countyWithheld) talk(id int64) bool { return w != nil && w.talks[id] }

// keepTalks leaves out the withheld talks.
func (w *countyWithheld) keepTalks(ts []store.Talk) []store.Talk {
	if w == nil {
		return ts
	}
	return slices.DeleteFunc(ts, func(t store.Talk) bool { return w.round(t.RoundID) })
}
