import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

from apps.core.domain.exceptions import ServiceUnavailable
from apps.core.observability import new_request_id, request_id_var
from config.db_router import (
    PIN_COOKIE,
    pin_cookie_is_valid,
    pin_cookie_value,
    pin_to_primary,
    replica_aliases,
    reset_primary_pin,
    wrote_to_primary,
)

request_logger = logging.getLogger("shop.request")


class RequestIdMiddleware:
    """Tags the request with an id (X-Request-ID) and writes the request log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            request_logger.info(
                "%s %s %s %sms user=%s",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                user_id,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)


class DatabaseRoutingMiddleware:
    """Starts each request reading from replicas again, unless the client wrote a moment
    ago: a request that wrote hands out a signed pin cookie, and the client's requests
    read from the primary while it is valid (REPLICA_PIN_SECONDS), on every web node.
    See config/db_router.py. Without replicas it does nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset_primary_pin()
        if not replica_aliases() or settings.REPLICA_PIN_SECONDS <= 0:
            return self.get_response(request)
        if pin_cookie_is_valid(request.COOKIES.get(PIN_COOKIE)):
            pin_to_primary()
        response = self.get_response(request)
        if wrote_to_primary():
            response.set_cookie(
                PIN_COOKIE,
                pin_cookie_value(),
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


resilience_logger = logging.getLogger("shop.resilience")

# Errors that mean "the database cannot be reached right now" (down, restarting, the
# connection dropped), not "this query is wrong": those stay 500s.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


def service_unavailable_response(request, exception: BaseException | None):
    """A 503 for `exception` when it means a service is down, else None.

    Pages get a plain page that needs neither the database nor the cache, the API the
    usual error shape with a stable code; both say when to try again (Retry-After).
    """
    if isinstance(exception, ServiceUnavailable):
        code, detail = exception.code, gettext(exception.detail)
    elif isinstance(exception, DATABASE_UNREACHABLE):
        code, detail = ServiceUnavailable.code, gettext(ServiceUnavailable.default_detail)
    else:
        return None
    resilience_logger.warning(
        "%s %s answered 503 %s: %s: %s",
        request.method,
        request.path,
        code,
        type(exception).__name__,
        str(exception).strip()[:200],
        extra={"code": code, "path": request.path},
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": code, "detail": detail, "fields": {}}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(ServiceUnavailable.retry_after)
    return response


class ServiceUnavailableMiddleware:
    """Answers 503 instead of a 500 traceback when the database is unreachable (a restart,
    a failover) or a view says a service is down (ServiceUnavailable, e.g. the cart store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return service_unavailable_response(request, exception)
