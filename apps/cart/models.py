from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField


class Cart(models.Model):
    """A cart of the database store (the embedded default; Redis replaces it when configured)."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self):
        return self.key


class CartLine(models.Model):
    # The SKU is referenced by id only: catalog is read through apps.catalog.public,
    # and a SKU deleted from the catalog shows up as an unavailable line.
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart"))
    sku_id = models.PositiveBigIntegerField(_("SKU id"))
    quantity = models.PositiveIntegerField(_("quantity"))
    added_price = MoneyField(_("price when added"))

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku_id"], name="cart_line_unique_sku"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.sku_id} x {self.quantity}"
