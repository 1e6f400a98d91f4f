package validator

import "testing"

func TestFirstMessageForAFieldWins(t *testing.T) {
	var v Validator
	if !v.Valid() {
		t.Fatal("a fresh validator has messages")
	}
	v.Check(NotBlank("  "), "name", "请填写姓名")
	v.Check(MaxChars("", 3), "name", "不会出现")
	v.Add("name", "也不会出现")
	v.Check(MaxChars("一二三四", 3), "note", "备注最多 3 个字")
	if v.Valid() {
		t.Fatal("validator with messages reports valid")
	}
	if got := v.Errors["name"]; got != "请填写姓名" {
		t.Errorf("name message = %q, want the first one", got)
	}
	if !v.Errors.Has("note") || v.Errors.Has("other") {
		t.Errorf("Has: %v", v.Errors)
	}
	if !MaxChars("一二三", 3) {
		t.Error("MaxChars counts bytes, not characters")
	}
}
