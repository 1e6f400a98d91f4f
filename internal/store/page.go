package store

import "strings"

// Filter is what a list page asks for: a search term and a page.
type Filter struct {
	Query           string
	Page            int // 1-based
	PerPage         int
	IncludeInactive bool
}

func (f Filter) limit() int {
	if f.PerPage <= 0 || f.PerPage > 500 {
		return 50
	}
	return f.PerPage
}

func (f Filter) offset() int {
	if f.Page < 1 {
		return 0
	}
	return (f.Page - 1) * f.limit()
}

// Page is one page of a list with the total count.
type Page[T any] struct {
	Items   []T
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p Page[T]) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	n := (p.Total + p.PerPage - 1) / p.PerPage
	if n == 0 {
		n = 1
	}
	return n
}

func newPage[T any](items []T, total int, f Filter) Page[T] {
	page := f.Page
	if page < 1 {
		page = 1
	}
	return Page[T]{Items: items, Total: total, Page: page, PerPage: f.limit()}
}

// pattern is the ILIKE pattern for the search term, with LIKE's wildcards escaped;
// "" when there is no term.
func (f Filter) pattern() string {
	q := strings.TrimSpace(f.Query)
	if q == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
	return "%" + r.Replace(q) + "%"
}
