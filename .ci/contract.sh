#!/usr/bin/env bash
# The API contract against a live server (called by .ci/run; runs on its own too):
#   1. a fresh PostgreSQL database, migrated and seeded with the demo data (a small catalog)
#   2. gunicorn serving it, with the throttles raised (a 429 would hide what an endpoint does)
#   3. the Postman collection (docs/postman) with newman: register, sign in, browse, cart,
#      checkout, pay on the sandbox cashier, track, refund
#   4. schemathesis over every operation of /api/schema/, anonymous, as the demo
#      customer and as the demo admin (JWT): no 5xx, and every answer as the schema documents it
# Everything it needs is set by the variables below (CI's defaults); a developer running it
# next to other work picks another database, Redis db and port:
#   CONTRACT_DB=shop_mine CONTRACT_REDIS_URL=redis://127.0.0.1:6379/6 CONTRACT_PORT=8601 .ci/contract.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${CONTRACT_PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=${CONTRACT_DB:-shop_contract}
REDIS=${CONTRACT_REDIS_URL:-redis://127.0.0.1:6379/2}
PORT=${CONTRACT_PORT:-8600}
PRODUCTS=${CONTRACT_PRODUCTS:-12}        # demo products: enough for every endpoint, quick to seed
EXAMPLES=${CONTRACT_MAX_EXAMPLES:-10}    # schemathesis test cases per operation and phase
WORK=${CONTRACT_WORK_DIR:-var/contract/$DB}
NEWMAN_VERSION=6.2.2
NODE_DIR=var/node                        # newman is installed here (var/ is not committed)

BASE=http://127.0.0.1:$PORT
started=$(date +%s)
step() { printf '\n--- contract: %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

# The shop's settings for this run: PostgreSQL and Redis, Celery tasks in-process (no
# broker or worker to start: the sandbox's notification is delivered over HTTP right
# after the cashier's commit, to SITE_URL, which is this server), mail kept in memory,
# errors as in production (DEBUG off: a 500 is the API's JSON error, not a debug page).
export DATABASE_URL=$PG_URL/$DB REDIS_URL=$REDIS CELERY_BROKER_URL= CELERY_TASK_ALWAYS_EAGER=true
export DJANGO_ENV=development DEBUG=false SITE_URL=$BASE EMAIL_URL=memorymail://
export PAYMENT_KEYS_DIR=$WORK/payment-keys MEDIA_ROOT=$WORK/media CACHE_KEY_PREFIX=contract
# Throttles high enough that no request of the run is refused for its rate, and no
# account is locked by schemathesis guessing passwords (both are tested elsewhere).
rate=100000/min
export THROTTLE_ANON=$rate THROTTLE_USER=$rate THROTTLE_LOGIN=$rate THROTTLE_REGISTER=$rate \
  THROTTLE_PASSWORD_RESET=$rate THROTTLE_ORDER_CREATE=$rate THROTTLE_COUPON_VALIDATE=$rate \
  THROTTLE_PAYMENT_NOTIFY=$rate LOGIN_FAILURE_LIMIT=1000000
export JWT_ACCESS_MINUTES=60  # outlasts the run

step "fresh database $DB, Redis $REDIS, work directory $WORK"
psql "$PG_URL/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DB\"" 2>&1 | grep -v 'does not exist, skipping' || true
psql "$PG_URL/$DB" -q -c 'SELECT 1' >/dev/null  # created, or fail here
redis-cli -u "$REDIS" flushdb >/dev/null
rm -rf "$WORK" && mkdir -p "$WORK"

step "migrate and seed the demo data ($PRODUCTS products)"
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py seed_demo --products "$PRODUCTS" >"$WORK/seed.log"
tail -n 3 "$WORK/seed.log"

step "newman $NEWMAN_VERSION"
newman=$NODE_DIR/node_modules/.bin/newman
if [ "$("$newman" --version 2>/dev/null || true)" != "$NEWMAN_VERSION" ]; then
  mkdir -p "$NODE_DIR"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$NODE_DIR" "newman@$NEWMAN_VERSION"
fi

step "start gunicorn on $BASE"
# Threads: the cashier's request waits for the notification it sends to this same server.
# No limit on the request line: schemathesis makes long query strings, and gunicorn's own
# 414 page (over 4094 bytes, before the shop sees the request) is not the API's contract.
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --worker-class gthread --timeout 60 --limit-request-line 0 --access-logfile - >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$WORK/server.log"; echo "the server did not start"; exit 1; }
  sleep 1
done
curl -fs "$BASE/readyz" >/dev/null || { tail -n 50 "$WORK/server.log"; echo "the server is not ready"; exit 1; }

failed=()

step "Postman collection (newman)"
"$newman" run docs/postman/shop.postman_collection.json -e docs/postman/shop.postman_environment.json \
  --env-var "baseUrl=$BASE" --color off --reporters cli --reporter-cli-no-success-assertions \
  || failed+=(newman)

# The checks: no 5xx, and every answer documented (status code, content type, headers, body
# schema); operations that need credentials refuse requests without them (ignored_auth); a
# method an endpoint does not have is a 405 with its Allow header. Left out on purpose:
# positive_data_acceptance and negative_data_rejection measure how much of the validation
# the schema spells out (phone formats, password rules, ids that must exist; DRF reads
# `page_size=abc` as the default), which is not the contract: a documented 4xx is.
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,ignored_auth,unsupported_method,allow_header_conformance
# Half of the path parameters come from the demo data (the demo customer's orders, payments
# and addresses, published products, SKUs), so that requests also reach real objects and
# their answers are checked against the schema, not only the 404s of made-up numbers.
.venv/bin/python manage.py shell -v0 -c "$(cat <<'PY'
import json
from apps.accounts.models import Address, User
from apps.catalog.models import SKU, Product
from apps.orders.models import Order
from apps.payments.models import Payment

customer = User.objects.get(email="customer@example.com")
values = {
    "orders": list(Order.objects.filter(user=customer).values_list("number", flat=True)),
    "trades": list(Payment.objects.filter(order__user=customer).values_list("out_trade_no", flat=True)),
    "products": list(Product.objects.filter(status="published").values_list("slug", flat=True)),
    "skus": list(SKU.objects.filter(is_active=True).values_list("pk", flat=True)),
    "addresses": list(Address.objects.filter(user=customer).values_list("pk", flat=True)),
}
parameters = {"number": "orders", "out_trade_no": "trades", "slug": "products", "sku_id": "skus", "id": "addresses"}
lines = []
for name, found in values.items():
    if found:
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(found)}", ""]
lines.append("[parameters]")
for parameter, dictionary in parameters.items():
    if values[dictionary]:
        lines.append(f'"path.{parameter}" = {{ dictionary = "{dictionary}", probability = 0.5 }}')
print("\n".join(lines))
PY
)" >"$WORK/schemathesis.toml"

