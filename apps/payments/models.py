from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField, TimeStampedModel
from apps.payments.domain.status import PaymentStatus, RefundStatus


class Provider(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")


class Payment(TimeStampedModel):
    """One attempt to pay one order with one provider (an order may see several)."""

    class Status(models.TextChoices):
        PENDING = PaymentStatus.PENDING.value, _("pending")
        SUCCEEDED = PaymentStatus.SUCCEEDED.value, _("succeeded")
        FAILED = PaymentStatus.FAILED.value, _("failed")
        CLOSED = PaymentStatus.CLOSED.value, _("closed")

    # A link by string to orders (to the left), plus the number as the providers see it.
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))
    order_number = models.CharField(_("order number"), max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    amount = MoneyField(_("amount"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    out_trade_no = models.CharField(_("merchant trade number"), max_length=64, unique=True)
    provider_trade_no = models.CharField(_("provider trade number"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The sum of the refunds holding part of this payment (requested, processing or
    # succeeded), kept under the payment's row lock: the cap that no refund may pass.
    refund_held = MoneyField(_("held by refunds"))
    refunded = MoneyField(_("refunded"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refund_held__gte=0) & Q(refund_held__lte=models.F("amount")),
                name="payment_refunds_within_amount",
            ),
            models.CheckConstraint(condition=Q(refunded__lte=models.F("refund_held")), name="payment_refunded_held"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_created_idx"),
            models.Index(fields=["provider", "status"], name="payment_provider_status_idx"),
        ]

    def __str__(self):
        return self.out_trade_no


class PaymentNotification(models.Model):
    """Every notification a provider sent, raw, whatever became of it (audit and replay)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        DUPLICATE = "duplicate", _("duplicate")
        REJECTED = "rejected", _("rejected")

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("payment"),
    )
    out_trade_no = models.CharField(_("merchant trade number"), max_length=64, blank=True, db_index=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.TextField(_("body"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)  # a stable code, e.g. bad_signature
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.provider} {self.out_trade_no or '?'} {self.outcome}"


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = RefundStatus.REQUESTED.value, _("requested")
        PROCESSING = RefundStatus.PROCESSING.value, _("processing")
        SUCCEEDED = RefundStatus.SUCCEEDED.value, _("succeeded")
        FAILED = RefundStatus.FAILED.value, _("failed")
        REJECTED = RefundStatus.REJECTED.value, _("rejected")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    order_number = models.CharField(_("order number"), max_length=32, db_index=True)
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    out_refund_no = models.CharField(_("merchant refund number"), max_length=64, unique=True)
    provider_refund_no = models.CharField(_("provider refund number"), max_length=64, blank=True)
    # Goods come back: their stock returns when the refund succeeds. `lines` says which
    # ([{"sku_id": int, "quantity": int}]); empty with return_goods means every line.
    return_goods = models.BooleanField(_("goods returned"), default=False)
    lines = models.JSONField(_("returned lines"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="refunds_requested",
        verbose_name=_("requested by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds_approved",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [models.Index(fields=["status", "created_at"], name="refund_status_created_idx")]

    def __str__(self):
        return self.out_refund_no


# --- The simulated providers' own records (apps/payments/sandbox) -----------------------
# What Alipay's and WeChat Pay's servers would keep on their side. The shop's code never
# reads these: it asks the sandbox through the gateways, as it would ask the real ones.


class SandboxTrade(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the buyer")
        SUCCEEDED = "succeeded", _("paid")
        FAILED = "failed", _("payment failed")
        CLOSED = "closed", _("closed")

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    merchant_id = models.CharField(_("merchant id"), max_length=32)  # Alipay app_id, WeChat mchid
    app_id = models.CharField(_("app id"), max_length=32, blank=True)  # WeChat appid
    out_trade_no = models.CharField(_("merchant trade number"), max_length=64)
    trade_no = models.CharField(_("provider trade number"), max_length=64, unique=True)
    amount = MoneyField(_("amount"))
    subject = models.CharField(_("subject"), max_length=256)
    notify_url = models.URLField(_("notify URL"), max_length=500)
    return_url = models.URLField(_("return URL"), max_length=500, blank=True)
    # The cashier page's address carries it: whoever has the link may pay, as with a real cashier.
    token = models.CharField(_("cashier token"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Set from the cashier page (or a test): refunds of this trade are refused.
    fail_refunds = models.BooleanField(_("refuse refunds"), default=False)
    notify_attempts = models.PositiveIntegerField(_("notification attempts"), default=0)
    notified_at = models.DateTimeField(_("merchant acknowledged at"), null=True, blank=True)
    last_notify_error = models.CharField(_("last notification error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "merchant_id", "out_trade_no"], name="sandbox_trade_unique_per_merchant"
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.out_trade_no}"


class SandboxRefund(models.Model):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds", verbose_name=_("trade"))
    out_refund_no = models.CharField(_("merchant refund number"), max_length=64)
    refund_no = models.CharField(_("provider refund number"), max_length=64, unique=True)
    amount = MoneyField(_("amount"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["trade", "out_refund_no"], name="sandbox_refund_unique_per_trade"),
        ]

    def __str__(self):
        return self.out_refund_no
