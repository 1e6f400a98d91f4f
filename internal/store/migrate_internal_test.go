package store

import "testing"

func TestMigrateURLDropsPoolParameters(t *testing.T) {
	got := migrateURL("postgres://u:p@db:5432/pingyi?sslmode=disable&pool_max_conns=16")
	if got != "pgx5://u:p@db:5432/pingyi?sslmode=disable" {
		t.Fatalf("migrateURL = %q", got)
	}
}
