package rules

import (
	"errors"
	"fmt"
)

// InputError is a scenario the rules cannot evaluate. Error is the English line
// `pingyi rules` prints on stderr; Chinese is the same fact for the what-if page (试算).
type InputError struct {
	en, zh string
}

// NewInputError pairs an English message with its Chinese one.
func NewInputError(en, zh string) *InputError { return &InputError{en: en, zh: zh} }

// Error is the message in English.
func (e *InputError) Error() string { return e.en }

// Chinese is the message in Simplified Chinese.
func (e *InputError) Chinese() string { return e.zh }

// Within puts a context (a round, a subject) before err in both languages.
func Within(en, zh string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return &InputError{en: en + ": " + ie.en, zh: zh + ":" + ie.zh}
	}
	return fmt.Errorf("%s: %w", en, err)
}

// bad is NewInputError with format arguments shared by both languages.
func bad(en, zh string, args ...any) error {
	return &InputError{en: fmt.Sprintf(en, args...), zh: fmt.Sprintf(zh, args...)}
}
