package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"pingyi/internal/store"
	"pingyi/web/view"
)

// The audit log (操作记录). Every staff request that changes data (any POST that succeeds)
// or reveals it (the GETs in auditReveals: results, exports, slips, documents, dossiers)
// is written down after it is served: who, when, from which address, what, and the form's
// fields — with their values before, where the handler says what they were (auditBefore).
// Secrets are left out (auditSecret), and nothing about a ballot: the ballot paths are not
// staff paths, paper-ballot entry and the box opening record no field at all.

// auditAction names a route pattern's action in the log and its Chinese label.
type auditAction struct{ key, label string }

var auditActions = map[string]auditAction{
	"POST /logout":                                     {"sign-out", "退出登录"},
	"POST /account/password":                           {"password.change", "修改本人密码"},
	"POST /rounds/{id}/subjects/{sid}/report":          {"report.save", "保存述职报告"},
	"POST /scoring/{year}/appeals":                     {"appeal.create", "提出考核复核申请"},
	"POST /talks/new":                                  {"talk.create", "手工记录谈话"},
	"POST /talks/{id}/held":                            {"talk.held", "登记谈话已进行"},
	"POST /talks/{id}/record":                          {"talk.record", "保存谈话记录"},
	"POST /talks/{id}/files":                           {"talk.file", "上传谈话附件"},
	"POST /orgs/new":                                   {"org.create", "新增组织"},
	"POST /orgs/{id}/edit":                             {"org.edit", "修改组织"},
	"POST /villages/new":                               {"village.create", "新增村"},
	"POST /people/new":                                 {"person.create", "新增干部"},
	"POST /people/{id}/edit":                           {"person.edit", "修改干部"},
	"POST /people/import":                              {"person.import", "导入干部名册"},
	"POST /raters/new":                                 {"rater.create", "新增评议代表"},
	"POST /raters/{id}/edit":                           {"rater.edit", "修改评议代表"},
	"POST /raters/import":                              {"rater.import", "导入评议代表"},
	"POST /raters/categories":                          {"category.create", "新增代表类别"},
	"POST /raters/categories/{id}/group":               {"category.group", "调整类别所属计票组"},
	"POST /raters/groups":                              {"group.create", "新增计票组"},
	"POST /raters/groups/{key}":                        {"group.save", "修改计票组"},
	"POST /raters/groups/{key}/delete":                 {"group.delete", "删除计票组"},
	"POST /rounds/new":                                 {"round.create", "新建评议"},
	"POST /rounds/{id}/edit":                           {"round.edit", "修改评议设置"},
	"POST /rounds/{id}/subjects":                       {"round.subject.add", "增加述职对象"},
	"POST /rounds/{id}/subjects/{sid}/remove":          {"round.subject.remove", "移除述职对象"},
	"POST /rounds/{id}/delete":                         {"round.delete", "删除评议草稿"},
	"POST /rounds/{id}/codes":                          {"codes.generate", "生成测评码"},
	"POST /rounds/{id}/codes/void":                     {"codes.void", "作废测评码"},
	"POST /rounds/{id}/open":                           {"round.open", "开始投票(生成监票密钥)"},
	"POST /rounds/{id}/rekey":                          {"round.rekey", "重新生成监票密钥"},
	"POST /rounds/{id}/end":                            {"round.end", "结束投票"},
	"POST /rounds/{id}/count":                          {"round.count", "开箱计票(出示监票密钥)"},
	"POST /rounds/{id}/recount":                        {"round.recount", "复核计票(出示监票密钥)"},
	"POST /rounds/{id}/destroy":                        {"round.destroy", "销毁密封选票"},
	"POST /rounds/{id}/publish":                        {"round.publish", "公示结果"},
	"POST /rounds/{id}/withdraw":                       {"round.withdraw", "撤回公示"},
	"POST /rounds/{id}/paper/ballot":                   {"round.paper", "录入纸质选票"},
	"POST /scoring/new":                                {"scoring.start", "开展年度考核"},
	"POST /scoring/{year}/finalise":                    {"scoring.finalise", "考核定稿"},
	"POST /scoring/{year}/reopen":                      {"scoring.reopen", "解除考核定稿"},
	"POST /scoring/{year}/publish":                     {"scoring.publish", "公布考核结果"},
	"POST /scoring/{year}/bands":                       {"scoring.bands", "保存定类分数线"},
	"POST /scoring/{year}/sheets/{sid}":                {"scoring.sheet", "评分"},
	"POST /scoring/{year}/templates/new":               {"scoring.template", "新建考核细则"},
	"POST /scoring/{year}/templates/{tid}/clauses":     {"scoring.clause", "修改细则条款"},
	"POST /scoring/{year}/templates/{tid}/weights":     {"scoring.weights", "修改细则权重"},
	"POST /scoring/{year}/import/scores":               {"scoring.import", "导入评分"},
	"POST /scoring/{year}/import/county":               {"scoring.county", "导入县考核结果"},
	"POST /scoring/{year}/appeals/{id}/decide":         {"appeal.decide", "答复考核复核申请"},
	"POST /scoring/{year}/proposals/generate":          {"proposal.generate", "生成评先建议"},
	"POST /scoring/{year}/proposals/{id}/decide":       {"proposal.decide", "记录党委评先决定"},
	"POST /users/new":                                  {"user.create", "新增账号"},
	"POST /users/{id}/edit":                            {"user.edit", "修改账号"},
	"POST /talks/settings":                             {"talk.settings", "修改谈话期限设置"},
	"POST /talks/{id}/files/{fid}/delete":              {"talk.file.delete", "删除谈话附件"},
	"POST /talks/{id}/rectifications":                  {"rectification.add", "增加整改事项"},
	"POST /talks/{id}/rectifications/{rid}/done":       {"rectification.done", "整改事项完成"},
	"POST /talks/{id}/rectifications/{rid}/reopen":     {"rectification.reopen", "整改事项重新打开"},
	"POST /talks/{id}/periods/{pid}/followup":          {"period.followup", "诫勉期回访"},
	"POST /talks/{id}/referrals/{rid}":                 {"referral.save", "记录组织处理"},
	"POST /talks/{id}/referrals/{rid}/files":           {"referral.file", "上传组织处理文件"},
	"POST /documents/{id}":                             {"document.edit", "修改诫勉文件"},
	"POST /documents/{id}/redraft":                     {"document.redraft", "重新起草诫勉文件"},
	"POST /documents/{id}/issue":                       {"document.issue", "印发诫勉文件"},
	"POST /commitments/new":                            {"commitment.create", "新建承诺"},
	"POST /commitments/{id}/items/new":                 {"commitment.item.add", "增加承诺事项"},
	"POST /commitments/{id}/items/{item}/edit":         {"commitment.item.edit", "修改承诺事项"},
	"POST /commitments/{id}/items/{item}/delete":       {"commitment.item.delete", "删除承诺事项"},
	"POST /commitments/{id}/submit":                    {"commitment.submit", "提交承诺"},
	"POST /commitments/{id}/revise":                    {"commitment.revise", "发起承诺修改"},
	"POST /commitments/{id}/discard":                   {"commitment.discard", "放弃承诺修改"},
	"POST /commitments/{id}/items/{item}/progress":     {"commitment.progress", "报告践诺进展"},
	"POST /commitments/{id}/entries/{entry}/delete":    {"commitment.progress.delete", "删除践诺进展"},
	"POST /commitments/{id}/self":                      {"commitment.self", "年终自评"},
	"POST /commitments/{id}/comments":                  {"commitment.comment", "领导点评"},
	"POST /commitments/{id}/return":                    {"commitment.return", "退回承诺"},
	"POST /commitments/{id}/approve":                   {"commitment.approve", "批准承诺"},
	"POST /commitments/{id}/publish":                   {"commitment.publish", "公开承诺"},
	"POST /commitments/{id}/comments/{comment}/public": {"commitment.comment.public", "点评公开设置"},
}

