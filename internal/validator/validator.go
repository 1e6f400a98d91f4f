// Package validator collects a form's messages, one per field, in Chinese. Every form's
// data embeds a Validator, so a page shows each message next to its field.
package validator

import (
	"strings"
	"unicode/utf8"
)

// Errors maps a form field to its message.
type Errors map[string]string

// Has reports whether the field has a message.
func (e Errors) Has(field string) bool { _, ok := e[field]; return ok }

// Validator holds a form's messages.
type Validator struct {
	Errors Errors
}

// Valid reports whether no field has a message.
func (v *Validator) Valid() bool { return len(v.Errors) == 0 }

// Check adds msg for field unless ok; the first message for a field wins.
func (v *Validator) Check(ok bool, field, msg string) {
	if ok {
		return
	}
	if v.Errors == nil {
		v.Errors = Errors{}
	}
	if _, exists := v.Errors[field]; !exists {
		v.Errors[field] = msg
	}
}

// Add sets a message for field.
func (v *Validator) Add(field, msg string) { v.Check(false, field, msg) }

// NotBlank reports whether s has any non-space character.
func NotBlank(s string) bool { return strings.TrimSpace(s) != "" }

// MaxChars reports whether s has at most n characters.
func MaxChars(s string, n int) bool { return utf8.RuneCountInString(s) <= n }
