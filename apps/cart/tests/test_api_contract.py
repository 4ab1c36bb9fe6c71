"""What the cart endpoints answer is what the OpenAPI schema documents (found by the
contract run, .ci/contract.sh: these 400, 404 and 409 answers were missing from it)."""

from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@cache
def documented(path: str, method: str) -> frozenset[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return frozenset(schema["paths"][path][method]["responses"])


def test_given_an_unknown_parameter_when_reading_the_cart_then_the_400_is_documented(api_client):
    response = api_client.get("/api/v1/cart/?colour=red")

    assert response.status_code == 400
    assert response.json()["fields"] == {"colour": ["Unknown field."]}
    assert "400" in documented("/api/v1/cart/", "get")


def test_given_too_few_units_when_adding_or_changing_a_line_then_the_409_is_documented(auth_client, make_sku):
    # given a SKU with one unit, in the cart
    sku = make_sku(stock=1)
    assert auth_client.post("/api/v1/cart/items/", {"sku": sku.pk, "quantity": 1}, format="json").status_code == 201

    # when the customer asks for more than there is
    added = auth_client.post("/api/v1/cart/items/", {"sku": sku.pk, "quantity": 5}, format="json")
    changed = auth_client.patch(f"/api/v1/cart/items/{sku.pk}/", {"quantity": 5}, format="json")

    # then both are 409s the schema lists
    assert (added.status_code, added.json()["code"]) == (409, "quantity_unavailable")
    assert (changed.status_code, changed.json()["code"]) == (409, "quantity_unavailable")
    assert "409" in documented("/api/v1/cart/items/", "post")
    assert "409" in documented("/api/v1/cart/items/{sku_id}/", "patch")


def test_given_an_unknown_coupon_when_validating_it_then_the_404_is_documented(api_client):
    response = api_client.post("/api/v1/coupons/validate/", {"code": "NO-SUCH-CODE"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "coupon_not_found"
    assert {"400", "404", "409"} <= documented("/api/v1/coupons/validate/", "post")
