from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.promotions.models import Coupon, FreeShippingPromotion, PercentagePromotion, ThresholdPromotion


def _window():
    now = timezone.now()
    return {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30)}


class WindowMixin(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    starts_at = factory.LazyFunction(lambda: _window()["starts_at"])
    ends_at = factory.LazyFunction(lambda: _window()["ends_at"])


class ThresholdPromotionFactory(WindowMixin):
    class Meta:
        model = ThresholdPromotion
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"满减 {n}")

    @factory.post_generation
    def tiers(obj, create, extracted, **kwargs):
        for threshold, amount in extracted or ():
            obj.tiers.create(threshold=Decimal(threshold), amount=Decimal(amount))


class PercentagePromotionFactory(WindowMixin):
    class Meta:
        model = PercentagePromotion

    name = factory.Sequence(lambda n: f"Sale {n}")
    percent = Decimal("10.00")


class FreeShippingPromotionFactory(WindowMixin):
    class Meta:
        model = FreeShippingPromotion

    name = factory.Sequence(lambda n: f"Free shipping {n}")
    threshold = Decimal("99.00")


class CouponFactory(WindowMixin):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = Coupon.Kind.FIXED
    value = Decimal("20.00")
    min_spend = Decimal("0.00")
    per_user_limit = 1
