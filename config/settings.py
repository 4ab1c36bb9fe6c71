"""One settings module for every environment, read from the environment (12-factor).

With no variable set it runs the embedded default: SQLite, local-memory cache, Celery
tasks run eagerly in-process, console mail. Each real service switches on when its
URL is set. `.env.example` lists every variable, its default and what it means.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is read when present; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# "development" (default), "test" or "production". Production turns on every
# transport-security setting and JSON logs, and requires a real SECRET_KEY.
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.core.apps.ShopAdminConfig",  # django.contrib.admin with the shop's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django.contrib.sitemaps",
    "treebeard",
    "rangefilter",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.inventory",
    "apps.promotions",
    "apps.cart",
    "apps.orders",
    "apps.payments",
    "apps.shipping",
    "apps.reports",
]

MIDDLEWARE = [
    "apps.core.metrics.MetricsMiddleware",  # first: counts and times everything, answers /metrics
    "apps.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.DatabaseRoutingMiddleware",
    "apps.core.middleware.ServiceUnavailableMiddleware",
    "apps.accounts.middleware.AccountLockedMiddleware",
    "apps.accounts.middleware.SessionIdleTimeoutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded default: wait for the writer instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Read replicas, comma separated. Reads outside a transaction go to one of them, unless
# the request already wrote, or the client wrote a moment ago (read-your-writes); see
# config/db_router.py.
for index, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    replica = env.db_url_config(url)
    replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    replica["CONN_HEALTH_CHECKS"] = True
    replica["TEST"] = {"MIRROR": "default"}
    if replica["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable replica is skipped (config/db_router.py): fail its connect fast.
        replica.setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES[f"replica{index + 1}"] = replica
# Seconds a client's reads stay on the primary after one of its requests wrote (a signed
# cookie, honoured by every web node): read-your-writes across requests and nodes as long
# as replica lag stays below it. Only used with replicas.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)
# Seconds a process reads from the primary instead of a replica it could not reach.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="shop"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A cache that is down is a cache miss, not an error (see "# --- Resilience").
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shop"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.LockoutEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 3)
# Failed logins per account before it is refused, and the window they are counted in.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)

# Cart store: "redis" (a hash per cart) or "database"; Redis when REDIS_URL is set.
CART_BACKEND = env.str("CART_BACKEND", default="redis" if REDIS_URL else "database")
# Seconds a placed order waits for payment before it is cancelled (stock and coupon released).
ORDER_PAYMENT_TIMEOUT = env.int("ORDER_PAYMENT_TIMEOUT", default=30 * 60)
# Points a customer earns per whole yuan paid.
POINTS_PER_YUAN = env.int("POINTS_PER_YUAN", default=1)

# Reviews only from customers who bought the product (a completed order; catalog.Purchase).
REVIEWS_REQUIRE_PURCHASE = env.bool("REVIEWS_REQUIRE_PURCHASE", default=True)

# --- Payments (apps/payments) -------------------------------------------------------------
# Which class speaks to which provider: a real SDK-backed class replaces a simulated one here.
PAYMENT_GATEWAYS = {
    "alipay": "apps.payments.gateways.alipay.AlipayGateway",
    "wechat": "apps.payments.gateways.wechat.WechatPayGateway",
}
# Where `manage.py payment_keys` writes this installation's keys and the gateways read them.
PAYMENT_KEYS_DIR = env.path("PAYMENT_KEYS_DIR", default=BASE_DIR / "var" / "payment-keys")
# The shop's own address as the providers call it back (notify URLs, return URLs).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Seconds a payment may stay pending before the reconciler asks the provider about it.
PAYMENT_NOTIFY_WINDOW = env.int("PAYMENT_NOTIFY_WINDOW", default=10 * 60)
# How often beat runs that reconciler (payments.reconcile_pending), in seconds.
PAYMENT_RECONCILE_EVERY = env.int("PAYMENT_RECONCILE_EVERY", default=60)
# The shop's accounts with the providers: Alipay app id, WeChat Pay merchant id and app id.
# The simulated providers accept exactly these; a notification naming another is refused.
PAYMENT_ALIPAY_APP_ID = env.str("PAYMENT_ALIPAY_APP_ID", default="2021000000000001")
PAYMENT_WECHAT_MCHID = env.str("PAYMENT_WECHAT_MCHID", default="1900000001")
PAYMENT_WECHAT_APPID = env.str("PAYMENT_WECHAT_APPID", default="wx8888888888888888")
# Notifications accepted per calling address (the notify endpoints' throttle).
PAYMENT_NOTIFY_THROTTLE = env.str("THROTTLE_PAYMENT_NOTIFY", default="600/min")
# The simulated providers' cashier pages (/payments/sandbox/...): on, except in production,
# where anyone could "pay" without money. A real provider's gateway class replaces them.
PAYMENT_SANDBOX = env.bool("PAYMENT_SANDBOX", default=not PRODUCTION)
# --- end of payments settings

# --- Shipping (apps/shipping) -------------------------------------------------------------
# Days after delivery before an order completes by itself (unless the customer confirms first).
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)
# Each carrier's key for the tracking webhook's HMAC-SHA256 signature ("sf=key1,zto=key2");
# a carrier not listed gets a key derived from SECRET_KEY (`manage.py shipping_webhook_secret sf`).
SHIPPING_WEBHOOK_SECRETS = env.dict("SHIPPING_WEBHOOK_SECRETS", default={})
# The simulated carrier (beat task shipping.simulate_carriers) moves every undelivered shipment
# one step (picked up, in transit, out for delivery, delivered) per SHIPPING_SIMULATOR_STEP_SECONDS.
# Turn it off once real carriers post to the webhook.
SHIPPING_SIMULATOR_ENABLED = env.bool("SHIPPING_SIMULATOR_ENABLED", default=True)
SHIPPING_SIMULATOR_STEP_SECONDS = env.int("SHIPPING_SIMULATOR_STEP_SECONDS", default=120)
# --- end of shipping settings

# --- Resilience (what the shop does when a service fails) ----------------------------------
# See docs/operations.md, "When a service fails"; tests/test_faults.py proves each case.
# Broker down: requests never wait for it (the outbox nudge is sent by a background
# thread); after a failed nudge a process stops trying for this many seconds and leaves
# delivery to beat's sweep.
OUTBOX_NUDGE_BACKOFF_SECONDS = env.float("OUTBOX_NUDGE_BACKOFF_SECONDS", default=10.0)
# Cache (Redis) down: cache reads miss and writes are dropped (IGNORE_EXCEPTIONS in the
# cache's OPTIONS above), so pages come from the database, sessions from their table, and
# throttles and sign-in lockout let requests through. Not logged per call (a page makes
# dozens): /readyz reports it. The cart store talks to Redis directly and fails loudly
# instead (503 cart_unavailable, apps/cart/store.py).
# Database unreachable (restart, failover): 503 service_unavailable, not a 500
# (apps.core.middleware.ServiceUnavailableMiddleware).
# --- end of resilience settings

# --- Security hardening (CSP, session idle timeout) ---------------------------------------
from csp.constants import NONCE  # noqa: E402  (the per-response nonce placeholder)

# Content-Security-Policy (django-csp, csp.middleware.CSPMiddleware): scripts and <style> blocks
# only from our own origin or carrying the response's nonce (nonce="{{ request.csp_nonce }}").
# The nonce is in the header only on pages that use it. style-src-attr allows the few style
# attributes (the star ratings' --rating); forms post only to us, or to the origins in
# CSP_FORM_ACTION (a real payment provider's cashier, where the Pay button redirects).
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'", NONCE],
    "style-src": ["'self'", NONCE],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", *env.list("CSP_IMG_SRC", default=[])],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", "/".join(SITE_URL.split("/")[:3]), *env.list("CSP_FORM_ACTION", default=[])],
    "report-uri": env.str("CSP_REPORT_URI", default="") or None,
}
if CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

# Idle sign-out (apps.accounts.middleware.SessionIdleTimeoutMiddleware): a signed-in session
# unused this many seconds is signed out at its next request; 0 turns it off. Customers
# keep a longer one than staff, whose sessions can refund and see every customer.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 60 * 60)
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30 * 60)
# --- end of hardening settings

# --- Metrics (Prometheus) -------------------------------------------------------------------
# GET /metrics (docs/operations.md, Metrics). A scraper must connect directly (not through a
# proxy), from one of METRICS_ALLOWED_NETWORKS, and send "Authorization: Bearer <METRICS_TOKEN>"
# when a token is set. In production a token is required: without one /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# Where every process of one gunicorn (or one Celery worker) writes its counters; a scrape
# adds them up. prometheus_client reads the variable itself; config/gunicorn.conf.py makes a
# temporary one when it is unset and clears it at start. Empty: counters stay in the process.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# A Celery worker serves its task counters on this port at /metrics (0: off).
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)
# Collectors that read the database at scrape time (apps.core.metrics.ScrapeCollector).
METRICS_COLLECTORS = [
    "apps.core.metrics.OutboxCollector",
    "apps.orders.metrics.OrdersCollector",
    "apps.payments.metrics.PaymentsCollector",
]
# --- end of metrics settings

# --- Backups (manage.py backup / restore) ---------------------------------------------------
# Where `manage.py backup` and beat's daily core.backup_database write the database backups.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
# Backups of one database kept there; each new backup deletes the older ones beyond this.
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# Hour of the day (in TIME_ZONE, 0-23) at which beat runs the daily backup.
BACKUP_HOUR = env.int("BACKUP_HOUR", default=3)
# Folder of pg_dump and pg_restore, of the server's major version or newer. Empty: the PATH.
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")
# --- end of backups settings

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
SHOP_CURRENCY = "CNY"

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shop <no-reply@shop.example>")

# --- Celery -----------------------------------------------------------------------------
BROKER_CONFIGURED = bool(env.str("CELERY_BROKER_URL", default=""))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
# No broker: every task runs in-process, at once (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not BROKER_CONFIGURED)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# The queue tasks are sent to and workers consume by default; deployments (or test runs)
# sharing one broker vhost each need their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep Django's LOGGING (JSON lines in production) in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "core.relay_outbox", "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=5.0)},
    "purge-idempotency-keys": {"task": "core.purge_idempotency_keys", "schedule": 60 * 60},
    "purge-delivered-events": {"task": "core.purge_delivered_events", "schedule": 60 * 60 * 6},
    "purge-guest-carts": {"task": "cart.purge_expired_guest_carts", "schedule": 60 * 60 * 24},
    "orders-expire-unpaid": {"task": "orders.expire_unpaid", "schedule": 60},
    "payments-reconcile-pending": {"task": "payments.reconcile_pending", "schedule": PAYMENT_RECONCILE_EVERY},
    "payments-resend-refunds": {"task": "payments.resend_refunds", "schedule": 5 * 60},
    "orders-complete-delivered": {"task": "orders.complete_delivered", "schedule": 60 * 60},
    "shipping-simulate-carriers": {"task": "shipping.simulate_carriers", "schedule": 30},
    "backup-database": {"task": "core.backup_database", "schedule": crontab(minute=0, hour=BACKUP_HOUR)},
}
# Outbox rows dispatched per relay round, and how long a Idempotency-Key is kept.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
IDEMPOTENCY_KEY_TTL = env.int("IDEMPOTENCY_KEY_TTL", default=60 * 60 * 24)
# Published outbox rows and handler receipts are kept this long, then purged.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=14)

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
        "login": env.str("THROTTLE_LOGIN", default="30/min"),
        "register": env.str("THROTTLE_REGISTER", default="20/hour"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="10/hour"),
        "order_create": env.str("THROTTLE_ORDER_CREATE", default="30/min"),
        "coupon_validate": env.str("THROTTLE_COUPON_VALIDATE", default="60/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "JSON API for mobile apps, SPAs and partners. Errors share one shape: "
    '`{"code": "...", "detail": "...", "fields": {...}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI's files are served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.add_error_responses",
    ],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
}

# --- Security ---------------------------------------------------------------------------
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env.bool("BEHIND_TLS_PROXY", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "console")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "console": {"format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "default": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        # The request log (one line per request) is written by RequestIdMiddleware;
        # Django's own would repeat it.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "shop.request": {"level": LOG_LEVEL},
        "shop.business": {"level": LOG_LEVEL},
    },
}
