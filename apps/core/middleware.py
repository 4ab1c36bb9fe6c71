import logging
import time

from apps.core.observability import new_request_id, request_id_var
from config.db_router import reset_primary_pin

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
    """Starts each request reading from replicas again (see config/db_router.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset_primary_pin()
        return self.get_response(request)