// auditReveals are the GETs that reveal data worth recording.
var auditReveals = map[string]auditAction{
	"GET /rounds/{id}/results":                {"results.view", "查看测评结果"},
	"GET /rounds/{id}/results/print":          {"results.print", "打印测评结果"},
	"GET /rounds/{id}/results.xlsx":           {"results.export", "导出测评结果"},
	"GET /rounds/{id}/slips":                  {"codes.slips", "打印测评码纸条"},
	"GET /rounds/{id}/codes":                  {"codes.list", "查看测评码清单"},
	"GET /people/export.xlsx":                 {"people.export", "导出干部名册"},
	"GET /raters/export.xlsx":                 {"raters.export", "导出评议代表名册"},
	"GET /documents/{id}/print":               {"document.print", "打印诫勉文件"},
	"GET /documents/{id}/docx":                {"document.export", "导出诫勉文件(Word)"},
	"GET /documents/{id}/pdf":                 {"document.pdf", "导出诫勉文件(PDF)"},
	"GET /people/{id}/dossier":                {"dossier.person", "查看干部档案"},
	"GET /orgs/{id}/dossier":                  {"dossier.org", "查看组织档案"},
	"GET /scoring/{year}/proposals/list.xlsx": {"proposal.export", "导出表彰名单"},
	"GET /audit.jsonl":                        {"audit.export", "导出操作记录"},
}

