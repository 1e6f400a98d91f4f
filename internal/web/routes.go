package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/compress"
	"pingyi/internal/store"
	"pingyi/web/static"
)

// Handler is the whole site. Routes are grouped by who may reach them.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanic, s.logRequest, securityHeaders)
	r.Use(foldCodeInput)    // full-width ballot codes typed on phones, before routing
	r.Use(compress.Handler) // brotli or gzip for clients that ask
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "不支持的请求", "该页面不支持此操作。")
	})

	// Public: static files, health.
	r.Handle("/static/*", static.Handler())
	r.Get("/healthz", s.healthz)

	// Raters: no account, a one-time ballot code. Public results: no sign-in.
	r.Group(func(r chi.Router) {
		r.Use(crossOriginProtection(s))
		r.Get("/v", s.codeEntry)
		r.Get("/v/{code}", s.ballotShow)
		r.Post("/v/{code}", s.ballotPost)
		r.Get("/v/{code}/report/{sid}", s.ballotReport)
		r.Get("/v/{code}/file/{sid}", s.ballotFile)
		r.Get("/p/{slug}", s.publicRound)
	})

	// Everything with a session: cross-site form posts are refused here.
	r.Group(func(r chi.Router) {
		r.Use(crossOriginProtection(s), s.sessions.LoadAndSave, s.loadUser)

		r.Get("/login", s.loginShow)
		r.Post("/login", s.loginPost)
		r.Post("/logout", s.logoutPost)

		// Signed-in staff of any role.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/", s.home)
			// Every user's own password.
			r.Get("/account/password", s.passwordShow)
			r.Post("/account/password", s.passwordPost)
			// Duty reports: office staff, leaders (read) and a village's own secretary;
			// the handler checks the subject against the account.
			r.Get("/rounds/{id}/subjects/{sid}/report", s.reportShow)
			r.Post("/rounds/{id}/subjects/{sid}/report", s.reportPost)
			r.Get("/rounds/{id}/subjects/{sid}/file", s.reportFile)

			// Office staff and leaders: read the rosters, use the what-if page.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice, store.RoleLeader))
				r.Get("/orgs", s.orgList)
				r.Get("/people", s.personList)
				r.Get("/people/export.xlsx", s.personExport)
				r.Get("/raters", s.raterList)
				r.Get("/raters/export.xlsx", s.raterExport)
				r.Get("/whatif", s.whatifShow)
				r.Post("/whatif", s.whatifPost)
				r.Get("/rounds", s.roundList)
				r.Get("/rounds/{id}", s.roundShow)
				r.Get("/rounds/{id}/screen", s.screen)
				r.Get("/rounds/{id}/results", s.results)
				r.Get("/rounds/{id}/results/print", s.resultsPrint)
				r.Get("/rounds/{id}/results.xlsx", s.resultsXLSX)
				r.Get("/talks", s.talkList)
				r.Post("/talks/{id}/held", s.talkHeldPost)
				r.Post("/talks/new", s.talkCreatePost)
			})

			// Office staff only: everything that writes.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice))
				r.Get("/orgs/new", s.orgCreate)
				r.Post("/orgs/new", s.orgCreatePost)
				r.Get("/orgs/{id}/edit", s.orgEdit)
				r.Post("/orgs/{id}/edit", s.orgEditPost)
				r.Get("/villages/new", s.villageCreate)
				r.Post("/villages/new", s.villageCreatePost)

				r.Get("/people/new", s.personCreate)
				r.Post("/people/new", s.personCreatePost)
				r.Get("/people/{id}/edit", s.personEdit)
				r.Post("/people/{id}/edit", s.personEditPost)
				r.Get("/people/import", s.personImport)
				r.Post("/people/import", s.personImportPost)
				r.Get("/people/template.xlsx", s.personTemplate)

				r.Get("/raters/new", s.raterCreate)
				r.Post("/raters/new", s.raterCreatePost)
				r.Get("/raters/{id}/edit", s.raterEdit)
				r.Post("/raters/{id}/edit", s.raterEditPost)
				r.Get("/raters/import", s.raterImport)
				r.Post("/raters/import", s.raterImportPost)
				r.Get("/raters/template.xlsx", s.raterTemplate)
				r.Get("/raters/categories", s.categoryList)
				r.Post("/raters/categories", s.categoryCreatePost)

				r.Get("/rounds/new", s.roundCreate)
				r.Post("/rounds/new", s.roundCreatePost)
				r.Get("/rounds/{id}/edit", s.roundEdit)
				r.Post("/rounds/{id}/edit", s.roundEditPost)
				r.Post("/rounds/{id}/subjects", s.subjectAddPost)
				r.Post("/rounds/{id}/subjects/{sid}/remove", s.subjectRemovePost)
				r.Post("/rounds/{id}/codes", s.codesPost)
				r.Get("/rounds/{id}/slips", s.slips)
				r.Post("/rounds/{id}/open", s.roundOpenPost)
				r.Post("/rounds/{id}/close", s.roundClosePost)
				r.Post("/rounds/{id}/publish", s.roundPublishPost)
				r.Get("/rounds/{id}/paper", s.paperStart)
				r.Get("/rounds/{id}/paper/ballot", s.paperBallot)
				r.Post("/rounds/{id}/paper/ballot", s.paperBallot)

				r.Get("/users", s.userList)
				r.Get("/users/new", s.userCreate)
				r.Post("/users/new", s.userCreatePost)
				r.Get("/users/{id}/edit", s.userEdit)
				r.Post("/users/{id}/edit", s.userEditPost)
			})
		})
	})
	return r
}
