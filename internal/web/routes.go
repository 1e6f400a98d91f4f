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
	r.Use(s.requestID, s.recoverPanic, s.logRequest, securityHeaders)
	r.Use(compress.Handler) // brotli or gzip for clients that ask
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusMethodNotAllowed, "不支持的请求", "该页面不支持此操作。")
	})

	// Public: static files, health. Metrics: configured networks only (ops.go).
	r.Handle("/static/*", static.Handler())
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/metrics", s.metricsPage)
	// The 评议办法 (method.go): the default policy, for anyone.
	r.Get("/method", s.methodShow)

	// Raters: no account, a one-time ballot code. Public results: no sign-in.
	r.Group(func(r chi.Router) {
		r.Use(crossOriginProtection(s))
		r.Get("/v", s.codeEntry)
		r.Post("/v", s.codeEntryPost)
		// The phone's code lives in a cookie from here on; /v/{code} only sets it.
		r.Get("/v/ballot", s.ballotShow)
		r.Post("/v/ballot", s.ballotShow)
		r.Get("/v/ballot/report/{sid}", s.ballotReport)
		r.Get("/v/ballot/file/{sid}", s.ballotFile)
		r.Get("/v/{code}", s.ballotLanding)
		r.Get("/V/{code}", s.ballotLanding) // slips' QR codes, in upper case
		r.Get("/p/{slug}", s.fromStandby((*Server).publicRound))
		// The 评议办法 of the round this phone's code belongs to, and of a published round.
		r.Get("/v/method", s.methodRater)
		r.Get("/p/{slug}/method", s.fromStandby((*Server).methodPublic))
	})

	// Commitments made public (三公开): no sign-in, no session.
	r.Group(func(r chi.Router) {
		// Read-only: answered by the standby while it keeps up (ops.go).
		r.Get("/gk/t/{tid}", s.fromStandby((*Server).publicIndex))
		r.Get("/gk/t/{tid}/{year}", s.fromStandby((*Server).publicIndex))
		r.Get("/gk/c/{id}", s.fromStandby((*Server).publicCommitment))
		r.Get("/gk/c/{id}/photo/{file}/{size}.jpg", s.fromStandby((*Server).publicPhoto))
		r.Get("/gk/c/{id}/poster", s.fromStandby((*Server).publicPoster))
		r.Get("/gk/c/{id}/report", s.fromStandby((*Server).publicReport))
	})

	// Everything with a session: cross-site form posts are refused here.
	r.Group(func(r chi.Router) {
		r.Use(crossOriginProtection(s), s.sessions.LoadAndSave, s.loadUser, s.audit)

		r.Get("/login", s.loginShow)
		r.Post("/login", s.loginPost)
		r.Post("/logout", s.logoutPost)

		// Signed-in staff of any role. County accounts only read (county.go).
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.countyGuard)
			r.Get("/", s.home)
			// Every user's own password.
			r.Get("/account/password", s.passwordShow)
			r.Post("/account/password", s.passwordPost)
			// Duty reports: office staff, leaders (read) and a village's own secretary;
			// the handler checks the subject against the account.
			r.Get("/rounds/{id}/subjects/{sid}/report", s.reportShow)
			r.Post("/rounds/{id}/subjects/{sid}/report", s.reportPost)
			r.Get("/rounds/{id}/subjects/{sid}/file", s.reportFile)
			// Year-end assessment appeals: office staff, leaders (read) and a village's
			// own secretary for its village's subjects; the handler checks the subject.
			r.Get("/scoring/{year}/appeals", s.appealList)
			r.Post("/scoring/{year}/appeals", s.appealCreatePost)
			// The talk ledger: office staff and leaders; a village secretary reads its own
			// village's talks. Each handler checks the talk against the account (talks.go).
			r.Get("/talks", s.talkList)
			r.Get("/talks/{id}", s.talkShow)
			r.Get("/talks/{id}/files/{fid}", s.talkFile)

			// The county's accounts: the comparison of the county's townships, and the
			// township whose pages they look at.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleCounty))
				r.Get("/county", s.countyHome)
				r.Post("/county/township", s.countyTownshipPost)
			})

			// Office staff and leaders: read the rosters, use the what-if page. The county
			// reads them too (its writes are refused by countyGuard).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice, store.RoleLeader, store.RoleCounty))
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
				r.Get("/rounds/{id}/screen.json", s.screenJSON)
				r.Get("/rounds/{id}/results", s.results)
				r.Get("/rounds/{id}/results/print", s.resultsPrint)
				r.Get("/rounds/{id}/results.xlsx", s.resultsXLSX)
				r.Get("/rounds/{id}/method", s.methodRound) // 评议办法 with this round's settings

				// Talks, documents and dossiers (talks.go, documents.go, dossier.go): leaders
				// record talks they held; the handlers check which.
				r.Get("/talks/new", s.talkNew)
				r.Post("/talks/new", s.talkCreatePost)
				r.Post("/talks/{id}/held", s.talkHeldPost)
				r.Post("/talks/{id}/record", s.talkRecordPost)
				r.Post("/talks/{id}/files", s.talkFilePost)
				r.Get("/documents", s.documentList)
				r.Get("/documents/{id}", s.documentShow)
				r.Get("/documents/{id}/print", s.documentPrint)
				r.Get("/documents/{id}/docx", s.documentDOCX)
				r.Get("/documents/{id}/pdf", s.documentPDF)
				r.Get("/people/{id}/dossier", s.personDossier)
				r.Get("/orgs/{id}/dossier", s.orgDossier)

				// Year-end assessment (年度考核, 三争创): read.
				r.Get("/scoring", s.scoringHome)
				r.Get("/scoring/{year}", s.scoringYear)
				r.Get("/scoring/{year}/ranks", s.scoringRanks)
				r.Get("/scoring/{year}/sheets/{sid}", s.scoreSheet)
				r.Get("/scoring/{year}/sheets/{sid}/files/{cid}", s.scoreFile)
				r.Get("/scoring/{year}/templates/{tid}", s.scoringTemplate)
				r.Get("/scoring/{year}/proposals", s.proposalList)
				r.Get("/scoring/{year}/proposals/print", s.proposalPrint)
				r.Get("/scoring/{year}/proposals/list.xlsx", s.proposalXLSX)
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
				r.Post("/raters/categories/{id}/group", s.categoryGroupPost)
				r.Post("/raters/groups", s.groupSavePost)
				r.Post("/raters/groups/{key}", s.groupSavePost)
				r.Post("/raters/groups/{key}/delete", s.groupDeletePost)

				r.Get("/rounds/new", s.roundCreate)
				r.Post("/rounds/new", s.roundCreatePost)
				r.Get("/rounds/{id}/edit", s.roundEdit)
				r.Post("/rounds/{id}/edit", s.roundEditPost)
				r.Post("/rounds/{id}/subjects", s.subjectAddPost)
				r.Get("/rounds/{id}/subjects/{sid}/remove", s.subjectRemoveConfirm)
				r.Post("/rounds/{id}/subjects/{sid}/remove", s.subjectRemovePost)
				r.Get("/rounds/{id}/delete", s.deleteConfirm)
				r.Post("/rounds/{id}/delete", s.deletePost)
				r.Post("/rounds/{id}/codes", s.codesPost)
				r.Get("/rounds/{id}/codes", s.codeList)
				r.Post("/rounds/{id}/codes/void", s.codeVoidPost)
				r.Get("/rounds/{id}/slips", s.slips)
				// A round's life: each irreversible step asks first (GET) and acts (POST).
				r.Get("/rounds/{id}/open", s.openConfirm)
				r.Post("/rounds/{id}/open", s.openPost)
				r.Get("/rounds/{id}/rekey", s.rekeyConfirm)
				r.Post("/rounds/{id}/rekey", s.rekeyPost)
				r.Get("/rounds/{id}/end", s.endConfirm)
				r.Post("/rounds/{id}/end", s.endPost)
				r.Get("/rounds/{id}/count", s.countShow)
				r.Post("/rounds/{id}/count", s.countPost)
				r.Get("/rounds/{id}/recount", s.recountShow)
				r.Post("/rounds/{id}/recount", s.recountPost)
				r.Get("/rounds/{id}/destroy", s.destroyConfirm)
				r.Post("/rounds/{id}/destroy", s.destroyPost)
				r.Get("/rounds/{id}/publish", s.publishConfirm)
				r.Post("/rounds/{id}/publish", s.publishPost)
				r.Get("/rounds/{id}/withdraw", s.withdrawConfirm)
				r.Post("/rounds/{id}/withdraw", s.withdrawPost)
				r.Get("/rounds/{id}/paper", s.paperStart)
				r.Post("/rounds/{id}/paper/ballot", s.paperBallot)

				// Year-end assessment: scoring, locking, imports, decisions.
				r.Post("/scoring/new", s.scoringStartPost)
				r.Post("/scoring/{year}/finalise", s.scoringFinalisePost)
				r.Post("/scoring/{year}/reopen", s.scoringReopenPost)
				r.Post("/scoring/{year}/publish", s.scoringPublishPost)
				r.Post("/scoring/{year}/bands", s.scoringBandsPost)
				r.Post("/scoring/{year}/sheets/{sid}", s.scoreSheetPost)
				r.Post("/scoring/{year}/templates/new", s.scoringTemplateCreatePost)
				r.Post("/scoring/{year}/templates/{tid}/clauses", s.scoringClausePost)
				r.Post("/scoring/{year}/templates/{tid}/weights", s.scoringWeightsPost)
				r.Get("/scoring/{year}/import/scores", s.scoreImport)
				r.Post("/scoring/{year}/import/scores", s.scoreImportPost)
				r.Get("/scoring/{year}/import/scores.xlsx", s.scoreImportTemplate)
				r.Get("/scoring/{year}/import/county", s.countyImport)
				r.Post("/scoring/{year}/import/county", s.countyImportPost)
				r.Get("/scoring/{year}/import/county.xlsx", s.countyImportTemplate)
				r.Post("/scoring/{year}/appeals/{id}/decide", s.appealDecidePost)
				r.Post("/scoring/{year}/proposals/generate", s.proposalGeneratePost)
				r.Post("/scoring/{year}/proposals/{id}/decide", s.proposalDecidePost)

				// The audit log (audit.go).
				r.Get("/audit", s.auditList)
				r.Get("/audit.jsonl", s.auditJSONL)

				r.Get("/users", s.userList)
				r.Get("/users/new", s.userCreate)
				r.Post("/users/new", s.userCreatePost)
				r.Get("/users/{id}/edit", s.userEdit)
				r.Post("/users/{id}/edit", s.userEditPost)

				// Consequences of talks (talks.go, documents.go): rectification, follow-up,
				// referrals, documents, deadlines.
				r.Get("/talks/settings", s.talkSettings)
				r.Post("/talks/settings", s.talkSettingsPost)
				r.Post("/talks/{id}/files/{fid}/delete", s.talkFileDeletePost)
				r.Post("/talks/{id}/rectifications", s.rectificationAddPost)
				r.Post("/talks/{id}/rectifications/{rid}/done", s.rectificationDonePost)
				r.Post("/talks/{id}/rectifications/{rid}/reopen", s.rectificationReopenPost)
				r.Post("/talks/{id}/periods/{pid}/followup", s.followupPost)
				r.Post("/talks/{id}/referrals/{rid}", s.referralPost)
				r.Post("/talks/{id}/referrals/{rid}/files", s.referralFilePost)
				r.Post("/documents/{id}", s.documentPost)
				r.Post("/documents/{id}/redraft", s.documentRedraftPost)
				r.Post("/documents/{id}/issue", s.documentIssuePost)
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
			// Office staff and leaders (and the county, reading): the year's overview.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(store.RoleOffice, store.RoleLeader, store.RoleCounty))
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
