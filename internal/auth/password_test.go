package auth

import "testing"

func TestHashAndCheck(t *testing.T) {
	h, err := HashPassword("正确的密码123")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPassword(h, "正确的密码123"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := CheckPassword(h, "wrong"); err != ErrMismatch {
		t.Fatalf("wrong password: %v, want ErrMismatch", err)
	}
	h2, err := HashPassword("正确的密码123")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password must differ (salt)")
	}
}
