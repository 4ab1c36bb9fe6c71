#!/usr/bin/env bash
# Entry point of the read replica (postgres:15 image, docker-compose.yml's
# postgres-replica). On its first start, while its data directory is empty, it copies the
# primary with pg_basebackup -R: the copy carries standby.signal and primary_conninfo, so
# PostgreSQL starts as a hot standby streaming from the primary through the replication
# slot. Every start then hands over to the image's own entrypoint, which sees an existing
# data directory, skips initdb and runs the command (postgres -c ...) as the postgres user.
#
# To rebuild the replica (it fell too far behind, or its volume is damaged), remove its
# volume and start it again:
#   docker compose rm -sf postgres-replica && docker volume rm <project>_postgres-replica-data
#   docker compose up -d postgres-replica
#
# Environment: REPLICATION_PASSWORD (required), PRIMARY_HOST (postgres), PRIMARY_PORT
# (5432), REPLICATION_USER (replicator), REPLICATION_SLOT (replica1),
# PRIMARY_WAIT_SECONDS (120), PGDATA: a directory inside the volume
# (/var/lib/postgresql/data/pgdata), so that the copy can be made beside it.
set -euo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data/pgdata}
PRIMARY_HOST=${PRIMARY_HOST:-postgres}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICATION_USER=${REPLICATION_USER:-replicator}
REPLICATION_SLOT=${REPLICATION_SLOT:-replica1}
PRIMARY_WAIT_SECONDS=${PRIMARY_WAIT_SECONDS:-120}
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD for the replication role on the primary}"

say() { printf 'replica-entrypoint: %s\n' "$*" >&2; }

# PostgreSQL's tools refuse to write a data directory as root: run them as postgres.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then gosu postgres "$@"; else "$@"; fi
}

bootstrap() {
  say "no data directory in $PGDATA yet: copying the primary $PRIMARY_HOST:$PRIMARY_PORT"
  local deadline=$(( $(date +%s) + PRIMARY_WAIT_SECONDS ))
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "the primary did not answer within ${PRIMARY_WAIT_SECONDS}s; giving up (the container restarts)"
      return 1
    fi
    sleep 2
  done

  # The copy is made beside PGDATA and renamed when complete, so a copy cut short (a
  # failure, or the container killed) is never taken for a data directory: the next
  # start throws it away and copies again.
  local partial="$PGDATA.partial"
  rm -rf "$partial" "$PGDATA"
  mkdir -p "$partial"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$partial"; fi
  chmod 0700 "$partial"
  # -R: standby.signal and primary_conninfo (with the password) in postgresql.auto.conf;
  # -X stream: the WAL written during the copy comes along; -S: the primary's slot.
  if ! PGPASSWORD="$REPLICATION_PASSWORD" as_postgres pg_basebackup \
    --dbname="host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER application_name=${HOSTNAME:-replica}" \
    --pgdata="$partial" --write-recovery-conf --wal-method=stream --slot="$REPLICATION_SLOT" \
    --checkpoint=fast --no-password; then
    rm -rf "$partial"
    say "pg_basebackup failed; the next start tries again"
    return 1
  fi
  mv "$partial" "$PGDATA"
  say "base backup done; starting as a hot standby"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  bootstrap
fi

exec docker-entrypoint.sh "$@"
