package store_test

import (
	"context"
	"testing"

	"pingyi/internal/pgtest"
	"pingyi/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSchemaCurrentAndUTF8(t *testing.T) {
	url := pgtest.URL(t)
	if err := store.CheckSchema(url); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	s := pgtest.Store(t)
	var enc string
	if err := s.Pool().QueryRow(context.Background(), "SHOW server_encoding").Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if enc != "UTF8" {
		t.Fatalf("server_encoding = %s, want UTF8", enc)
	}
}