// auditQuiet are the POSTs whose fields are never written: they carry key shares, or a
// paper ballot's code and marks.
var auditQuiet = map[string]bool{
	"POST /rounds/{id}/count":        true,
	"POST /rounds/{id}/recount":      true,
	"POST /rounds/{id}/paper/ballot": true,
}

// auditSecret are form fields never written, whatever the route.
func auditSecret(field string) bool {
	switch field {
	case "password", "current", "new", "confirm", "share", "shares", "token", "tok", "code", "photo":
		return true
	}
	return strings.HasPrefix(field, "share")
}

type auditKey struct{}

// auditNote is what a handler adds to its request's entry.
type auditNote struct {
	before  map[string]string
	summary string
	form    *http.Request // the request whose form the handler parsed
	refused bool          // the handler refused (a red message and a redirect): nothing changed
}

// auditRefused marks the request's entry as not to be written: the handler refused what
// was asked with a redirect (status 303, not an error status) and a red message.
func auditRefused(r *http.Request) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.refused = true
	}
}

// auditForm tells the request's entry which request holds the parsed form (a handler's
// request may be a copy of the one the audit saw).
func auditForm(r *http.Request) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.form = r
	}
}

// auditBefore records the values a form's fields had before the change, so the entry shows
// each changed field's old and new value.
func auditBefore(r *http.Request, before map[string]string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.before = before
	}
}

// auditSummary adds a sentence to the request's entry (a name, a count).
func auditSummary(r *http.Request, summary string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.summary = summary
	}
}

// audit writes the entry of every staff request that changed or revealed data.
func (s *Server) audit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		note := &auditNote{}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), auditKey{}, note))
		next.ServeHTTP(sw, r)
		u := currentUser(r)
		if u == nil || sw.status >= 400 || note.refused {
			return
		}
		rc := chi.RouteContext(r.Context())
		if rc == nil {
			return
		}
		route := r.Method + " " + rc.RoutePattern()
		act, ok := auditActions[route]
		if !ok {
			if act, ok = auditReveals[route]; !ok {
				return
			}
		}
		e := s.auditEntry(r, u, act, route)
		if note.summary != "" {
			e.Summary = act.label + ":" + note.summary
		}
		if r.Method == http.MethodPost && !auditQuiet[route] {
			form := r
			if note.form != nil {
				form = note.form
			}
			e.Changes = auditChanges(form, note.before)
		}
		// The request's own context may be gone (a client that hung up); the entry is not.
		ctx := context.WithoutCancel(r.Context())
		if err := s.store.AddAudit(ctx, e); err != nil {
			s.log.Error("audit entry not written", "action", e.Action, "object", e.Object, "err", err)
		}
	})
}

func (s *Server) auditEntry(r *http.Request, u *store.User, act auditAction, route string) store.AuditEntry {
	e := store.AuditEntry{ActorID: &u.ID, Actor: u.DisplayName + "(" + u.Username + ")", Role: u.Role,
		Addr: s.clientIP(r), RequestID: RequestID(r.Context()), Action: act.key, Route: route, Object: r.URL.Path}
	if u.TownshipID != 0 {
		tid := u.TownshipID
		e.TownshipID = &tid
	}
	if strings.HasPrefix(route, r.Method+" /rounds/{id}") {
		if id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64); err == nil {
			e.RoundID = &id
		}
	}
	e.Summary = act.label
	return e
}

// auditChanges lists the form's fields (uploaded files by name), each with its value
// before where the handler gave it; fields whose value did not change are left out.
func auditChanges(r *http.Request, before map[string]string) map[string][2]*string {
	out := map[string][2]*string{}
	for k, vs := range r.PostForm {
		if auditSecret(k) {
			continue
		}
		after := clip(strings.Join(vs, ", "))
		var was *string
		if b, ok := before[k]; ok {
			if b = clip(b); b == after {
				continue
			}
			was = &b
		}
		out[k] = [2]*string{was, &after}
	}
	for k, b := range before {
		if _, sent := r.PostForm[k]; sent || b == "" || auditSecret(k) {
			continue
		}
		was, now := clip(b), ""
		out[k] = [2]*string{&was, &now}
	}
	if r.MultipartForm != nil {
		for k, fs := range r.MultipartForm.File {
			var names []string
			for _, f := range fs {
				if f.Filename != "" {
					names = append(names, f.Filename)
				}
			}
			if len(names) > 0 {
				v := "文件:" + strings.Join(names, ", ")
				out[k] = [2]*string{nil, &v}
			}
		}
	}
	return out
}

// flag is a checkbox's form value.
func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// idText is an id's form value ("" for none).
func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func clip(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) // a textarea posts CRLF
	if utf8.RuneCountInString(s) <= 300 {
		return s
	}
	return string([]rune(s)[:300]) + "…"
}

