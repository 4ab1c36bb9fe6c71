"""Bad input on every API operation and every form: a 4xx (or the form again), never a 500.

The API operations come from the OpenAPI schema, so an endpoint added later is walked
without touching this file.
"""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
WRONG_TYPES = [12345, 1.5, True, None, ["a", "b"], {"nested": "object"}]


def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            properties = {}
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                ref = content["schema"].get("$ref", "")
                properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            yield path, method, properties


def bad_bodies(properties):
    yield "{not json", "malformed JSON"
    yield json.dumps([1, 2, 3]), "a list instead of an object"
    yield json.dumps("just a string"), "a string instead of an object"
    yield json.dumps({}), "missing fields"
    yield json.dumps({"unexpected_field": 1}), "an extra field"
    for name, spec in properties.items():
        if spec.get("readOnly"):
            continue
        for value in WRONG_TYPES:
            yield json.dumps({name: value}), f"{name}={value!r}"
        yield json.dumps({name: LONG}), f"{name}=10 kB string"
        if spec.get("format") == "email" or "email" in name:
            yield json.dumps({name: "not-an-email@"}), f"{name}=invalid e-mail"


def assert_error_shape(response, what):
    assert response.status_code < 500, what
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "detail", "fields"}, what
        assert isinstance(body["code"], str), what


@pytest.fixture
def clients():
    user = UserFactory()
    authed = APIClient()
    authed.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return user, {"anonymous": APIClient(), "authenticated": authed}


def test_every_api_operation_answers_bad_input_with_a_4xx_in_the_error_format(clients):
    user, by_kind = clients
    walked = 0
    for path, method, properties in schema_operations():
        for kind, client in by_kind.items():
            bodies = list(bad_bodies(properties)) if method in {"post", "put", "patch"} else [(None, "no body")]
            for body, what in bodies:
                cache.clear()  # neither throttles nor the lockout should hide a 500
                address = AddressFactory(user=user)
                url = path.replace("{id}", str(address.pk))
                response = getattr(client, method)(url, data=body, content_type="application/json")
                assert_error_shape(response, f"{method.upper()} {url} as {kind} with {what}")
                walked += 1
    assert walked > 300


def test_list_endpoints_refuse_bad_query_parameters(clients):
    _user, by_kind = clients
    client = by_kind["authenticated"]
    for query in ["page=abc", "page=0", "page=999999", "page_size=-5", "page_size=" + "9" * 50]:
        response = client.get(f"/api/v1/addresses/?{query}")
        assert_error_shape(response, query)


def test_unknown_api_urls_are_json_404s():
    response = APIClient().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


FORMS_ANONYMOUS = ["/accounts/register/", "/accounts/login/", "/accounts/password-reset/"]
FORMS_SIGNED_IN = ["/accounts/profile/", "/accounts/password/", "/accounts/addresses/new/"]
FORM_FIELDS = [
    "email",
    "username",
    "password",
    "password1",
    "password2",
    "old_password",
    "new_password1",
    "new_password2",
    "display_name",
    "phone",
    "recipient",
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "is_default",
]


def bad_form_data():
    yield {}, "empty form"
    yield {name: LONG for name in FORM_FIELDS}, "10 kB strings"
    yield {name: "not-an-email@" for name in FORM_FIELDS}, "invalid e-mail everywhere"
    yield {name: ["a", "b"] for name in FORM_FIELDS}, "lists"
    yield {name: "\x00" for name in FORM_FIELDS}, "NUL bytes"


def test_every_form_answers_bad_input_with_messages_not_a_500():
    user = UserFactory()
    address = AddressFactory(user=user)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(user)
    pages = [(anonymous, url) for url in FORMS_ANONYMOUS] + [
        (signed_in, url) for url in [*FORMS_SIGNED_IN, f"/accounts/addresses/{address.pk}/"]
    ]
    for client, url in pages:
        for data, what in bad_form_data():
            cache.clear()
            response = client.post(url, data)
            assert response.status_code < 500, f"{url} with {what}"
            if response.status_code == 200:
                assert 'class="errorlist' in response.content.decode(), f"{url} with {what}: no message shown"


def test_a_broken_reset_link_shows_a_message():
    response = Client().get("/accounts/password-reset/bad/link-token/")

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/orders/a%00b/",
        "/orders/a%00b/cancel/",
        "/orders/a%00b/confirm-receipt/",
        "/orders/a%00b/refunds/",
        "/payments/pay/a%00b/",
        "/payments/return/a%00b/",
        "/payments/sandbox/a%00b/?t=x",
        "/payments/sandbox/a%00b/settle/",
    ],
)
def test_a_nul_character_in_an_order_or_trade_number_on_a_page_is_404(client, user, url):
    # PostgreSQL refuses NUL in text (a DataError, so a 500); the URL patterns stop it first.
    client.force_login(user)

    assert client.get(url).status_code == 404
