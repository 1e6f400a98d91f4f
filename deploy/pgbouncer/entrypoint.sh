#!/bin/sh
# Writes the auth file from the environment (the password never sits in the image), then
# runs PgBouncer in the foreground as the postgres user.
set -eu
: "${PINGYI_DB_PASSWORD:?set PINGYI_DB_PASSWORD}"
umask 077
printf '"pingyi" "%s"\n' "$PINGYI_DB_PASSWORD" > /etc/pgbouncer/userlist.txt
chown postgres:postgres /etc/pgbouncer/userlist.txt
if [ -n "${PGBOUNCER_DB_HOST:-}" ]; then
  sed -i "s/^pingyi = host=[^ ]*/pingyi = host=$PGBOUNCER_DB_HOST/" /etc/pgbouncer/pgbouncer.ini
fi
exec runuser -u postgres -- pgbouncer /etc/pgbouncer/pgbouncer.ini
