"""Reports' own read tables, built from other apps' events (and rebuilt from their data).

Nothing here is the authority for anything: the orders and payments tables are. The
roll-up can be dropped and rebuilt for any range of days (`manage.py reports_rebuild`).
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField

ZERO = Decimal("0.00")


class DailySales(models.Model):
    """The whole shop on one day (local time): the dashboard's KPIs and daily chart.

    Orders count once here, whatever their number of products: placed on their placement
    day, paid on their paid day. Revenue, discounts and units equal the sums of the day's
    DailyProductSales rows; shipping is what the paid orders charged beyond the goods.
    """

    day = models.DateField(_("day"), unique=True)
    placed_orders = models.PositiveIntegerField(_("orders placed"), default=0)
    paid_orders = models.PositiveIntegerField(_("orders paid"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = MoneyField(_("revenue"), default=ZERO)
    discounts = MoneyField(_("discounts"), default=ZERO)
    shipping = MoneyField(_("shipping"), default=ZERO)
    refunds = MoneyField(_("refunds"), default=ZERO)
    refund_count = models.PositiveIntegerField(_("refunds made"), default=0)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        ordering = ["day"]

    def __str__(self):
        return str(self.day)


class DailyProductSales(models.Model):
    """The roll-up: per day, product, category and payment provider.

    `orders` counts the paid orders that had the product (an order of two products
    counts once in each product's row); `refunds` is money given back that day for
    orders of the product, whenever they were paid. Unknown category is 0 and unknown
    provider "" (no NULLs: the unique key must hold).
    """

    day = models.DateField(_("day"))
    product_id = models.PositiveBigIntegerField(_("product id"))
    category_id = models.PositiveBigIntegerField(_("category id"))
    provider = models.CharField(_("payment provider"), max_length=20)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = MoneyField(_("revenue"), default=ZERO)
    discounts = MoneyField(_("discounts"), default=ZERO)
    refunds = MoneyField(_("refunds"), default=ZERO)

    class Meta:
        verbose_name = _("daily product sales")
        verbose_name_plural = _("daily product sales")
        ordering = ["day", "product_id"]
        constraints = [
            # The handlers' upsert key. Its index, day first, also serves the dashboard's
            # scans of a range of days (top products, by category, by provider).
            models.UniqueConstraint(
                fields=["day", "product_id", "category_id", "provider"], name="reports_daily_product_key"
            ),
        ]
        indexes = [
            # One product's history (a product report, the rebuild's checks).
            models.Index(fields=["product_id", "day"], name="reports_product_day_idx"),
        ]

    def __str__(self):
        return f"{self.day} product {self.product_id} {self.provider}"


class DailyProductTotals(models.Model):
    """The roll-up summed per product (over categories and providers): the dashboard's
    top products read one row per product and day instead of one per provider too. Kept
    with DailyProductSales, in the same transactions, and always equal to its sums."""

    day = models.DateField(_("day"))
    product_id = models.PositiveBigIntegerField(_("product id"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = MoneyField(_("revenue"), default=ZERO)
    discounts = MoneyField(_("discounts"), default=ZERO)
    refunds = MoneyField(_("refunds"), default=ZERO)

    class Meta:
        verbose_name = _("daily product totals")
        verbose_name_plural = _("daily product totals")
        ordering = ["day", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "product_id"], name="reports_daily_product_totals_key"),
        ]

    def __str__(self):
        return f"{self.day} product {self.product_id}"


class DailyCategorySales(models.Model):
    """The roll-up summed per category and provider: per day, at most categories x providers
    rows whatever the number of products, so the dashboard's doughnuts read a few hundred
    rows for a month instead of the products' thousands. Kept with DailyProductSales, in
    the same transactions, and always equal to its sums."""

    day = models.DateField(_("day"))
    category_id = models.PositiveBigIntegerField(_("category id"))
    provider = models.CharField(_("payment provider"), max_length=20)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = MoneyField(_("revenue"), default=ZERO)
    discounts = MoneyField(_("discounts"), default=ZERO)
    refunds = MoneyField(_("refunds"), default=ZERO)

    class Meta:
        verbose_name = _("daily category sales")
        verbose_name_plural = _("daily category sales")
        ordering = ["day", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "category_id", "provider"], name="reports_daily_category_key"),
        ]

    def __str__(self):
        return f"{self.day} category {self.category_id} {self.provider}"


class PaidOrder(models.Model):
    """An order as the roll-up counted it.

    Its row is inserted in the same transaction as the order's increments, so an order
    counts once however many times (and by whichever handler) it arrives; refunds find
    here the provider and the products to spread over. `sales` holds
    [product_id, category_id, quantity, revenue, discount] per product.
    """

    number = models.CharField(_("order number"), max_length=32, unique=True)
    order_id = models.PositiveBigIntegerField(_("order id"))
    paid_on = models.DateField(_("paid on"), db_index=True)
    provider = models.CharField(_("payment provider"), max_length=20)
    sales = models.JSONField(_("sales"), default=list)

    class Meta:
        verbose_name = _("paid order")
        verbose_name_plural = _("paid orders")

    def __str__(self):
        return self.number


class Dashboard(DailySales):
    """The back office's sales dashboard (no table of its own): a model only so that the
    admin lists it under Reports and a permission (reports.view_dashboard) guards it."""

    class Meta:
        proxy = True
        verbose_name = _("sales dashboard")
        verbose_name_plural = _("sales dashboard")
        default_permissions = ("view",)
