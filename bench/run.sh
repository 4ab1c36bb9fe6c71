#!/usr/bin/env bash
# Load test: seed 10,000 demo products, start gunicorn (2 workers) on 127.0.0.1:8100 and
# measure each page with wrk (8 connections, 20 s), then print the results table.
# Usage: bench/run.sh            (SQLite in bench/.data/, media in bench/.data/media/)
#        DATABASE_URL=postgres://... bench/run.sh
# Knobs: BENCH_PRODUCTS (10000), BENCH_SECONDS (20), BENCH_CONNECTIONS (8), BENCH_THREADS (2),
#        BENCH_WARMUP_SECONDS (3), BENCH_PORT (8100), BENCH_WORKERS (2).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
DATA="$ROOT/bench/.data"
PRODUCTS="${BENCH_PRODUCTS:-10000}"
SECONDS_EACH="${BENCH_SECONDS:-20}"
CONNECTIONS="${BENCH_CONNECTIONS:-8}"
THREADS="${BENCH_THREADS:-2}"
WARMUP="${BENCH_WARMUP_SECONDS:-3}"
PORT="${BENCH_PORT:-8100}"
WORKERS="${BENCH_WORKERS:-2}"
BASE="http://127.0.0.1:$PORT"
export DJANGO_SETTINGS_MODULE=bench.settings

command -v wrk >/dev/null || { echo "wrk is not installed (Debian/Ubuntu: apt-get install wrk)" >&2; exit 1; }
mkdir -p "$DATA"
RUN="$DATA/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

echo "== Database and $PRODUCTS demo products (idempotent; the first time takes minutes)"
"$PY" manage.py migrate --noinput -v0
seed_started=$(date +%s)
"$PY" manage.py seed_demo --products "$PRODUCTS" | { grep -E "^(Catalog|Stock):" || true; } | tail -n 3
echo "   seed_demo took $(( $(date +%s) - seed_started )) s"

echo "== gunicorn, $WORKERS workers, $BASE (log: $DATA/gunicorn.log)"
"$ROOT/.venv/bin/gunicorn" config.wsgi:application --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
    >"$DATA/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
trap 'kill "$GUNICORN_PID" 2>/dev/null; wait "$GUNICORN_PID" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -sf -o /dev/null "$BASE/healthz" && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn exited; see $DATA/gunicorn.log" >&2; exit 1; }
    sleep 0.5
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
DATABASE_URL_SET="${DATABASE_URL:-}"
DATABASE_KIND="${DATABASE_URL_SET%%:*}"  # the scheme only: a URL may hold a password
DATABASE_KIND="${DATABASE_KIND:-sqlite}"
echo "== wrk: $CONNECTIONS connections, $THREADS threads, ${SECONDS_EACH}s per page after ${WARMUP}s of warm-up"
"$PY" -m bench.targets >"$RUN/targets.raw"
n=0
: >"$RUN/targets.tsv"
while IFS=$'\t' read -r name path; do
    n=$((n + 1))
    if [ -z "$path" ]; then
        printf '%s\t\t-\t0\n' "$name" >>"$RUN/targets.tsv"
        echo "   $name: no route yet, skipped"
        continue
    fi
    probe=$(curl -s -o /dev/null -w '%{http_code}\t%{size_download}' "$BASE$path")
    printf '%s\t%s\t%s\n' "$name" "$path" "$probe" >>"$RUN/targets.tsv"
    if [ "${probe%%$'\t'*}" != "200" ]; then
        echo "   $name: $path answers HTTP ${probe%%$'\t'*}, skipped"
        continue
    fi
    echo "   $name: $path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$BASE$path" >/dev/null
    log_lines=$(wc -l <"$DATA/gunicorn.log")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency "$BASE$path" >"$RUN/$n.txt"
    # The shop's own request log of the measured window: time spent inside Django.
    tail -n +"$((log_lines + 1))" "$DATA/gunicorn.log" >"$RUN/$n.log"
done <"$RUN/targets.raw"

{
    echo "$(date '+%Y-%m-%d %H:%M') · commit $(git rev-parse --short HEAD 2>/dev/null || echo '?') · $PRODUCTS products ·" \
        "database $DATABASE_KIND · gunicorn $WORKERS sync workers · wrk $THREADS threads," \
        "$CONNECTIONS connections, ${SECONDS_EACH}s per page · $(nproc) CPUs · load average $load_before before," \
        "$(cut -d' ' -f1-3 /proc/loadavg) after"
    echo
    "$PY" -m bench.report "$RUN"
} >"$RUN/summary.md"
echo
cat "$RUN/summary.md"
echo
echo "Raw wrk output and the table: $RUN"
