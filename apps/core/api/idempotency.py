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
A request that fails (exception or 5xx) releases its key, so it can be retried. The
view's writes and the completed key commit in one transaction.
"""

import functools

from django.db import transaction
from rest_framework.response import Response

from apps.core.domain.exceptions import DomainError, gettext_noop
from apps.core.idempotency import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    request_fingerprint,
)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

__all__ = ["HEADER", "IdempotencyKeyInProgress", "IdempotencyKeyReused", "idempotent", "request_fingerprint"]


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    default_detail = gettext_noop("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


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
        done = idempotency_claim(
            scope=scope, key=key, fingerprint=fingerprint, method=request.method, path=request.path
        )
        if done is not None:
            return Response(done.response_body, status=done.response_status, headers={"Idempotent-Replayed": "true"})

        try:
            # The view's writes and the stored answer commit together: a crash or a lost
            # database between the two can neither leave an order without its key (a retry
            # would place a second one) nor a key answering for an order that rolled back.
            with transaction.atomic():
                response = view_method(view, request, *args, **kwargs)
                if response.status_code < 500:
                    idempotency_complete(scope=scope, key=key, status=response.status_code, body=response.data)
        except BaseException:
            idempotency_release(scope=scope, key=key)
            raise
        if response.status_code >= 500:
            idempotency_release(scope=scope, key=key)
        return response

    return wrapper
