from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.models import MoneyField, TimeStampedModel
from apps.promotions.domain import pricing

PERCENT_FIELD = {"max_digits": 5, "decimal_places": 2}


def _window_errors(starts_at, ends_at) -> dict:
    if starts_at and ends_at and ends_at <= starts_at:
        return {"ends_at": _("The end must be after the start.")}
    return {}


def _not_negative(instance, *names: str) -> dict:
    return {
        name: _("Enter an amount of zero or more.")
        for name in names
        if getattr(instance, name) is not None and getattr(instance, name) < 0
    }


def _percent_errors(value, name: str) -> dict:
    if value is not None and not 0 <= value <= 100:
        return {name: _("Enter a percentage from 0 to 100.")}
    return {}


def _window_constraint(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name=f"{prefix}_ends_after_start")


class Promotion(TimeStampedModel):
    """What every promotion has: a name, a validity window and an on/off switch."""

    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if errors := _window_errors(self.starts_at, self.ends_at):
            raise ValidationError(errors)


class ThresholdPromotion(Promotion):
    """满减: tiers such as "spend ¥200 get ¥20 off, spend ¥500 get ¥60 off"."""

    class Meta(Promotion.Meta):
        verbose_name = _("threshold promotion")
        verbose_name_plural = _("threshold promotions")
        constraints = [_window_constraint("threshold_promotion")]
        indexes = [models.Index(fields=["is_active", "ends_at"], name="threshold_promo_live_idx")]


class ThresholdTier(models.Model):
    promotion = models.ForeignKey(ThresholdPromotion, on_delete=models.CASCADE, related_name="tiers")
    threshold = MoneyField(_("spend at least"))
    amount = MoneyField(_("amount off"))

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=0), name="threshold_tier_threshold_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="threshold_tier_amount_not_negative"),
            models.CheckConstraint(condition=Q(amount__lte=F("threshold")), name="threshold_tier_amount_within"),
            models.UniqueConstraint(fields=["promotion", "threshold"], name="threshold_tier_unique"),
        ]

    def __str__(self):
        return f"{self.threshold} - {self.amount}"

    def clean(self):
        super().clean()
        errors = _not_negative(self, "threshold", "amount")
        if not errors and self.amount is not None and self.threshold is not None and self.amount > self.threshold:
            errors["amount"] = _("The amount off cannot be more than the spend it needs.")
        if errors:
            raise ValidationError(errors)


class PercentagePromotion(Promotion):
    """A percentage off the products, categories (with their subcategories) or brands chosen;
    with none chosen, off everything."""

    percent = models.DecimalField(_("percent off"), **PERCENT_FIELD)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+", verbose_name=_("products"))
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+", verbose_name=_("categories"))
    brands = models.ManyToManyField("catalog.Brand", blank=True, related_name="+", verbose_name=_("brands"))

    class Meta(Promotion.Meta):
        verbose_name = _("percentage promotion")
        verbose_name_plural = _("percentage promotions")
        constraints = [
            _window_constraint("percentage_promotion"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="percentage_promotion_percent_range"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "ends_at"], name="percentage_promo_live_idx")]

    def clean(self):
        errors = _percent_errors(self.percent, "percent")
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class FreeShippingPromotion(Promotion):
    threshold = MoneyField(_("goods total at least"))

    class Meta(Promotion.Meta):
        verbose_name = _("free shipping promotion")
        verbose_name_plural = _("free shipping promotions")
        constraints = [
            _window_constraint("free_shipping_promotion"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="free_shipping_threshold_not_negative"),
        ]
        indexes = [models.Index(fields=["is_active", "ends_at"], name="free_shipping_live_idx")]

    def clean(self):
        errors = _not_negative(self, "threshold")
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class Coupon(TimeStampedModel):
    class Kind(models.TextChoices):
        FIXED = pricing.COUPON_FIXED, _("fixed amount off")
        PERCENT = pricing.COUPON_PERCENT, _("percentage off")

    code = models.CharField(_("code"), max_length=40, help_text=_("Customers type it in any case."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIXED)
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, help_text=_("An amount in yuan, or a percentage from 0 to 100.")
    )
    cap = MoneyField(_("at most"), null=True, blank=True, help_text=_("The most a percentage coupon takes off."))
    min_spend = MoneyField(_("minimum spend"), default=0)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_active = models.BooleanField(_("active"), default=True)
    total_limit = models.PositiveIntegerField(
        _("total uses"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    per_user_limit = models.PositiveIntegerField(
        _("uses per customer"), null=True, blank=True, default=1, help_text=_("Leave empty for no limit.")
    )
    # Kept by coupon_redeem / coupon_release only: the conditional UPDATE on it is what
    # makes the total limit hold under concurrency.
    used_count = models.PositiveIntegerField(_("used"), default=0, editable=False)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+", verbose_name=_("products"))
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+", verbose_name=_("categories"))
    brands = models.ManyToManyField("catalog.Brand", blank=True, related_name="+", verbose_name=_("brands"))

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="coupon_code_unique_ci",
                violation_error_message=_("A coupon with this code exists."),
            ),
            _window_constraint("coupon"),
            models.CheckConstraint(condition=Q(value__gte=0), name="coupon_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind=pricing.COUPON_PERCENT) | Q(value__lte=100), name="coupon_percent_within_100"
            ),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(cap__gte=0), name="coupon_cap_not_negative"),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="coupon_min_spend_not_negative"),
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(used_count__lte=F("total_limit")),
                name="coupon_used_within_limit",
            ),
        ]

    def __str__(self):
        return self.code

    def clean(self):
        super().clean()
        errors = _window_errors(self.starts_at, self.ends_at)
        errors.update(_not_negative(self, "value", "cap", "min_spend"))
        if self.kind == self.Kind.PERCENT and "value" not in errors:
            errors.update(_percent_errors(self.value, "value"))
        if self.kind == self.Kind.FIXED and self.cap is not None:
            errors.setdefault("cap", _("Only a percentage coupon has a cap."))
        if errors:
            raise ValidationError(errors)


class CouponRedemption(models.Model):
    """One use of a coupon by one order; releasing it (order cancelled) gives the use back."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    order_reference = models.CharField(_("order"), max_length=64)
    created_at = models.DateTimeField(_("redeemed at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_reference"],
                condition=Q(released_at__isnull=True),
                name="coupon_redemption_one_per_order",
            ),
        ]
        indexes = [models.Index(fields=["coupon", "user"], name="coupon_redemption_user_idx")]

    def __str__(self):
        return f"{self.coupon_id} {self.order_reference}"
