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
	// ErrInvalid means the input does not fit the data it names: a count out of range, a
	// clause not on the subject's template, a kind of subject that does not exist. The
	// state of a record (a frozen round, say) has a sentinel of its own.
	ErrInvalid = errors.New("store: invalid")
	// ErrNotCounted means the round's box has not been opened (or the round is a
	// rehearsal), so there is nothing to publish, recount or destroy.
	ErrNotCounted = errors.New("store: round not counted")
	// ErrNotPublished means the round's results are not public.
	ErrNotPublished = errors.New("store: round not published")
	// ErrTooManyGroups means a township already keeps as many rater groups as it may.
	ErrTooManyGroups = errors.New("store: too many groups")
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
