"""Tracking with a NUL character in the order number (found by the contract run,
.ci/contract.sh): PostgreSQL refuses NUL in text, so it was a 500."""

import pytest

pytestmark = pytest.mark.django_db


def test_given_a_nul_character_in_the_order_number_when_tracking_then_it_is_a_404(auth_client):
    response = auth_client.get("/api/v1/orders/2026%00/tracking/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
