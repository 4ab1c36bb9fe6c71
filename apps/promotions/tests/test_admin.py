"""The back office for promotions and coupons: pages, and validation shown as form errors."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.promotions import public
from apps.promotions.models import Coupon, PercentagePromotion, ThresholdPromotion
from apps.promotions.tests.factories import (
    CouponFactory,
    FreeShippingPromotionFactory,
    PercentagePromotionFactory,
    ThresholdPromotionFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/promotions/"
WINDOW = {
    "starts_at_0": "2026-01-01",
    "starts_at_1": "00:00:00",
    "ends_at_0": "2026-12-31",
    "ends_at_1": "23:59:59",
}
BACKWARDS = {**WINDOW, "ends_at_0": "2025-12-31"}
NO_TIERS = {"tiers-TOTAL_FORMS": "0", "tiers-INITIAL_FORMS": "0", "tiers-MIN_NUM_FORMS": "1"}
NO_REDEMPTIONS = {"redemptions-TOTAL_FORMS": "0", "redemptions-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def form_errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


def test_every_list_and_form_page_works(admin_client):
    threshold = ThresholdPromotionFactory(tiers=[("200", "20")])
    percentage = PercentagePromotionFactory()
    free = FreeShippingPromotionFactory()
    coupon = CouponFactory(total_limit=10)
    public.coupon_redeem(code=coupon.code, user_id=UserFactory().pk, order_reference="o-1")

    for path, pk in [
        ("thresholdpromotion", threshold.pk),
        ("percentagepromotion", percentage.pk),
        ("freeshippingpromotion", free.pk),
        ("coupon", coupon.pk),
    ]:
        for page in (f"{ADMIN}{path}/", f"{ADMIN}{path}/add/", f"{ADMIN}{path}/{pk}/change/"):
            assert admin_client.get(page).status_code == 200, page


def test_the_coupon_list_shows_uses_against_the_limit(admin_client):
    coupon = CouponFactory(code="FIRST10", total_limit=10)
    CouponFactory(code="OPEN", total_limit=None)
    public.coupon_redeem(code="FIRST10", user_id=UserFactory().pk, order_reference="o-1")

    page = admin_client.get(f"{ADMIN}coupon/").content.decode()

    assert "1 / 10" in page
    assert "0 / ∞" in page
    assert Coupon.objects.get(pk=coupon.pk).used_count == 1


def test_a_threshold_promotion_is_saved_with_its_tiers(admin_client):
    data = {
        "name": "满减",
        "is_active": "on",
        **WINDOW,
        "tiers-TOTAL_FORMS": "2",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "1",
        "tiers-0-threshold": "200",
        "tiers-0-amount": "20",
        "tiers-1-threshold": "500",
        "tiers-1-amount": "60",
    }

    response = admin_client.post(f"{ADMIN}thresholdpromotion/add/", data)

    assert response.status_code == 302
    promotion = ThresholdPromotion.objects.get()
    assert list(promotion.tiers.values_list("threshold", "amount")) == [
        (Decimal("200.00"), Decimal("20.00")),
        (Decimal("500.00"), Decimal("60.00")),
    ]


def test_a_tier_taking_off_more_than_it_needs_is_a_form_error(admin_client):
    data = {
        "name": "满减",
        **WINDOW,
        "tiers-TOTAL_FORMS": "1",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "1",
        "tiers-0-threshold": "100",
        "tiers-0-amount": "-5",
    }

    response = admin_client.post(f"{ADMIN}thresholdpromotion/add/", data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {
        "amount": ["Enter an amount of zero or more."]
    }
    assert not ThresholdPromotion.objects.exists()


def test_a_promotion_ending_before_it_starts_is_a_form_error(admin_client):
    response = admin_client.post(f"{ADMIN}freeshippingpromotion/add/", {"name": "包邮", "threshold": "99", **BACKWARDS})

    assert response.status_code == 200
    assert form_errors(response) == {"ends_at": ["The end must be after the start."]}


@pytest.mark.parametrize("percent", ["-1", "100.01"])
def test_a_percentage_outside_0_to_100_is_a_form_error(admin_client, percent):
    response = admin_client.post(f"{ADMIN}percentagepromotion/add/", {"name": "Sale", "percent": percent, **WINDOW})

    assert response.status_code == 200
    assert form_errors(response)["percent"] == ["Enter a percentage from 0 to 100."]
    assert not PercentagePromotion.objects.exists()


def test_a_negative_free_shipping_threshold_is_a_form_error(admin_client):
    response = admin_client.post(f"{ADMIN}freeshippingpromotion/add/", {"name": "包邮", "threshold": "-1", **WINDOW})

    assert form_errors(response) == {"threshold": ["Enter an amount of zero or more."]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "percent", "value": "120"}, {"value": ["Enter a percentage from 0 to 100."]}),
        ({"kind": "fixed", "value": "-20"}, {"value": ["Enter an amount of zero or more."]}),
        ({"kind": "fixed", "value": "20", "cap": "5"}, {"cap": ["Only a percentage coupon has a cap."]}),
        ({"kind": "fixed", "value": "20", "min_spend": "-1"}, {"min_spend": ["Enter an amount of zero or more."]}),
        ({"kind": "fixed", "value": "20", **BACKWARDS}, {"ends_at": ["The end must be after the start."]}),
        ({"kind": "fixed", "value": "20", "code": "welcome20"}, {"__all__": ["A coupon with this code exists."]}),
    ],
)
def test_coupon_validation_is_shown_as_form_errors(admin_client, fields, errors):
    CouponFactory(code="WELCOME20")
    data = {"code": "NEW", "min_spend": "0", "per_user_limit": "1", "is_active": "on", **WINDOW, **NO_REDEMPTIONS}

    response = admin_client.post(f"{ADMIN}coupon/add/", {**data, **fields})

    assert response.status_code == 200
    assert form_errors(response) == errors
    assert Coupon.objects.count() == 1


def test_a_valid_coupon_is_saved(admin_client):
    data = {
        "code": "SAVE10",
        "kind": "percent",
        "value": "10",
        "cap": "50",
        "min_spend": "0",
        "per_user_limit": "3",
        "total_limit": "1000",
        "is_active": "on",
        **WINDOW,
        **NO_REDEMPTIONS,
    }

    response = admin_client.post(f"{ADMIN}coupon/add/", data)

    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.kind, coupon.value, coupon.cap, coupon.used_count) == (
        "percent",
        Decimal("10.00"),
        Decimal("50.00"),
        0,
    )


def test_saving_a_promotion_in_the_admin_refreshes_pricing(admin_client):
    line = public.PricingLine(
        sku_id=1, product_id=1, category_path="0001", brand_id=None, unit_price=Decimal("100.00"), quantity=1
    )
    inside_window = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert public.price_cart(lines=[line], at=inside_window).discount_total == Decimal("0.00")

    admin_client.post(
        f"{ADMIN}percentagepromotion/add/", {"name": "Sale", "percent": "10", "is_active": "on", **WINDOW}
    )

    assert PercentagePromotion.objects.count() == 1
    assert public.price_cart(lines=[line], at=inside_window).discount_total == Decimal("10.00")
