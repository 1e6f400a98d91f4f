package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"pingyi/internal/store"
)

// TestAuditLogIsAppendOnly: the app's database role may add to the log and read it, never
// change or delete an entry; the retention clean-up runs as the owner.
func TestAuditLogIsAppendOnly(t *testing.T) {
	m := openMeeting(t, false)
	ctx := context.Background()
	scoped := store.WithTownships(ctx, m.tid)
	tid := m.tid
	if err := m.st.AddAudit(scoped, store.AuditEntry{TownshipID: &tid, Actor: "测试", Action: "test", Summary: "一条记录",
		Changes: map[string][2]*string{"name": {nil, ptr("新")}}}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE audit_log SET summary = '改过'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := store.ExecAs(scoped, m.st, sql); pgCode(err) != "42501" {
			t.Errorf("%s as the app: %v, want permission denied", sql, err)
		}
	}
	entries, total, err := m.st.AuditLog(scoped, m.tid, store.AuditFilter{Text: "一条"}, 10, 0)
	if err != nil || total != 1 || entries[0].Summary != "一条记录" || *entries[0].Changes["name"][1] != "新" {
		t.Fatalf("the entry after the attempts: %+v %d %v", entries, total, err)
	}
	// Another township's scope does not see it.
	if _, total, err := m.st.AuditLog(store.WithTownships(ctx, m.tid+1000), m.tid, store.AuditFilter{}, 10, 0); err != nil || total != 0 {
		t.Fatalf("another township sees %d entries (%v)", total, err)
	}
	if _, err := m.st.Pool().Exec(ctx, `UPDATE audit_log SET at = now() - interval '400 days'`); err != nil {
		t.Fatal(err)
	}
	if n, err := m.st.PruneAudit(scoped, 365*24*time.Hour); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if !strings.HasPrefix(store.AppRole, "pingyi") {
		t.Fatal(store.AppRole)
	}
}
