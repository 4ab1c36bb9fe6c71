"""price_cart with the rules in the database, and coupon redemption limits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory
from apps.promotions import public, services
from apps.promotions.domain.exceptions import (
    CouponExpired,
    CouponLimitReached,
    CouponMinSpendNotMet,
    CouponNotFound,
    CouponNotStarted,
)
from apps.promotions.domain.pricing import Adjustment
from apps.promotions.models import Coupon, CouponRedemption
from apps.promotions.tests.factories import (
    CouponFactory,
    FreeShippingPromotionFactory,
    PercentagePromotionFactory,
    ThresholdPromotionFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def pricing_line(sku_id=1, *, price="100.00", qty=1, product_id=1, path="0001", brand_id=None):
    return public.PricingLine(
        sku_id=sku_id,
        product_id=product_id,
        category_path=path,
        brand_id=brand_id,
        unit_price=D(price),
        quantity=qty,
    )


def test_shipping_methods_are_standard_and_express():
    assert [(m.code, m.fee) for m in public.shipping_methods()] == [
        ("standard", D("10.00")),
        ("express", D("25.00")),
    ]


def test_price_cart_applies_every_live_promotion_and_the_shipping_method():
    # given
    parent = CategoryFactory(name="Audio")
    headphones = CategoryFactory(name="Headphones", parent=parent)
    brand = BrandFactory()
    product = ProductFactory(category=headphones, brand=brand)
    ThresholdPromotionFactory(name="满减", tiers=[("200", "20"), ("500", "60")])
    sale = PercentagePromotionFactory(name="Audio 10%", percent=D("10"))
    sale.categories.add(parent)
    FreeShippingPromotionFactory(threshold=D("999"))
    lines = [
        pricing_line(1, price="150.00", qty=2, product_id=product.pk, path=headphones.path, brand_id=brand.pk),
        pricing_line(2, price="80.00", path="9999"),
    ]

    # when
    breakdown = public.price_cart(lines=lines, shipping_method="express")

    # then: 380 - 30 (10% of the headphones) = 350 -> 满减 200-20 -> 330 + 25 express.
    assert breakdown.adjustments == (
        Adjustment("percentage", "Audio 10%", D("30.00")),
        Adjustment("threshold", "满减", D("20.00")),
    )
    assert (breakdown.shipping_fee, breakdown.shipping_discount) == (D("25.00"), D("0.00"))
    assert breakdown.total == D("355.00")
    assert breakdown.points_earned == 330


def test_price_cart_reads_the_rules_in_few_queries_and_then_from_the_cache(django_assert_max_num_queries):
    ThresholdPromotionFactory(tiers=[("100", "10")])
    for _ in range(3):
        sale = PercentagePromotionFactory()
        sale.brands.add(BrandFactory())
    FreeShippingPromotionFactory()

    with django_assert_max_num_queries(6):
        public.price_cart(lines=[pricing_line()])
    with django_assert_max_num_queries(0):
        again = public.price_cart(lines=[pricing_line()])

    assert again.discount_total == D("10.00")


def test_only_promotions_live_at_the_moment_priced_apply():
    now = timezone.now()
    ThresholdPromotionFactory(
        name="next week", starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=8), tiers=[("100", "30")]
    )
    ThresholdPromotionFactory(
        name="ended", starts_at=now - timedelta(days=8), ends_at=now - timedelta(seconds=1), tiers=[("100", "40")]
    )
    ThresholdPromotionFactory(name="switched off", is_active=False, tiers=[("100", "50")])
    ThresholdPromotionFactory(name="live", tiers=[("100", "5")])

    today = public.price_cart(lines=[pricing_line()], at=now)
    next_week = public.price_cart(lines=[pricing_line()], at=now + timedelta(days=7, minutes=1))

    assert [a.label for a in today.adjustments] == ["live"]
    assert [a.label for a in next_week.adjustments] == ["next week"]


def test_a_promotion_ending_inside_the_cache_bucket_ends_to_the_second():
    now = timezone.now().replace(second=0, microsecond=0)
    ThresholdPromotionFactory(
        name="flash", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(seconds=90), tiers=[("100", "10")]
    )

    before = public.price_cart(lines=[pricing_line()], at=now + timedelta(seconds=89))
    after = public.price_cart(lines=[pricing_line()], at=now + timedelta(seconds=90))

    assert before.discount_total == D("10.00")
    assert after.discount_total == D("0.00")


def test_changing_promotions_through_the_services_refreshes_the_cached_rules():
    public.price_cart(lines=[pricing_line()])
    ThresholdPromotionFactory(tiers=[("100", "10")])
    services.promotion_rules_changed()

    assert public.price_cart(lines=[pricing_line()]).discount_total == D("10.00")


def test_a_coupon_code_is_found_in_any_case_and_scoped():
    brand = BrandFactory()
    coupon = CouponFactory(code="Save10", kind=Coupon.Kind.PERCENT, value=D("10"), cap=D("50"))
    coupon.brands.add(brand)

    breakdown = public.price_cart(
        lines=[pricing_line(1, price="200.00", brand_id=brand.pk), pricing_line(2, price="100.00")],
        coupon_code=" save10 ",
    )

    assert breakdown.adjustments == (Adjustment("coupon", "Save10", D("20.00")),)
    assert (breakdown.coupon_code, breakdown.coupon_error) == ("Save10", None)


@pytest.mark.parametrize(
    ("coupon_fields", "code", "error"),
    [
        ({}, "NOPE", "coupon_not_found"),
        ({"is_active": False}, "C", "coupon_not_found"),
        ({"starts_at_days": 1}, "C", "coupon_not_started"),
        ({"ends_at_days": 0}, "C", "coupon_expired"),
        ({"total_limit": 3, "used_count": 3}, "C", "coupon_limit_reached"),
        ({"min_spend": D("500")}, "C", "coupon_min_spend_not_met"),
    ],
)
def test_an_unusable_coupon_prices_without_it_and_says_why(coupon_fields, code, error):
    now = timezone.now()
    fields = dict(coupon_fields)
    if "starts_at_days" in fields:
        fields["starts_at"] = now + timedelta(days=fields.pop("starts_at_days"))
    if "ends_at_days" in fields:
        fields["ends_at"] = now + timedelta(days=fields.pop("ends_at_days"))
        fields["starts_at"] = now - timedelta(days=2)
    CouponFactory(code="C", **fields)

    breakdown = public.price_cart(lines=[pricing_line()], coupon_code=code, at=now)

    assert breakdown.adjustments == ()
    assert (breakdown.coupon_code, breakdown.coupon_error) == (None, error)
    assert breakdown.total == D("110.00")


def test_a_customer_at_the_per_user_limit_is_told_so(user):
    CouponFactory(code="ONCE", per_user_limit=1)
    services.coupon_redeem(code="ONCE", user_id=user.pk, order_reference="o-1")

    mine = public.price_cart(lines=[pricing_line()], coupon_code="ONCE", user_id=user.pk)
    someone_else = public.price_cart(lines=[pricing_line()], coupon_code="ONCE", user_id=user.pk + 1000)

    assert mine.coupon_error == "coupon_limit_reached"
    assert someone_else.coupon_code == "ONCE"


def test_redeeming_counts_the_use_and_release_gives_it_back(user):
    coupon = CouponFactory(code="WELCOME20", total_limit=5)

    redeemed = public.coupon_redeem(code="welcome20", user_id=user.pk, order_reference="o-1")
    again = public.coupon_redeem(code="WELCOME20", user_id=user.pk, order_reference="o-1")

    assert redeemed == again == public.RedeemedCoupon(coupon.pk, "WELCOME20", user.pk, "o-1")
    coupon.refresh_from_db()
    assert coupon.used_count == 1

    assert public.coupon_release(order_reference="o-1") is True
    assert public.coupon_release(order_reference="o-1") is False
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert CouponRedemption.objects.get(order_reference="o-1").released_at is not None


def test_the_total_limit_stops_the_next_redemption():
    CouponFactory(code="TWO", total_limit=2, per_user_limit=None)
    user = UserFactory()
    services.coupon_redeem(code="TWO", user_id=user.pk, order_reference="o-1")
    services.coupon_redeem(code="TWO", user_id=user.pk, order_reference="o-2")

    with pytest.raises(CouponLimitReached):
        services.coupon_redeem(code="TWO", user_id=user.pk, order_reference="o-3")

    assert Coupon.objects.get(code="TWO").used_count == 2


def test_the_per_user_limit_counts_only_uses_not_released(user, other_user):
    CouponFactory(code="TWICE", per_user_limit=2)
    services.coupon_redeem(code="TWICE", user_id=user.pk, order_reference="o-1")
    services.coupon_redeem(code="TWICE", user_id=user.pk, order_reference="o-2")

    with pytest.raises(CouponLimitReached):
        services.coupon_redeem(code="TWICE", user_id=user.pk, order_reference="o-3")
    services.coupon_redeem(code="TWICE", user_id=other_user.pk, order_reference="o-4")
    services.coupon_release(order_reference="o-1")
    services.coupon_redeem(code="TWICE", user_id=user.pk, order_reference="o-5")

    assert Coupon.objects.get(code="TWICE").used_count == 3


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"starts_at": timezone.now() + timedelta(days=1)}, CouponNotStarted),
        ({"starts_at": timezone.now() - timedelta(days=2), "ends_at": timezone.now()}, CouponExpired),
        ({"is_active": False}, CouponNotFound),
    ],
)
def test_redeeming_outside_the_window_or_switched_off_is_refused(user, fields, error):
    CouponFactory(code="C", **fields)

    with pytest.raises(error):
        services.coupon_redeem(code="C", user_id=user.pk, order_reference="o-1", at=timezone.now())

    assert not CouponRedemption.objects.exists()


def test_redeeming_a_coupon_the_priced_breakdown_refused_raises_its_error(user):
    CouponFactory(code="BIG", min_spend=D("500"))
    breakdown = public.price_cart(lines=[pricing_line()], coupon_code="BIG", user_id=user.pk)

    with pytest.raises(CouponMinSpendNotMet):
        services.coupon_redeem(code="BIG", user_id=user.pk, order_reference="o-1", breakdown=breakdown)

    assert Coupon.objects.get(code="BIG").used_count == 0