// auditLogin records a sign-in, or a failed attempt (with the name tried).
func (s *Server) auditLogin(r *http.Request, u *store.User, username string, ok bool) {
	e := store.AuditEntry{Actor: username, Addr: s.clientIP(r), RequestID: RequestID(r.Context()), Route: "POST /login", Object: "/login"}
	if u != nil {
		e.ActorID, e.Role = &u.ID, u.Role
		e.Actor = u.DisplayName + "(" + u.Username + ")"
		if u.TownshipID != 0 {
			tid := u.TownshipID
			e.TownshipID = &tid
		}
	}
	e.Action, e.Summary = "sign-in", "登录"
	if !ok {
		e.Action, e.Summary = "sign-in.failed", "登录失败"
	}
	ctx := r.Context()
	if e.TownshipID != nil {
		ctx = store.WithTownships(ctx, *e.TownshipID)
	}
	if err := s.store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit entry not written", "action", e.Action, "err", err)
	}
}

const auditPageSize = 50

func auditFilterOf(r *http.Request) (store.AuditFilter, view.AuditFilterForm) {
	q := r.URL.Query()
	form := view.AuditFilterForm{From: q.Get("from"), To: q.Get("to"), Action: q.Get("action"), Actor: strings.TrimSpace(q.Get("actor")),
		Round: q.Get("round"), Text: strings.TrimSpace(q.Get("q"))}
	f := store.AuditFilter{Action: form.Action, Actor: form.Actor, Text: form.Text}
	if t, err := time.ParseInLocation("2006-01-02", form.From, time.Local); err == nil {
		f.From = t
	} else if form.From != "" {
		form.Add("from", "开始日期应为日期,如 2025-01-31")
	}
	if t, err := time.ParseInLocation("2006-01-02", form.To, time.Local); err == nil {
		f.To = t
	} else if form.To != "" {
		form.Add("to", "结束日期应为日期,如 2025-01-31")
	}
	if id, err := strconv.ParseInt(form.Round, 10, 64); err == nil {
		f.RoundID = id
	}
	return f, form
}

// auditList shows the township's audit log, filtered and paged.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	f, form := auditFilterOf(r)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	entries, total, err := s.store.AuditLog(r.Context(), u.TownshipID, f, auditPageSize, (page-1)*auditPageSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	actions, err := s.store.AuditActions(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rounds, err := s.store.Rounds(r.Context(), u.TownshipID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := view.AuditData{Filter: form, Entries: entries, Total: total, Page: page, Pages: max(1, (total+auditPageSize-1)/auditPageSize),
		Rounds: rounds, RetentionDays: int(s.cfg.AuditRetention.Hours() / 24), Labels: map[string]string{}}
	for _, a := range actions {
		d.Actions = append(d.Actions, a)
		d.Labels[a] = auditLabel(a)
	}
	sort.Slice(d.Actions, func(i, j int) bool { return d.Labels[d.Actions[i]] < d.Labels[d.Actions[j]] })
	status := http.StatusOK
	if !form.Valid() {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, view.Audit(s.chrome(r, "操作记录", "audit"), d))
}

// auditJSONL exports the filtered log, one JSON object a line, oldest first.
func (s *Server) auditJSONL(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	f, form := auditFilterOf(r)
	if !form.Valid() {
		s.errorPage(w, r, http.StatusUnprocessableEntity, "筛选条件有误", "日期格式应为 2025-01-31。")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.jsonl"`, time.Now().Format("20060102")))
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	err := s.store.EachAudit(r.Context(), u.TownshipID, f, func(e store.AuditEntry) error {
		return enc.Encode(auditJSON(e))
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.log.Error("audit export", "err", err) // the response has begun: nothing else to send
	}
}

// auditJSON is an entry as exported.
func auditJSON(e store.AuditEntry) map[string]any {
	return map[string]any{"id": e.ID, "at": e.At.Format(time.RFC3339), "township_id": e.TownshipID, "actor_id": e.ActorID,
		"actor": e.Actor, "role": e.Role, "addr": e.Addr, "request_id": e.RequestID, "action": e.Action, "label": auditLabel(e.Action),
		"route": e.Route, "object": e.Object, "round_id": e.RoundID, "summary": e.Summary, "changes": e.Changes}
}

// auditLabel is an action's Chinese name.
func auditLabel(action string) string {
	switch action {
	case "sign-in":
		return "登录"
	case "sign-in.failed":
		return "登录失败"
	}
	for _, m := range []map[string]auditAction{auditActions, auditReveals} {
		for _, a := range m {
			if a.key == action {
				return a.label
			}
		}
	}
	return action
}
