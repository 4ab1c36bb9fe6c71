from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.cart import services
from apps.catalog.services import sku_update
from apps.promotions.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
ITEMS = "/api/v1/cart/items/"
MERGE = "/api/v1/cart/merge/"
VALIDATE = "/api/v1/coupons/validate/"


def guest_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=token)
    return client


def test_a_new_guest_gets_an_empty_cart_and_a_token(api_client):
    response = api_client.get(CART)

    assert response.status_code == 200
    body = response.json()
    assert body["token"] == response["X-Cart-Token"]
    assert services.guest_key_from_token(body["token"]).startswith("guest:")
    assert body["lines"] == []
    assert body["quantity"] == 0
    assert body["ready_for_checkout"] is False
    assert body["breakdown"]["total"] == "0.00"


def test_a_guest_fills_a_cart_with_its_token(backend, api_client, make_sku):
    # given a guest who adds a SKU without a token yet
    sku = make_sku(price="25.00", stock=10)
    first = api_client.post(ITEMS, {"sku": sku.pk, "quantity": 2}, format="json")
    assert first.status_code == 201
    token = first.json()["token"]

    # when it adds more and reads the cart with that token
    guest = guest_client(token)
    assert guest.post(ITEMS, {"sku": sku.pk}, format="json").status_code == 201
    body = guest.get(CART).json()

    # then it sees one line of 3 and the price with standard shipping
    assert body["token"] == token
    [line] = body["lines"]
    assert (line["sku_id"], line["quantity"], line["unit_price"], line["line_total"]) == (sku.pk, 3, "25.00", "75.00")
    assert line["sku"]["code"] == sku.code
    assert line["problems"] == []
    assert body["breakdown"]["subtotal"] == "75.00"
    assert body["breakdown"]["shipping_fee"] == "10.00"
    assert body["breakdown"]["total"] == "85.00"
    assert body["ready_for_checkout"] is True


def test_another_guest_does_not_see_the_cart(api_client, make_sku):
    sku = make_sku()
    api_client.post(ITEMS, {"sku": sku.pk}, format="json")

    assert APIClient().get(CART).json()["lines"] == []


def test_a_forged_token_is_refused(make_sku):
    response = guest_client("guest:abc").get(CART)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cart_token"


def test_a_signed_in_users_cart_is_the_same_on_every_client(user, auth_client, client, make_sku):
    sku = make_sku(price="9.90")
    auth_client.post(ITEMS, {"sku": sku.pk, "quantity": 4}, format="json")
    client.force_login(user)

    api_body = auth_client.get(CART).json()
    page = client.get("/cart/")

    assert api_body["token"] is None
    assert [(line["sku_id"], line["quantity"]) for line in api_body["lines"]] == [(sku.pk, 4)]
    assert page.context["cart"].lines[0].quantity == 4


def test_a_guest_token_does_not_reach_a_users_cart(user, auth_client, other_user, make_sku):
    # given a signed-in user's cart and another user with a guest token of their own
    sku = make_sku()
    auth_client.post(ITEMS, {"sku": sku.pk}, format="json")
    token = APIClient().get(CART).json()["token"]
    other = APIClient()
    other.force_authenticate(other_user)
    other.credentials(HTTP_X_CART_TOKEN=token)

    # then neither the token nor the other account shows the user's lines
    assert guest_client(token).get(CART).json()["lines"] == []
    assert other.get(CART).json()["lines"] == []


def test_change_and_remove_a_line(backend, auth_client, make_sku):
    sku = make_sku(stock=10)
    auth_client.post(ITEMS, {"sku": sku.pk, "quantity": 1}, format="json")

    patched = auth_client.patch(f"{ITEMS}{sku.pk}/", {"quantity": 6}, format="json")
    assert patched.status_code == 200
    assert patched.json()["lines"][0]["quantity"] == 6

    assert auth_client.delete(f"{ITEMS}{sku.pk}/").status_code == 204
    assert auth_client.get(CART).json()["lines"] == []
    missing = auth_client.delete(f"{ITEMS}{sku.pk}/")
    assert (missing.status_code, missing.json()["code"]) == (404, "cart_item_not_found")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku": "x", "quantity": 1}, "sku"),
        ({"quantity": 1}, "sku"),
        ({"sku": 1, "quantity": 0}, "quantity"),
        ({"sku": 1, "quantity": 100}, "quantity"),
        ({"sku": 1, "quantity": 1, "price": "0.01"}, "price"),
    ],
)
def test_bad_input_is_a_400_with_fields(api_client, payload, field):
    response = api_client.post(ITEMS, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]


def test_business_rules_are_409s(auth_client, make_sku):
    short = make_sku(stock=2)
    withdrawn = make_sku()
    sku_update(sku=withdrawn, is_active=False)

    too_many = auth_client.post(ITEMS, {"sku": short.pk, "quantity": 3}, format="json")
    unbuyable = auth_client.post(ITEMS, {"sku": withdrawn.pk}, format="json")
    unknown = auth_client.post(ITEMS, {"sku": 2**63 - 1}, format="json")

    assert (too_many.status_code, too_many.json()["code"]) == (409, "quantity_unavailable")
    assert (unbuyable.status_code, unbuyable.json()["code"]) == (409, "sku_unavailable")
    assert (unknown.status_code, unknown.json()["code"]) == (409, "sku_unavailable")


