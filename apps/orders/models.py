import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField, TimeStampedModel
from apps.orders.domain.exceptions import PaymentAmountMismatch
from apps.orders.domain.status import IllegalTransition, OrderStatus, can_transition, ensure_transition


def new_order_number(now=None) -> str:
    """Date first (customers and staff read it), then 8 random digits (not guessable, not a count)."""
    now = now or timezone.now()
    return f"{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


class Order(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING_PAYMENT = OrderStatus.PENDING_PAYMENT.value, _("pending payment")
        PAID = OrderStatus.PAID.value, _("paid")
        SHIPPED = OrderStatus.SHIPPED.value, _("shipped")
        COMPLETED = OrderStatus.COMPLETED.value, _("completed")
        CANCELLED = OrderStatus.CANCELLED.value, _("cancelled")
        REFUNDED = OrderStatus.REFUNDED.value, _("refunded")
        PARTIALLY_REFUNDED = OrderStatus.PARTIALLY_REFUNDED.value, _("partially refunded")

    number = models.CharField(_("number"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT)

    # The delivery address as it was at placement: editing the address book later
    # must not move a parcel that is already on its way.
    recipient = models.CharField(_("recipient"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30)
    street = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)

    shipping_method = models.CharField(_("shipping method"), max_length=30)
    subtotal = MoneyField(_("subtotal"))
    discount_total = MoneyField(_("discount"))
    shipping_fee = MoneyField(_("shipping fee"))
    shipping_discount = MoneyField(_("shipping discount"))
    total = MoneyField(_("total"))
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    coupon_code = models.CharField(_("coupon code"), max_length=40, blank=True)
    breakdown = models.JSONField(_("price breakdown"), encoder=DjangoJSONEncoder, default=dict)

    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    payment_deadline = models.DateTimeField(_("pay by"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The provider's code ("alipay", "wechat_pay", ...) as the payments app names it.
    payment_provider = models.CharField(_("payment provider"), max_length=20, blank=True, default="")
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # When the carrier delivered the parcel (shipping's ShipmentDelivered): the order
    # completes ORDER_AUTO_COMPLETE_DAYS later unless the customer confirms receipt first.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "-placed_at"], name="order_user_placed_idx"),
            models.Index(fields=["status", "payment_deadline"], name="order_status_deadline_idx"),
            # The daily auto-complete: shipped orders delivered before a cut-off.
            models.Index(fields=["status", "delivered_at"], name="order_status_delivered_idx"),
        ]

    def __str__(self):
        return self.number

    def cancel(self, *, at=None) -> None:
        ensure_transition(self.status, OrderStatus.CANCELLED)
        self.status = self.Status.CANCELLED
        self.cancelled_at = at or timezone.now()

    def mark_paid(self, *, amount, provider: str, at=None) -> None:
        """The money came in: only an unpaid order, and only its exact total."""
        ensure_transition(self.status, OrderStatus.PAID)
        if amount != self.total:
            raise PaymentAmountMismatch(expected=self.total, received=amount)
        self.status = self.Status.PAID
        self.paid_at = at or timezone.now()
        self.payment_provider = provider

    def mark_shipped(self, *, at=None) -> None:
        ensure_transition(self.status, OrderStatus.SHIPPED)
        self.status = self.Status.SHIPPED
        self.shipped_at = at or timezone.now()

    @property
    def can_complete(self) -> bool:
        """Shipped and not completed yet; a partly refunded order too, once it shipped."""
        if not can_transition(self.status, OrderStatus.COMPLETED):
            return False
        if self.status == OrderStatus.PARTIALLY_REFUNDED:
            return self.shipped_at is not None and self.completed_at is None
        return True

    def complete(self, *, at=None) -> None:
        if not self.can_complete:
            raise IllegalTransition(self.status, OrderStatus.COMPLETED)
        self.status = self.Status.COMPLETED
        self.completed_at = at or timezone.now()


class OrderLine(models.Model):
    """One line as it was sold: names, code and prices are copies, so they never change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    # A plain id, not a foreign key: catalog may delete or renumber SKUs; the snapshot stays.
    sku_id = models.PositiveBigIntegerField(_("SKU id"), null=True, blank=True)
    product_id = models.PositiveBigIntegerField(_("product id"))
    product_name = models.CharField(_("product name"), max_length=200)
    sku_code = models.CharField(_("SKU code"), max_length=64)
    attributes = models.TextField(_("attributes"), blank=True)
    unit_price = MoneyField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_discount = MoneyField(_("line discount"))
    line_total = MoneyField(_("line total"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(line_total__gte=0), name="order_line_total_not_negative"),
        ]

    def __str__(self):
        return f"{self.sku_code} x {self.quantity}"
