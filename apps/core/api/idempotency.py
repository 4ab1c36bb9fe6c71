"""Idempotency-Key for unsafe API requests (the IETF draft, as Stripe does it).

Decorate a DRF view method with `@idempotent`. For an authenticated client sending
the header:
- the first request runs and its response (status < 500) is stored for the key;
- a retry with the same key and the same body gets the stored response again, with
  `Idempotent-Replayed: true`;
- the same key with another body is refused with 422 (`idempotency_key_reused`);
- a retry while the first is still running is refused with 409
  (`idempotency_key_in_progress`).
Keys are scoped to the user and kept IDEMPOTENCY_KEY_TTL seconds (24 h by default).
A request that fails (exception or 5xx) releases its key, so it can be retried.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from apps.core.domain.exceptions import DomainError, gettext_noop
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    default_detail = gettext_noop("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422
    default_detail = gettext_noop("This Idempotency-Key was already used with a different request body.")


class IdempotencyKeyInProgress(DomainError):
    code = "idempotency_key_in_progress"
    http_status = 409
    default_detail = gettext_noop("A request with this Idempotency-Key is still being processed.")


def request_fingerprint(method: str, path: str, data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def idempotent(view_method):
    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isascii() or not key.isprintable():
            raise InvalidIdempotencyKey()

        scope = f"user:{request.user.pk}"
        fingerprint = request_fingerprint(request.method, request.path, request.data)
        expired_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
        IdempotencyKey.objects.filter(scope=scope, key=key, created_at__lt=expired_before).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, method=request.method, path=request.path[:500]
                )
        except IntegrityError:
            return _replay(scope=scope, key=key, fingerprint=fingerprint)

        try:
            response = view_method(view, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
            return response
        record.status = IdempotencyKey.Status.COMPLETED
        record.response_status = response.status_code
        record.response_body = response.data
        record.completed_at = timezone.now()
        record.save(update_fields=["status", "response_status", "response_body", "completed_at"])
        return response

    return wrapper


def _replay(*, scope: str, key: str, fingerprint: str) -> Response:
    record = IdempotencyKey.objects.get(scope=scope, key=key)
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.status == IdempotencyKey.Status.IN_PROGRESS:
        raise IdempotencyKeyInProgress()
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})
