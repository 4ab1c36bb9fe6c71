#!/usr/bin/env bash
# Prepares the PostgreSQL primary for its streaming replica: a replication role, a
# pg_hba.conf line that lets it connect for replication with a password, and the
# physical replication slot the replica streams from (so the primary keeps the WAL the
# replica has not received yet, up to max_slot_wal_keep_size).
#
# docker-compose.yml mounts it into /docker-entrypoint-initdb.d/ of the postgres:15
# image, which runs it once, when the data volume is first created (as the postgres OS
# user, with the server listening only on its socket). On a primary whose volume already
# existed before the replica was added, run it once by hand; it is idempotent:
#
#   docker compose exec -u postgres postgres bash /docker-entrypoint-initdb.d/10-replication.sh
#
# Needs POSTGRES_USER (a superuser), PGDATA and REPLICATION_PASSWORD; REPLICATION_USER
# (replicator) and REPLICATION_SLOT (replica1) have defaults. The image sources a script
# that is not executable, so everything runs in a subshell and leaves its shell alone.
(
  set -euo pipefail
  replication_user=${REPLICATION_USER:-replicator}
  replication_slot=${REPLICATION_SLOT:-replica1}
  : "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD for the replication role}"
  : "${PGDATA:?PGDATA is the data directory of the primary}"

  # The role, created or brought up to date (password included); the slot, unless it is
  # there. A new slot reserves no WAL until the replica first connects.
  psql -v ON_ERROR_STOP=1 -X -q --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set=role_name="$replication_user" --set=role_password="$REPLICATION_PASSWORD" \
    --set=slot_name="$replication_slot" <<'SQL'
SELECT format('CREATE ROLE %I WITH LOGIN REPLICATION', :'role_name')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role_name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN REPLICATION PASSWORD %L', :'role_name', :'role_password') \gexec
\o /dev/null
SELECT pg_create_physical_replication_slot(:'slot_name')
WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = :'slot_name');
SQL

  # "all" in pg_hba.conf does not cover replication connections: they need their own
  # line. From any address on the compose network, with the role's password.
  hba_line="host replication ${replication_user} all scram-sha-256"
  if ! grep -qxF "$hba_line" "$PGDATA/pg_hba.conf"; then
    printf '\n# The streaming replica (deploy/postgres/primary-init.sh)\n%s\n' "$hba_line" >>"$PGDATA/pg_hba.conf"
  fi
  # Takes effect at once when run by hand; during the first start the image restarts the
  # server after its init scripts anyway.
  psql -v ON_ERROR_STOP=1 -X -q -A -t --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -c 'SELECT pg_reload_conf()' >/dev/null
  echo "primary-init: role ${replication_user}, slot ${replication_slot} and the pg_hba.conf line are in place"
)
