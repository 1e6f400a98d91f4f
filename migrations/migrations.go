// Package migrations embeds the SQL migrations applied by golang-migrate.
package migrations

import "embed"

// FS holds the numbered .up.sql / .down.sql files.
//
//go:embed *.sql
var FS embed.FS
