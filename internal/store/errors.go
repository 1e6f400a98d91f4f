package store

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors the web layer maps to pages.
var (
	// ErrNotFound means no row in the caller's township matched.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a uniqueness rule was broken (a duplicate name, say).
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid means the request breaks a rule of the data (a frozen round, say).
	ErrInvalid = errors.New("store: invalid")
)

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
