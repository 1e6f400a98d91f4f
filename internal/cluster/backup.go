package cluster

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/backup"
)

// backupAndRestore backs the county up from the primary (directly, as the CronJob does)
// and restores it into a new, empty database beside it.
func (c *cluster) backupAndRestore(ctx context.Context, res *Result) error {
	archive := filepath.Join(c.dir, "county.dump")
	m, err := backup.Backup(ctx, c.primary.URL("pingyi"), archive)
	if err != nil {
		return err
	}
	res.BackedUp, res.BackupSize, res.BackupTook = true, m.Size, m.Took
	if err := createDatabase(ctx, c.primary.URL("postgres"), "restored"); err != nil {
		return err
	}
	r, err := backup.Restore(ctx, c.primary.URL("restored"), archive)
	if err != nil {
		return err
	}
	res.RestoreTook = r.Took
	const fingerprint = `SELECT (SELECT count(*) FROM ballots)::text || '/' || (SELECT count(*) FROM round_results)::text || '/' ||
		(SELECT coalesce(sum(hashtext(receipt)), 0) FROM ballots)::text || '/' || (SELECT coalesce(sum(hashtext(tallies::text)), 0) FROM round_results)::text`
	var a, b string
	for db, out := range map[string]*string{"pingyi": &a, "restored": &b} {
		conn, err := pgx.Connect(ctx, c.primary.URL(db))
		if err != nil {
			return err
		}
		err = conn.QueryRow(ctx, fingerprint).Scan(out)
		conn.Close(ctx)
		if err != nil {
			return fmt.Errorf("compare the restored copy: %w", err)
		}
	}
	res.RestoredSame = a == b
	return nil
}
