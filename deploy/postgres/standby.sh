#!/bin/sh
# Entry point of the streaming standby: on an empty volume, copy the primary with
# pg_basebackup (-R writes standby.signal and primary_conninfo); then run PostgreSQL,
# which replays the primary's WAL as it streams in and answers read-only queries.
set -eu
: "${PINGYI_REPLICATION_PASSWORD:?set PINGYI_REPLICATION_PASSWORD}"
PRIMARY_HOST=${PRIMARY_HOST:-db}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -U replicator -d postgres -q; do sleep 1; done
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  # -R keeps the connection, password included, in postgresql.auto.conf (mode 0600).
  PGPASSWORD="$PINGYI_REPLICATION_PASSWORD" gosu postgres \
    pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -X stream -c fast -R
fi
exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on
