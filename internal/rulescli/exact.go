package rulescli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"pingyi/internal/rules"
)

// encoding/json (v1) reads more than was written: it matches keys case-insensitively
// ("PASS_PCT" sets pass_pct), lets the last of two equal keys win, turns null into the
// zero value, and replaces invalid UTF-8 and lone UTF-16 surrogates with U+FFFD. A
// scenario decides talks and awards, so it is read exactly as written instead: after
// encoding/json has accepted the syntax and the types, exact walks the tokens once more
// and refuses each of these, saying where. (encoding/json/v2 does this by default, but
// in Go 1.26 only under GOEXPERIMENT=jsonv2, which every build of the project would
// then need.)

// checkUTF8 refuses input that is not valid UTF-8, naming where the first bad byte is.
func checkUTF8(data []byte) error {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			line, col := position(data, int64(i+1))
			return rules.NewInputError(
				fmt.Sprintf("line %d, column %d: the input is not valid UTF-8 (byte 0x%02x); save the scenario as UTF-8", line, col, data[i]),
				fmt.Sprintf("第 %d 行第 %d 列:内容不是有效的 UTF-8 文字,请以 UTF-8 编码保存后重新粘贴", line, col))
		}
		i += size
	}
	return nil
}

// exact walks data (one JSON value that encoding/json has decoded into a scenarioIn
// already) against the shape of scenarioIn, and refuses null anywhere, a key that
// appears twice in one object, a key that matches a field only when case is ignored,
// and a string escape that is half of a UTF-16 surrogate pair.
func exact(data []byte) error {
	w := walker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	return w.value(reflect.TypeFor[scenarioIn](), "")
}

// walker reads tokens and knows where each one starts.
type walker struct {
	data []byte
	dec  *json.Decoder
}

// next reads one token and returns the offset of its first byte.
func (w *walker) next() (json.Token, int, error) {
	at := int(w.dec.InputOffset())
	tok, err := w.dec.Token()
	if err != nil {
		return nil, 0, fmt.Errorf("malformed JSON: %w", err)
	}
	// InputOffset is the end of the previous token: skip the space and separators.
	for at < len(w.data) && strings.IndexByte(" \t\r\n,:", w.data[at]) >= 0 {
		at++
	}
	return tok, at, nil
}

// value checks one value whose Go type (in scenarioIn) is t; where is the key it sits
// under, for messages. A nil t is any shape.
func (w *walker) value(t reflect.Type, where string) error {
	tok, at, err := w.next()
	if err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok := tok.(type) {
	case nil:
		return w.null(at, where)
	case string:
		return w.escapes(at)
	case json.Delim:
		if tok == '{' {
			return w.object(t, where)
		}
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for w.dec.More() {
			if err := w.value(elem, where); err != nil {
				return err
			}
		}
		_, _, err := w.next() // ]
		return err
	}
	return nil
}

// object checks an object's keys: a struct's keys must be its fields' names exactly; a
// map's keys are free. No key may appear twice.
func (w *walker) object(t reflect.Type, where string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = jsonFields(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, at, err := w.next()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := w.escapes(at); err != nil {
			return err
		}
		if seen[key] {
			line, col := position(w.data, int64(at+1))
			return rules.NewInputError(
				fmt.Sprintf("line %d, column %d: key %q appears twice in %s", line, col, key, enWhere(where)),
				fmt.Sprintf("第 %d 行第 %d 列:%s中的键「%s」重复出现(每个键只能写一次)", line, col, zhWhere(where), key))
		}
		seen[key] = true
		next := elem
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				return w.unknownKey(at, key, where, fields)
			}
			next = ft
		}
		if err := w.value(next, key); err != nil {
			return err
		}
	}
	_, _, err := w.next() // }
	return err
}

// jsonFields maps a struct's JSON names to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

// unknownKey refuses a key that is not a field's name, suggesting the field it matches
// when case is ignored (which is how encoding/json let it through).
func (w *walker) unknownKey(at int, key, where string, fields map[string]reflect.Type) error {
	line, col := position(w.data, int64(at+1))
	for name := range fields {
		if strings.EqualFold(name, key) {
			return rules.NewInputError(
				fmt.Sprintf("line %d, column %d: unknown key %q in %s (keys are case-sensitive: write %q)", line, col, key, enWhere(where), name),
				fmt.Sprintf("第 %d 行第 %d 列:%s中不认识的键「%s」(键名区分大小写,应为「%s」)", line, col, zhWhere(where), key, name))
		}
	}
	return rules.NewInputError(
		fmt.Sprintf("line %d, column %d: unknown key %q in %s", line, col, key, enWhere(where)),
		fmt.Sprintf("第 %d 行第 %d 列:%s中不认识的键「%s」", line, col, zhWhere(where), key))
}

// null refuses a null: every key is either written with a value or left out (and takes
// its default, where it has one).
func (w *walker) null(at int, where string) error {
	line, col := position(w.data, int64(at+1))
	if where == "" {
		return rules.NewInputError(
			fmt.Sprintf("line %d, column %d: the scenario is null; expected one JSON object {…}", line, col),
			fmt.Sprintf("第 %d 行第 %d 列:场景不能为 null,应为一个 JSON 对象 {…}", line, col))
	}
	return rules.NewInputError(
		fmt.Sprintf("line %d, column %d: null is not allowed (under %q): write a value, or leave an optional key out to take its default", line, col, where),
		fmt.Sprintf("第 %d 行第 %d 列:「%s」的值不能为 null:请填写取值;可省略的项删去即取默认值", line, col, where))
}

// escapes refuses a \u escape in the string literal at data[at] that is half of a
// UTF-16 surrogate pair: it names no character (encoding/json would read it as U+FFFD).
func (w *walker) escapes(at int) error {
	d := w.data
	for i := at + 1; i < len(d) && d[i] != '"'; i++ {
		if d[i] != '\\' {
			continue
		}
		i++
		if d[i] != 'u' {
			continue
		}
		r := hex4(d[i+1 : i+5])
		switch {
		case !utf16.IsSurrogate(r):
			i += 4
		case r < 0xDC00 && i+10 < len(d) && d[i+5] == '\\' && d[i+6] == 'u' && isLowSurrogate(hex4(d[i+7:i+11])):
			i += 10 // a high surrogate and its low half: one character
		default:
			line, col := position(d, int64(i))
			esc := string(d[i-1 : i+5])
			return rules.NewInputError(
				fmt.Sprintf("line %d, column %d: %s is half of a UTF-16 surrogate pair, not a character", line, col, esc),
				fmt.Sprintf("第 %d 行第 %d 列:转义 %s 只是 UTF-16 代理对的一半,不是完整的字符", line, col, esc))
		}
	}
	return nil
}

func isLowSurrogate(r rune) bool { return r >= 0xDC00 && r < 0xE000 }

// hex4 reads four hexadecimal digits (encoding/json has checked they are).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

func enWhere(where string) string {
	if where == "" {
		return "the scenario"
	}
	return fmt.Sprintf("%q", where)
}

func zhWhere(where string) string {
	if where == "" {
		return "场景"
	}
	return "「" + where + "」"
}
