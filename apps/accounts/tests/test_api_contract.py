"""What the auth endpoints answer is what the OpenAPI schema documents (found by the
contract run, .ci/contract.sh: their 401s were missing from the schema)."""

from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@cache
def documented(path: str, method: str) -> frozenset[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return frozenset(schema["paths"][path][method]["responses"])


def test_given_a_wrong_password_when_signing_in_then_the_401_is_documented(api_client, user):
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert "401" in documented("/api/v1/auth/token/", "post")


@pytest.mark.parametrize("path", ["/api/v1/auth/token/refresh/", "/api/v1/auth/logout/"])
def test_given_a_bad_refresh_token_when_refreshing_or_signing_out_then_the_401_is_documented(api_client, path):
    response = api_client.post(path, {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert "401" in documented(path, "post")
