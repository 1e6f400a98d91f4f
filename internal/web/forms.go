package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"pingyi/internal/validator"
)

// parseForm parses a posted form; on failure it answers 400 and returns false.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "请求无效", "表单无法读取。")
		return false
	}
	auditForm(r)
	return true
}

// Validator is a form's messages (internal/validator); the form data the pages render
// embeds one.
type Validator = validator.Validator

// NotBlank reports whether s has any non-space character.
func NotBlank(s string) bool { return validator.NotBlank(s) }

// MaxChars reports whether s has at most n characters.
func MaxChars(s string, n int) bool { return validator.MaxChars(s, n) }

var mobileRE = regexp.MustCompile(`^1[3-9]\d{9}$`)
var landlineRE = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}$`)

// PhoneOK accepts an empty value, an 11-digit mainland mobile number or a landline,
// typed in half-width or full-width digits, with or without spaces.
func PhoneOK(s string) bool {
	s = NormalizePhone(s)
	return s == "" || mobileRE.MatchString(s) || landlineRE.MatchString(s)
}

// NormalizePhone folds full-width digits, spaces and dashes to ASCII and drops spaces:
// "１３８ ００１３　８０００" is 13800138000.
func NormalizePhone(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(foldWidth(s)), " ", "")
}

// PhoneMessage is the message for a bad phone number.
const PhoneMessage = "电话号码格式不正确:请填写 11 位手机号(如 13800138000)或带区号的固定电话(如 0719-1234567)"

// formID reads a positive id from a form value; 0 if absent or bad.
func formID(s string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// clean trims a form value.
func clean(s string) string { return strings.TrimSpace(s) }
