import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

from apps.core.middleware import service_unavailable_response

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """The process is alive and serving. Checks nothing else, on purpose."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """Ready for traffic: the database, the cache and (when configured) the broker answer."""
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.BROKER_CONFIGURED:
        checks["broker"] = _check_broker
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = "unavailable"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return what was written")


def _check_broker():
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": "Not found.", "fields": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # A database that cannot be reached from a middleware (the session, the signed-in
    # user) lands here rather than in ServiceUnavailableMiddleware: still a 503.
    unavailable = service_unavailable_response(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": "Server error.", "fields": {}}, status=500)
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "detail": "Permission denied.", "fields": {}}, status=403)
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "bad_request", "detail": "Bad request.", "fields": {}}, status=400)
    return render(request, "400.html", status=400)
