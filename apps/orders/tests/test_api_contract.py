"""Order numbers in API paths (found by the contract run, .ci/contract.sh): a number with a
NUL character was looked up in PostgreSQL, which refuses NUL in text, so it was a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/orders/2026%00/"),
        ("post", "/api/v1/orders/2026%00/cancel/"),
        ("post", "/api/v1/orders/2026%00/confirm-receipt/"),
    ],
)
def test_given_a_nul_character_in_the_order_number_when_asked_then_it_is_a_404(auth_client, method, path):
    response = getattr(auth_client, method)(path)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}
