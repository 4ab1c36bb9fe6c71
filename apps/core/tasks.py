from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.core import outbox
from apps.core.backup import backup_create
from apps.core.models import IdempotencyKey, OutboxMessage, ProcessedMessage


@shared_task(name="core.relay_outbox", acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    return outbox.relay_pending()


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(name="core.purge_delivered_events", ignore_result=True)
def purge_delivered_events() -> int:
    """Published outbox rows and handler receipts older than the retention period.

    A receipt must outlive any redelivery of its message; brokers give up on a
    message within hours, so days of retention are plenty.
    """
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted_messages, _ = OutboxMessage.objects.filter(published_at__lt=cutoff).delete()
    deleted_receipts, _ = ProcessedMessage.objects.filter(processed_at__lt=cutoff).delete()
    return deleted_messages + deleted_receipts


@shared_task(name="core.backup_database", ignore_result=True)
def backup_database() -> str:
    """Beat's daily backup at BACKUP_HOUR: what `manage.py backup` does, with BACKUP_DIR
    and BACKUP_KEEP. A worker lost mid-dump leaves no file under a backup's name, and the
    task comes back (late acks) and dumps again; a failure raises into the worker's log."""
    return str(backup_create().path)
