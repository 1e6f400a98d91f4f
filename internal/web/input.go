package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// foldWidth turns full-width letters, digits and punctuation (as a Chinese input method
// types them: "１３８", "ＡＢＣ") into ASCII, the ideographic space into a space, and the
// dashes people type in phone numbers into "-".
func foldWidth(s string) string {
	if isASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // FULLWIDTH EXCLAMATION MARK … FULLWIDTH TILDE
			return r - 0xFEE0
		case r == 0x3000: // IDEOGRAPHIC SPACE
			return ' '
		case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE63: // hyphens, dashes, minus
			return '-'
		}
		return r
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// invisible reports whether r is a character a name must not hold: control characters,
// format characters (zero-width space and joiners, bidi embeddings and overrides, the
// byte-order mark, soft hyphen), line and paragraph separators, private-use and
// surrogate code points, and the blank "filler" letters that render as nothing. With
// any of them, "张\u200b三" looks exactly like "张三" but is another name.
func invisible(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, // Hangul fillers
		0x180E,         // Mongolian vowel separator
		0x2800,         // Braille pattern blank
		0xFFFC, 0xFFFD: // object replacement, replacement character
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp)
}

// PlainText reports whether s holds no invisible, control or direction-changing
// character (see invisible).
func PlainText(s string) bool {
	return !strings.ContainsFunc(s, invisible)
}

// plainTextMessage is the message for a field that fails PlainText; what names the field.
func plainTextMessage(what string) string {
	return what + "含有看不见的字符(如零宽空格、控制字符或文字方向控制符),会让它看起来和别的" + what + "一样。请删除后重新输入"
}

// checkPlain adds the message for field when s holds an invisible character.
func checkPlain(v *Validator, s, field, what string) {
	v.Check(PlainText(s), field, plainTextMessage(what))
}

// pageBeyondEnd sends a request for a list page past the last one (?page=999 after a
// search narrowed the list, say) to the last page, and reports whether it did.
func pageBeyondEnd(w http.ResponseWriter, r *http.Request, page, pages int) bool {
	if page <= pages {
		return false
	}
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(pages))
	http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusSeeOther)
	return true
}