schemathesis() {
  # One worker: hypothesis' lambda-source cache is not thread-safe on Python 3.11 (a
  # sporadic "AST constructor recursion depth mismatch" error with several).
  .venv/bin/schemathesis --config-file "$WORK/schemathesis.toml" run "$BASE/api/schema/?format=json" \
    --checks "$checks" --max-examples "$EXAMPLES" --workers 1 --continue-on-failure --request-timeout 30 \
    --no-color --output-truncate true --report junit --report-junit-path "$WORK/schemathesis-$1.xml" "${@:2}"
}

step "schemathesis: anonymous"
schemathesis anonymous || failed+=(schemathesis-anonymous)

step "schemathesis: signed in as the demo customer (JWT)"
access=$(curl -fs -X POST "$BASE/api/v1/auth/token/" -H 'Content-Type: application/json' \
  -d '{"email": "customer@example.com", "password": "shop-customer-2026"}' \
  | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["access"])')
schemathesis customer -H "Authorization: Bearer $access" || failed+=(schemathesis-customer)

# The staff operations (product writes, images, publishing, stock) answer a customer 403:
# the demo admin reaches their 2xx and 4xx answers.
step "schemathesis: signed in as the demo admin (JWT)"
access=$(curl -fs -X POST "$BASE/api/v1/auth/token/" -H 'Content-Type: application/json' \
  -d '{"email": "admin@example.com", "password": "shop-admin-2026"}' \
  | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["access"])')
schemathesis staff -H "Authorization: Bearer $access" || failed+=(schemathesis-staff)

step "done"
if grep -q '" 500 \|Traceback' "$WORK/server.log"; then
  echo "the server log has errors:"; grep -n -B2 -A20 'Traceback' "$WORK/server.log" | head -n 80
  failed+=(server-errors)
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "API contract FAILED: ${failed[*]} (server log: $WORK/server.log)"
  exit 1
fi
echo "API contract passed"
