// Package view holds pingyi's templ components. Handlers pass plain data in; components
// never touch the database.
package view

import (
	"net/url"
	"strconv"
	"time"

	"pingyi/internal/store"
	"pingyi/internal/validator"
	"pingyi/web/static"
)

// Chrome is what every signed-in page's frame needs.
type Chrome struct {
	Title    string
	Nav      string // which navigation item is active
	User     *store.User
	Township string
	Flash    Flash
}

// Flash is a one-time message shown at the top of a page.
type Flash struct {
	Kind string // FlashOK, FlashBad, FlashWarn or FlashInfo
	Text string
}

// Flash kinds.
const (
	FlashOK   = "ok"   // something was done
	FlashBad  = "bad"  // something was refused or failed
	FlashInfo = "info" // a neutral notice
	FlashWarn = "warn" // done, but something needs attention
)

// flashRole is announced at once for a failure, politely for the rest.
func flashRole(kind string) string {
	if kind == FlashBad {
		return "alert"
	}
	return "status"
}

// GroupField is one rater group on a form: its key, name and the weight typed for it.
type GroupField struct {
	Key, Name, Weight string
}

// Errors maps a form field to its message (internal/validator).
type Errors = validator.Errors

// navItem is one entry of the top navigation.
type navItem struct {
	Key, Label, Href string
}

// navFor shows only what the role may use.
func navFor(u *store.User) []navItem {
	if u == nil {
		return nil
	}
	switch u.Role {
	case store.RoleOffice, store.RoleLeader:
		items := []navItem{
			{"home", "首页", "/"},
			{"rounds", "评议", "/rounds"},
			{"commitments", "承诺", "/commitments"}, // 双承诺
			{"talks", "谈话", "/talks"},
			{"scoring", "考核", "/scoring"}, // year-end assessment and 三争创 awards
			{"orgs", "组织", "/orgs"},
			{"people", "干部", "/people"},
			{"raters", "评议代表", "/raters"},
			{"whatif", "试算", "/whatif"},
		}
		if u.Role == store.RoleOffice {
			items = append(items, navItem{"users", "账号", "/users"}, navItem{"audit", "操作记录", "/audit"})
		}
		return items
	case store.RoleSecretary:
		return []navItem{{"home", "本村", "/"}, {"talks", "谈话", "/talks"}}
	case store.RoleCounty:
		items := []navItem{{"county", "各乡镇对比", "/county"}}
		if u.TownshipID != 0 {
			items = append(items, navItem{"rounds", "评议", "/rounds"}, navItem{"commitments", "承诺", "/commitments"},
				navItem{"talks", "谈话", "/talks"}, navItem{"scoring", "考核", "/scoring"}, navItem{"people", "干部", "/people"},
				navItem{"orgs", "组织", "/orgs"})
		}
		return items
	}
	return nil
}

func css() string { return static.Path("app.css") }

func staticPath(name string) string { return static.Path(name) }

// navJS collapses the navigation on phones; pages work the same without it.
func navJS() string { return static.Path("nav.js") }

func favicon() string { return static.Path("favicon.svg") }

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pageURL keeps the list's search while moving to another page.
func pageURL(base string, q url.Values, page int) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	v.Set("page", strconv.Itoa(page))
	return base + "?" + v.Encode()
}

func fieldClass(errs Errors, name string) string {
	if errs.Has(name) {
		return "field invalid"
	}
	return "field"
}

func roleLabel(r string) string { return store.RoleLabel(r) }

func joinCols(cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += "、"
		}
		out += c
	}
	return out
}

func invalidIf(b bool) string {
	if b {
		return " invalid"
	}
	return ""
}

func fmtDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}
