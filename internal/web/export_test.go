package web

// AuditedRoute says whether the audit log names the action of a route pattern
// ("POST /rounds/{id}/open"): for the test that every staff change is recorded.
func AuditedRoute(route string) bool {
	_, ok := auditActions[route]
	return ok
}
