"""What the catalog endpoints answer is what the OpenAPI schema documents (found by the
contract run, .ci/contract.sh): pages past the end, refused filters, and public reads."""

from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.catalog.tests.factories import BrandFactory

pytestmark = pytest.mark.django_db


@cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_given_a_page_past_the_end_when_listing_then_every_paginated_list_documents_the_404(api_client):
    BrandFactory()

    response = api_client.get("/api/v1/brands/?page=99")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    paginated = [
        (path, method)
        for path, operations in schema()["paths"].items()
        for method, operation in operations.items()
        if any(parameter["name"] == "page" for parameter in operation.get("parameters", []))
    ]
    assert ("/api/v1/brands/", "get") in paginated
    assert ("/api/v1/orders/", "get") in paginated
    for path, method in paginated:
        assert "404" in schema()["paths"][path][method]["responses"], (path, method)


def test_given_an_unknown_ordering_when_listing_products_then_the_400_is_documented(api_client):
    response = api_client.get("/api/v1/products/?ordering=cheapest-first")

    assert response.status_code == 400
    assert "ordering" in response.json()["fields"]
    assert "400" in schema()["paths"]["/api/v1/products/"]["get"]["responses"]


def test_given_no_credentials_when_reading_products_then_the_schema_says_reads_are_public(api_client):
    response = api_client.get("/api/v1/products/")

    assert response.status_code == 200
    for path in ("/api/v1/products/", "/api/v1/products/{slug}/"):
        assert {} in schema()["paths"][path]["get"]["security"], path
    assert {} not in schema()["paths"]["/api/v1/products/"]["post"]["security"]
