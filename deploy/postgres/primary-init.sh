#!/bin/sh
# /docker-entrypoint-initdb.d script of the primary (runs once, on an empty volume): a
# replication role for the standby, and its line in pg_hba.conf.
set -eu
: "${PINGYI_REPLICATION_PASSWORD:?set PINGYI_REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$PINGYI_REPLICATION_PASSWORD';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
