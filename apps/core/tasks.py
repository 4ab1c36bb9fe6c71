from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.core import outbox
from apps.core.models import IdempotencyKey


@shared_task(name="core.relay_outbox", acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    return outbox.relay_pending()


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
