"""Idempotency keys without HTTP framework: claim a key, then complete or release it.

The API's `@idempotent` (apps.core.api.idempotency) and the checkout page both use it,
so a double-clicked "Place order" and a retried API call behave the same way: the
first request runs, a repeat gets the first outcome, a repeat while the first is
still running is told so.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.domain.exceptions import DomainError, gettext_noop
from apps.core.models import IdempotencyKey

ABANDONED_AFTER = timedelta(minutes=2)


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


def idempotency_claim(*, scope: str, key: str, fingerprint: str, method: str, path: str) -> IdempotencyKey | None:
    """Claim the key for a request about to run, or return the finished record to replay.

    Returns None when this request owns the key now (run it, then complete or release).
    Raises IdempotencyKeyReused (another body) or IdempotencyKeyInProgress (the first
    request is still running). The claim commits on its own, outside any transaction
    of the work, so a concurrent repeat sees it at once.
    """
    now = timezone.now()
    IdempotencyKey.objects.filter(
        scope=scope, key=key, created_at__lt=now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    ).delete()
    # A claim still "in progress" long after any request could still run (gunicorn kills a
    # worker after 30 s) belongs to a request that died: it must not block retries for a day.
    IdempotencyKey.objects.filter(
        scope=scope, key=key, status=IdempotencyKey.Status.IN_PROGRESS, created_at__lt=now - ABANDONED_AFTER
    ).delete()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, method=method, path=path[:500]
                )
        except IntegrityError:
            record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if record is None:
                continue  # the request holding the key failed and released it meanwhile: claim it again
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            if record.status == IdempotencyKey.Status.IN_PROGRESS:
                raise IdempotencyKeyInProgress() from None
            return record
        return None
    raise IdempotencyKeyInProgress()  # taken and released again each time: the client retries later


def idempotency_complete(*, scope: str, key: str, status: int, body) -> None:
    IdempotencyKey.objects.filter(scope=scope, key=key).update(
        status=IdempotencyKey.Status.COMPLETED, response_status=status, response_body=body, completed_at=timezone.now()
    )


def idempotency_release(*, scope: str, key: str) -> None:
    """Forget a claim whose request failed, so that it can be retried."""
    IdempotencyKey.objects.filter(scope=scope, key=key, status=IdempotencyKey.Status.IN_PROGRESS).delete()