def test_the_cart_shows_problems(auth_client, make_sku):
    sku = make_sku(price="25.00", stock=5)
    auth_client.post(ITEMS, {"sku": sku.pk, "quantity": 2}, format="json")
    sku_update(sku=sku, price=Decimal("30.00"))

    [line] = auth_client.get(CART).json()["lines"]

    assert line["problems"] == [{"code": "price_changed", "available": None, "previous_price": "25.00"}]
    assert (line["added_price"], line["unit_price"]) == ("25.00", "30.00")


def test_shipping_method_and_coupon_in_the_query(auth_client, make_sku):
    sku = make_sku(price="100.00")
    CouponFactory(code="TWENTY", value=Decimal("20.00"))
    auth_client.post(ITEMS, {"sku": sku.pk}, format="json")

    body = auth_client.get(CART, {"shipping_method": "express", "coupon": "twenty"}).json()
    unknown = auth_client.get(CART, {"shipping_method": "drone"})

    assert body["shipping_method"] == "express"
    assert body["breakdown"]["shipping_fee"] == "25.00"
    assert body["breakdown"]["discount_total"] == "20.00"
    assert body["breakdown"]["total"] == "105.00"
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_shipping_method")


def test_merge_moves_the_guest_cart_into_the_users_capped_at_stock(backend, auth_client, api_client, make_sku):
    # given 4 units in stock, 3 in a guest cart and 2 in the user's
    sku = make_sku(stock=4)
    token = api_client.post(ITEMS, {"sku": sku.pk, "quantity": 3}, format="json").json()["token"]
    auth_client.post(ITEMS, {"sku": sku.pk, "quantity": 2}, format="json")

    # when the signed-in client merges the guest token
    response = auth_client.post(MERGE, headers={"X-Cart-Token": token})

    # then the user's line holds the 4 available and the guest cart is empty
    assert response.status_code == 200
    assert [(line["sku_id"], line["quantity"]) for line in response.json()["lines"]] == [(sku.pk, 4)]
    assert guest_client(token).get(CART).json()["lines"] == []


def test_merge_needs_a_signed_in_user_and_a_valid_token(auth_client, api_client):
    token = api_client.get(CART).json()["token"]

    anonymous = guest_client(token).post(MERGE)
    missing = auth_client.post(MERGE)
    forged = auth_client.post(MERGE, headers={"X-Cart-Token": token + "x"})

    assert anonymous.status_code == 401
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_cart_token")
    assert (forged.status_code, forged.json()["code"]) == (400, "invalid_cart_token")


def test_validate_a_coupon_against_the_cart(auth_client, make_sku):
    sku = make_sku(price="150.00")
    CouponFactory(code="SAVE30", value=Decimal("30.00"), min_spend=Decimal("100.00"))
    auth_client.post(ITEMS, {"sku": sku.pk}, format="json")

    response = auth_client.post(VALIDATE, {"code": "save30"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "SAVE30"
    assert body["without_coupon"]["total"] == "160.00"
    assert body["with_coupon"]["total"] == "130.00"
    assert body["saving"] == "30.00"


def test_validate_says_why_a_coupon_does_nothing(auth_client, make_sku):
    sku = make_sku(price="50.00")
    CouponFactory(code="SAVE30", value=Decimal("30.00"), min_spend=Decimal("100.00"))
    auth_client.post(ITEMS, {"sku": sku.pk}, format="json")

    short = auth_client.post(VALIDATE, {"code": "SAVE30"}, format="json")
    unknown = auth_client.post(VALIDATE, {"code": "NOPE"}, format="json")
    blank = auth_client.post(VALIDATE, {"code": ""}, format="json")

    assert (short.status_code, short.json()["code"]) == (400, "coupon_min_spend_not_met")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "coupon_not_found")
    assert (blank.status_code, blank.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize("lines", [2, 20])
def test_cart_endpoint_query_count_does_not_grow(auth_client, make_sku, django_assert_max_num_queries, lines):
    category = make_sku().product.category
    for _ in range(lines):
        auth_client.post(ITEMS, {"sku": make_sku(category=category).pk}, format="json")

    # authentication (user), then the nine reads of the cart view
    with django_assert_max_num_queries(10):
        response = auth_client.get(CART)

    assert len(response.json()["lines"]) == lines


def test_guessing_coupon_codes_is_throttled(auth_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "coupon_validate", "3/min")
    cache.clear()

    answers = [auth_client.post(VALIDATE, {"code": f"GUESS{n}"}, format="json") for n in range(4)]

    assert [a.status_code for a in answers[:3]] == [404, 404, 404]  # coupon_not_found
    assert answers[3].status_code == 429
    assert answers[3].json()["code"] == "throttled"
