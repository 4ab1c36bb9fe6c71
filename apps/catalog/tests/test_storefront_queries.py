"""Storefront pages take a fixed number of queries, however many products, SKUs, images
and reviews there are; the cache makes a second visit cheaper still."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog import services
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, buyer_of, image_upload, published_product

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
PAGES = {
    "home": "/",
    "category": "/c/electronics/",
    "filtered category": "/c/electronics/?brand=brand-a&value=colour:black&in_stock=true&ordering=price",
    "search": "/search/?q=gadget",
    "product": "/p/flagship/",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_products(*, count: int, start: int, category, brands, colours, flagship) -> None:
    """`count` more gadgets (each with two SKUs and a picture), and as many SKUs, pictures
    and approved reviews more for the flagship."""
    for n in range(start, start + count):
        gadget = published_product(
            name=f"Gadget {n:03d}",
            category=category,
            brand=brands[n % len(brands)],
            is_featured=n % 2 == 0,
            skus=[(f"{100 + n}.00", n % 4, [colours[0]]), (f"{200 + n}.00", 3, [colours[1]])],
        )
        services.product_image_add(product=gadget, upload=image_upload())
        edition = services.attribute_value_get_or_create(attribute="Edition", value=f"E{n:03d}")
        services.sku_create(product=flagship, code=f"FLAG-{n:03d}", price=f"{500 + n}.00", attribute_values=[edition])
        services.product_image_add(product=flagship, upload=image_upload(colour="#0000ff"))
        review = services.review_submit(user=buyer_of(flagship), product=flagship, rating=4, body=f"Review {n}.")
        services.review_moderate(review=review, approve=True, moderator=review.user)


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def measure(client) -> dict[str, tuple[int, int]]:
    """(cold, warm) query counts per page: first with an empty cache, then again."""
    counts = {}
    for name, url in PAGES.items():
        cache.clear()
        cold = queries_for(client, url)
        warm = queries_for(client, url)
        counts[name] = (cold, warm)
    return counts


def test_pages_take_a_fixed_number_of_queries_and_fewer_from_the_cache(client):
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    gadgets = CategoryFactory(
        name="Gadgets", slug="gadgets", parent=CategoryFactory(name="Devices", parent=electronics)
    )
    brands = [BrandFactory(name="Brand A", slug="brand-a"), BrandFactory(name="Brand B", slug="brand-b")]
    colours = [
        services.attribute_value_get_or_create(attribute="Colour", value="Black"),
        services.attribute_value_get_or_create(attribute="Colour", value="White"),
    ]
    flagship = published_product(name="Flagship", category=gadgets, description="The gadget of the year.")
    build = {"category": gadgets, "brands": brands, "colours": colours, "flagship": flagship}

    add_products(count=5, start=0, **build)
    with_5 = measure(client)
    add_products(count=45, start=5, **build)
    with_50 = measure(client)

    assert with_50 == with_5
    for name, (cold, warm) in with_50.items():
        assert cold <= MAX_QUERIES, (name, cold)
        assert warm < cold, (name, cold, warm)
    assert with_50 == {
        "home": (5, 0),
        "category": (6, 0),
        "filtered category": (7, 1),
        "search": (6, 0),
        "product": (8, 2),  # the cold path reads the id first, then the page (see storefront_product)
    }


def test_a_signed_in_customer_sees_the_product_page_in_the_query_budget(client, user):
    gadgets = CategoryFactory(name="Gadgets", slug="gadgets")
    published_product(name="Flagship", category=gadgets)
    client.force_login(user)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/p/flagship/")

    assert response.status_code == 200
    # The budget includes whether they bought it (only buyers may review).
    assert len(captured) <= MAX_QUERIES, [q["sql"] for q in captured.captured_queries]
