import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class MoneyField(models.DecimalField):
    """An amount in the shop's currency: Decimal with two places."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class OutboxMessage(models.Model):
    """A domain event recorded in the same transaction as the change that caused it.

    The relay (apps.core.outbox.relay_pending) sends one Celery task per subscriber
    and stamps `published_at`. `message_id` is what handlers deduplicate on.
    """

    id = models.BigAutoField(primary_key=True)
    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=200)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay's scan: pending rows in id order, tiny once most are published.
            models.Index(fields=["id"], condition=models.Q(published_at__isnull=True), name="outbox_pending_idx"),
            models.Index(fields=["topic", "occurred_at"], name="outbox_topic_idx"),
        ]

    def __str__(self):
        return f"{self.topic} {self.message_id}"


class ProcessedMessage(models.Model):
    """One row per (message, handler) that has taken effect: makes delivery idempotent."""

    message_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processed message")
        verbose_name_plural = _("processed messages")
        constraints = [
            models.UniqueConstraint(fields=["message_id", "handler"], name="processed_message_once"),
        ]

    def __str__(self):
        return f"{self.handler} {self.message_id}"


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an Idempotency-Key, per client scope."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")]

    def __str__(self):
        return f"{self.scope} {self.key}"
