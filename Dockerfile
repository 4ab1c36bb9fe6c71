# syntax=docker/dockerfile:1
# The shop's one image: web (gunicorn), Celery worker, Celery beat and one-off
# management commands (migrate) all run from it with a different command.
#
#   docker build -t shop .
#   docker run --rm -e SECRET_KEY=... -e ALLOWED_HOSTS=shop.example.com -e DATABASE_URL=... shop
#
# Settings come only from the environment (see .env.example and docs/operations.md).

# Debian bookworm: its postgresql-client is 15, the major version of docker-compose.yml's
# PostgreSQL, so the beat's daily `manage.py backup` (pg_dump) matches the server.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: a virtualenv with the pinned runtime dependencies --------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Every pinned package ships manylinux wheels (psycopg[binary] bundles libpq), so no
# compiler is needed. If one ever does not, install build-essential here: this stage
# is thrown away.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install --upgrade pip \
 && pip install -r /tmp/requirements.txt

# --- runtime -----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_ENV=production

# A home directory so gunicorn can put its control socket in ~/.gunicorn/ (gunicornc).
RUN groupadd --system shop \
 && useradd --system --gid shop --create-home --home-dir /home/shop --shell /usr/sbin/nologin shop

# pg_dump / pg_restore for `manage.py backup` and `restore` (docs/operations.md, Backups).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# The code stays owned by root: the app process can read it but not change it.
COPY . /app

# Static files are collected into the image (whitenoise serves them, with hashed
# names from CompressedManifestStaticFilesStorage). Production settings require a
# SECRET_KEY; collectstatic never uses it, so a throwaway value is passed only to this
# step. It is not an ENV and does not reach the running container.
# (BuildKit may warn that a build arg's name contains "SECRET": this one is not.)
ARG BUILD_SECRET_KEY=collectstatic-only-not-a-secret
# The directories the app writes: uploads (MEDIA_ROOT), the payment keys
# (PAYMENT_KEYS_DIR) and the database backups (BACKUP_DIR). Owned by the app user here, so that a volume mounted on them starts
# with that owner (docker-compose.yml shares both between every web node and worker).
RUN SECRET_KEY="$BUILD_SECRET_KEY" python manage.py collectstatic --noinput \
 && mkdir -p /app/media /app/var/payment-keys /app/var/backups \
 && chown shop:shop /app/media /app/var/payment-keys /app/var/backups \
 && chmod 0700 /app/var/payment-keys

USER shop

EXPOSE 8000

# Liveness only (/healthz checks nothing but the process). Django refuses a Host header
# that is not in ALLOWED_HOSTS, so the check sends the first allowed host (a leading
# "." wildcard stripped). The proxy handler is emptied so that an HTTP(S)_PROXY
# variable cannot route the check elsewhere.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h and h != '*' else 'localhost'; r.build_opener(r.ProxyHandler({})).open(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

# config/gunicorn.conf.py: Prometheus multiprocess counters summed over the workers
# (docs/operations.md, Metrics).
# No --access-logfile: RequestIdMiddleware writes one JSON line per request with its
# request id; gunicorn's own access log would repeat it without the id.
# FORWARDED_ALLOW_IPS: addresses of the load balancer / proxy that gunicorn trusts for
# X-Forwarded-Proto (see docs/operations.md).
CMD ["sh", "-c", "exec gunicorn -c config/gunicorn.conf.py config.wsgi:application --bind 0.0.0.0:8000 --workers \"${WEB_CONCURRENCY:-3}\" --forwarded-allow-ips \"${FORWARDED_ALLOW_IPS:-127.0.0.1,::1}\""]
