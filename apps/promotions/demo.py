"""Demo promotions for `manage.py seed_demo`: 满减 tiers, a category sale, free shipping
and two coupons. Found again by name or code, so a second run changes nothing."""

from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from apps.promotions import services
from apps.promotions.models import Coupon, FreeShippingPromotion, PercentagePromotion, ThresholdPromotion

SALE_CATEGORY_SLUG = "headphones"
THRESHOLD_NAME = "满减 Spend more, save more"
SALE_NAME = "耳机 9 折 Headphones 10% off"
FREE_SHIPPING_NAME = "满 99 包邮 Free shipping over ¥99"
RUNS_FOR = timedelta(days=365)


def seed(*, stdout, verbosity: int = 1, **options) -> list[str]:
    starts_at = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    window = {"starts_at": starts_at, "ends_at": starts_at + RUNS_FOR}

    threshold, created = ThresholdPromotion.objects.get_or_create(name=THRESHOLD_NAME, defaults=window)
    if created:
        threshold.tiers.create(threshold=Decimal("200.00"), amount=Decimal("20.00"))
        threshold.tiers.create(threshold=Decimal("500.00"), amount=Decimal("60.00"))

    # Catalog's public API has no "category by slug" read; reading the id from its model
    # (never writing) keeps this app's imports of catalog to public.py.
    category = apps.get_model("catalog", "Category").objects.filter(slug=SALE_CATEGORY_SLUG).first()
    if category is not None:
        sale, created = PercentagePromotion.objects.get_or_create(
            name=SALE_NAME, defaults={**window, "percent": Decimal("10.00")}
        )
        if created:
            sale.categories.add(category)

    FreeShippingPromotion.objects.get_or_create(
        name=FREE_SHIPPING_NAME, defaults={**window, "threshold": Decimal("99.00")}
    )
    Coupon.objects.get_or_create(
        code="WELCOME20",
        defaults={
            **window,
            "name": "新人券 ¥20 off over ¥100",
            "kind": Coupon.Kind.FIXED,
            "value": Decimal("20.00"),
            "min_spend": Decimal("100.00"),
            "per_user_limit": 1,
        },
    )
    Coupon.objects.get_or_create(
        code="SAVE10",
        defaults={
            **window,
            "name": "10% off, at most ¥50",
            "kind": Coupon.Kind.PERCENT,
            "value": Decimal("10.00"),
            "cap": Decimal("50.00"),
            "per_user_limit": 3,
        },
    )
    services.promotion_rules_changed()
    if verbosity:
        stdout.write("Promotions: 满减 200-20 / 500-60, headphones 10% off, free shipping over ¥99.")
    return ["  Coupons: WELCOME20 (¥20 off over ¥100), SAVE10 (10% off, at most ¥50)"]
