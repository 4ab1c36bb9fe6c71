from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class StockQuerySet(models.QuerySet):
    """Stock levels as queries: the same rules as Stock.is_sold_out and Stock.is_low."""

    def sold_out(self):
        return self.filter(on_hand__lte=F("reserved"))

    def not_sold_out(self):
        return self.filter(on_hand__gt=F("reserved"))

    def low(self):
        """At or below the low-stock threshold, sold out included (where StockLow fires)."""
        return self.filter(on_hand__lte=F("reserved") + F("low_stock_threshold"))

    def running_low(self):
        """Low, but some units can still be bought."""
        return self.low().not_sold_out()

    def above_threshold(self):
        return self.filter(on_hand__gt=F("reserved") + F("low_stock_threshold"))


class Stock(models.Model):
    """Units of one SKU: on hand, and reserved by unpaid orders. The database keeps
    reserved <= on_hand and both >= 0, whatever the code does."""

    sku = models.OneToOneField(
        "catalog.SKU", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("SKU")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)
    version = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StockQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    def __str__(self):
        return f"{self.sku}: {self.available}/{self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_sold_out(self) -> bool:
        return self.available <= 0

    @property
    def is_low(self) -> bool:
        """At or below the threshold, sold out included: the level StockLow announces."""
        return self.available <= self.low_stock_threshold


class StockMovement(models.Model):
    """One change of stock: the ledger that explains every number in Stock."""

    class Reason(models.TextChoices):
        RESERVE = "reserve", _("reserved for an order")
        COMMIT = "commit", _("shipped from a paid order")
        RELEASE = "release", _("reservation released")
        ADJUST = "adjust", _("adjusted by staff")
        RECEIVE = "receive", _("goods received")
        RETURN = "return", _("goods returned")

    sku = models.ForeignKey("catalog.SKU", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    delta_on_hand = models.IntegerField(_("change on hand"))
    delta_reserved = models.IntegerField(_("change reserved"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sku", "-created_at"], name="movement_sku_idx"),
            models.Index(fields=["reference"], name="movement_reference_idx"),
        ]

    def __str__(self):
        return f"{self.sku_id} {self.reason} {self.delta_on_hand:+d}/{self.delta_reserved:+d}"
