package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/store"
	"pingyi/web/static"
)

// Handler is the whole site. Routes are grouped by who may reach them.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanic, s.logRequest, securityHeaders)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "不支持的请求", "该页面不支持此操作。")
	})

	// Public: static files, health.
	r.Handle("/static/*", compress(static.Handler()))
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

	// Commitments made public (三公开): no sign-in, no session, compressed for slow links.
	r.Group(func(r chi.Router) {
		r.Use(compress)
		r.Get("/gk/t/{tid}", s.publicIndex)
		r.Get("/gk/t/{tid}/{year}", s.publicIndex)
		r.Get("/gk/c/{id}", s.publicCommitment)
		r.Get("/gk/c/{id}/photo/{file}/{size}.jpg", s.publicPhoto)
		r.Get("/gk/c/{id}/poster", s.publicPoster)
		r.Get("/gk/c/{id}/report", s.publicReport)
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

			// Commitments (双承诺). Every role reaches these; each handler checks the
			// commitment against the account (a village secretary: its own village's only,
			// anything else is a 404) and the step against the role (commitmentAccess).
			r.Get("/commitments/new", s.commitmentCreate)
			r.Post("/commitments/new", s.commitmentCreatePost)
			r.Get("/commitments/{id}", s.commitmentShow)
			r.Get("/commitments/{id}/versions/{n}", s.commitmentVersionShow)
			r.Get("/commitments/{id}/items/new", s.commitmentItemCreate)
			r.Post("/commitments/{id}/items/new", s.commitmentItemCreatePost)
			r.Get("/commitments/{id}/items/{item}/edit", s.commitmentItemEdit)
			r.Post("/commitments/{id}/items/{item}/edit", s.commitmentItemEditPost)
			r.Get("/commitments/{id}/items/{item}/delete", s.commitmentItemDelete)
			r.Post("/commitments/{id}/items/{item}/delete", s.commitmentItemDeletePost)
			r.Post("/commitments/{id}/submit", s.commitmentSubmitPost)
			r.Post("/commitments/{id}/revise", s.commitmentRevisePost)
			r.Post("/commitments/{id}/discard", s.commitmentDiscardPost)
			r.Get("/commitments/{id}/items/{item}/progress", s.entryCreate)
			r.Post("/commitments/{id}/items/{item}/progress", s.entryCreatePost)
			r.Get("/commitments/{id}/entries/{entry}/delete", s.entryDelete)
			r.Post("/commitments/{id}/entries/{entry}/delete", s.entryDeletePost)
			r.Get("/commitments/{id}/files/{file}", s.commitmentFile)
			r.Get("/commitments/{id}/files/{file}/thumb", s.commitmentThumb)
			r.Get("/commitments/{id}/self", s.selfEvaluation)
			r.Post("/commitments/{id}/self", s.selfEvaluationPost)
			r.Post("/commitments/{id}/comments", s.commentCreatePost)
			// Office staff and leaders: the year's overview.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice, store.RoleLeader))
				r.Get("/commitments", s.commitmentList)
			})
			// Office staff only: review and publication.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice))
				r.Post("/commitments/{id}/return", s.commitmentReturnPost)
				r.Post("/commitments/{id}/approve", s.commitmentApprovePost)
				r.Post("/commitments/{id}/publish", s.commitmentPublishPost)
				r.Post("/commitments/{id}/comments/{comment}/public", s.commentPublicPost)
			})
		})
	})
	return r
}
