#!/usr/bin/env bash
# A real streaming read replica of the CI PostgreSQL: a second cluster on 127.0.0.1:5433
# made with pg_basebackup from the primary on 127.0.0.1:5432 and kept in sync by streaming
# replication (a physical replication slot, hot standby). The services suite reads it
# through TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433 (tests/test_multinode.py).
#
# Idempotent; run as root (or as the postgres user) by .ci/run before the tests:
#   - the replica is running and streaming: nothing to do;
#   - its data directory is missing, or the replica is stopped or broken: (re)built from a
#     fresh base backup.
# On the primary it only ever adds one pg_hba.conf line (replication from 127.0.0.1) and
# reloads the configuration; it never restarts it.
set -euo pipefail

PG_VERSION=${PG_VERSION:-$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
NAME=replica-$REPLICA_PORT
SLOT=ci_replica_$REPLICA_PORT
DATA=${REPLICA_DATA:-/var/lib/postgresql/$NAME}
LOG=/var/log/postgresql/postgresql-$PG_VERSION-$NAME.log
PRIMARY_HBA=/etc/postgresql/$PG_VERSION/main/pg_hba.conf
SOCKETS=/var/run/postgresql

say() { printf 'replica: %s\n' "$*"; }

# PostgreSQL refuses to run as root: its commands run as the postgres user.
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -XAtqc "$1"; }
replica_sql() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -XAtqc "$1" 2>/dev/null; }

running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
streaming() {
  [ "$(replica_sql 'SELECT pg_is_in_recovery()' || true)" = t ] || return 1
  [ "$(primary_sql "SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s
      ON s.active_pid = r.pid WHERE s.slot_name = '$SLOT' AND r.state = 'streaming'")" = 1 ]
}
# Waits up to $1 seconds for the replica to be in recovery and streaming from the primary.
wait_streaming() {
  local deadline=$(( $(date +%s) + $1 ))
  until streaming; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

[ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ] || { say "run me as root or postgres"; exit 1; }
"$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PRIMARY_PORT" -q || { say "the primary on port $PRIMARY_PORT is not up"; exit 1; }

# 1. Already there? (A test may pause WAL replay to make the replica lag; never leave it paused.)
if running && [ "$(replica_sql 'SELECT pg_is_wal_replay_paused()' || true)" = t ]; then
  say "WAL replay was paused: resuming it"
  replica_sql 'SELECT pg_wal_replay_resume()' >/dev/null || true
fi
if running && wait_streaming 10; then
  say "already running on port $REPLICA_PORT and streaming from $PRIMARY_PORT; nothing to do"
  exit 0
fi

# 2. The primary accepts replication connections from 127.0.0.1 (a reload, never a restart).
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$PRIMARY_HBA"; then
  say "allowing replication connections from 127.0.0.1 in $PRIMARY_HBA (reload)"
  printf '\n# Streaming replica for CI (.ci/replica.sh)\nhost    replication     all             127.0.0.1/32            trust\n' >>"$PRIMARY_HBA"
  primary_sql 'SELECT pg_reload_conf()' >/dev/null
fi
for _ in $(seq 1 20); do  # the reload is asynchronous: wait until a replication connection works
  as_pg "$PG_BIN/psql" "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" -XAtqc IDENTIFY_SYSTEM \
    >/dev/null 2>&1 && break
  sleep 0.25
done

# 3. Stopped or broken: throw it away and take a fresh base backup.
if [ -e "$DATA" ]; then
  say "the replica in $DATA is stopped or not streaming: rebuilding it"
  if running; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" stop -m fast -w -t 20 >/dev/null 2>&1 \
      || as_pg "$PG_BIN/pg_ctl" -D "$DATA" stop -m immediate -w -t 20 >/dev/null
  fi
  rm -rf "$DATA"
fi
if "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$REPLICA_PORT" -q; then
  say "something else listens on port $REPLICA_PORT; stop it first"
  exit 1
fi
# The slot keeps the WAL the replica still needs; the old one goes with the old replica.
primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
             WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
install -d -o postgres -g postgres -m 2775 "$SOCKETS"
install -d -o postgres -g postgres -m 0700 "$DATA"

started=$(date +%s)
say "base backup of 127.0.0.1:$PRIMARY_PORT into $DATA"
# -R writes standby.signal and primary_conninfo; -C -S creates the slot; fast checkpoint: no wait.
as_pg "$PG_BIN/pg_basebackup" -d "host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=$NAME" \
  -D "$DATA" -R -X stream -C -S "$SLOT" --checkpoint=fast --no-password

# The primary's postgresql.conf and pg_hba.conf live in /etc, outside the data directory
# that was copied: the replica gets its own.
as_pg tee "$DATA/postgresql.conf" >/dev/null <<EOF
# Streaming replica of 127.0.0.1:$PRIMARY_PORT, made by .ci/replica.sh
cluster_name = '$NAME'
listen_addresses = '127.0.0.1'
port = $REPLICA_PORT
unix_socket_directories = '$SOCKETS'
max_connections = 100
shared_buffers = 128MB
hot_standby = on
hot_standby_feedback = on
datestyle = 'iso, mdy'
timezone = 'Etc/UTC'
log_timezone = 'Etc/UTC'
lc_messages = 'C.UTF-8'
lc_monetary = 'C.UTF-8'
lc_numeric = 'C.UTF-8'
lc_time = 'C.UTF-8'
default_text_search_config = 'pg_catalog.english'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
as_pg tee "$DATA/pg_hba.conf" >/dev/null <<'EOF'
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
EOF

as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 start >/dev/null
if ! wait_streaming 30; then
  say "the replica did not start streaming; the end of $LOG:"
  tail -n 30 "$LOG" || true
  exit 1
fi
say "streaming on port $REPLICA_PORT from $PRIMARY_PORT (built in $(( $(date +%s) - started ))s)"
