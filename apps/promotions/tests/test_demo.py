import io

import pytest

from apps.promotions import demo
from apps.promotions.models import Coupon, FreeShippingPromotion, PercentagePromotion, ThresholdPromotion

pytestmark = pytest.mark.django_db


def test_the_demo_promotions_are_made_once():
    from apps.catalog.tests.factories import CategoryFactory

    CategoryFactory(name="Headphones", slug=demo.SALE_CATEGORY_SLUG)

    first = demo.seed(stdout=io.StringIO())
    again = demo.seed(stdout=io.StringIO())

    assert first == again == ["  Coupons: WELCOME20 (¥20 off over ¥100), SAVE10 (10% off, at most ¥50)"]
    assert list(ThresholdPromotion.objects.get().tiers.values_list("threshold", "amount")) == [
        (200, 20),
        (500, 60),
    ]
    assert PercentagePromotion.objects.get().categories.get().slug == demo.SALE_CATEGORY_SLUG
    assert FreeShippingPromotion.objects.count() == 1
    assert sorted(Coupon.objects.values_list("code", flat=True)) == ["SAVE10", "WELCOME20"]
