package store

import (
	"context"
	"fmt"
)

// ChangePassword sets an account's own new password hash and ends its other sessions by
// moving its session epoch on; it returns the new epoch for the session that changed it.
//
// A county account belongs to no township (and its requests are read-only): its own
// password is changed by its id alone, as its sign-in found it, outside that scope.
func (s *Store) ChangePassword(ctx context.Context, townshipID, userID int64, hash string) (int, error) {
	var epoch int
	err := s.pool.QueryRow(unscoped(ctx), `
		UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1
		WHERE id = $2 AND active AND (township_id = $1 OR (township_id IS NULL AND role = 'county'))
		RETURNING session_epoch`, townshipID, userID, hash).Scan(&epoch)
	if err != nil {
		return 0, fmt.Errorf("store: change password: %w", notFound(err))
	}
	return epoch, nil
}

// ClearAccountFailures forgets an account's failed sign-ins from every address (when
// the office sets a new password, which lifts any lock).
func (s *Store) ClearAccountFailures(ctx context.Context, username string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM auth_failures WHERE starts_with(key, $1)`, AccountAddressKey(username, ""))
	if err != nil {
		return fmt.Errorf("store: clear account failures: %w", err)
	}
	return nil
}

// AccountAddressKey is the throttling key of sign-ins to one account from one client
// address. With address "" it is the prefix shared by every address of the account.
func AccountAddressKey(username, address string) string {
	return "user-ip:" + username + "|" + address
}

// AddressKey is the throttling key of sign-ins from one client address to any account.
func AddressKey(address string) string { return "ip:" + address }
