"""Payments and refunds in the API with a NUL character where a number goes (found by the
contract run, .ci/contract.sh): PostgreSQL refuses NUL in text, so these were 500s."""

from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@cache
def documented(path: str, method: str) -> frozenset[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return frozenset(schema["paths"][path][method]["responses"])


def test_given_a_nul_character_in_the_order_filter_when_listing_payments_then_it_is_a_documented_400(auth_client):
    response = auth_client.get("/api/v1/payments/?order=2026%00")

    assert response.status_code == 400
    assert response.json()["fields"] == {"order": ["Null characters are not allowed."]}
    assert "400" in documented("/api/v1/payments/", "get")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/payments/2026%00A01/"),
        ("get", "/api/v1/orders/2026%00/refunds/"),
        ("post", "/api/v1/orders/2026%00/refunds/"),
    ],
)
def test_given_a_nul_character_in_a_number_when_asked_then_it_is_a_404(auth_client, method, path):
    response = getattr(auth_client, method)(path, {"amount": "1.00", "reason": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
