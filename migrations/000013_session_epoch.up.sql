-- A password change ends the account's other sessions: every session carries the epoch
-- it was signed in under, and one that no longer matches is signed out.
ALTER TABLE users ADD COLUMN session_epoch int NOT NULL DEFAULT 0;

-- Sign-in failures are now kept per account and client address ("user-ip:<name>|<addr>")
-- and per address ("ip:<addr>"); the old per-account keys lock nobody any more.
DELETE FROM auth_failures WHERE key LIKE 'user:%';
