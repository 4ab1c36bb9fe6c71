import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.tests.factories import UserFactory
from apps.catalog import services
from apps.catalog.models import SKU, Attribute, Product, ProductImage, Purchase, Review
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory, SKUFactory, buyer_of
from apps.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def staff_client(*codenames: str, is_staff: bool = True) -> APIClient:
    user = UserFactory(is_staff=is_staff)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames))
    return jwt_client(user)


def png_upload(name="front.png", size=(1200, 900), image_format="PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "#c03").save(out, format=image_format)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{image_format.lower()}")


def published(name, *, category, price="99.00", brand=None, available=0, **fields) -> Product:
    product = ProductFactory(name=name, category=category, brand=brand, **fields)
    sku = SKUFactory(product=product, price=Decimal(price))
    if available:
        services.sku_stock_sync(sku_id=sku.pk, available=available, version=1)
    services.product_publish(product=product)
    product.refresh_from_db()
    return product


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def tea(db):
    drinks = CategoryFactory(name="Drinks")
    return CategoryFactory(name="Tea", parent=drinks)


# --- categories and brands ----------------------------------------------------------------


def test_the_category_tree_is_nested_and_takes_one_query(api_client, django_assert_num_queries):
    drinks = CategoryFactory(name="Drinks")
    tea = CategoryFactory(name="Tea", parent=drinks)
    CategoryFactory(name="Green", parent=tea)
    CategoryFactory(name="Books")

    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/categories/")

    assert response.status_code == 200
    assert response.json() == [
        {"id": response.json()[0]["id"], "slug": "books", "name": "Books", "description": "", "children": []},
        {
            "id": drinks.pk,
            "slug": "drinks",
            "name": "Drinks",
            "description": "",
            "children": [
                {
                    "id": tea.pk,
                    "slug": "tea",
                    "name": "Tea",
                    "description": "",
                    "children": [
                        {
                            "id": response.json()[1]["children"][0]["children"][0]["id"],
                            "slug": "green",
                            "name": "Green",
                            "description": "",
                            "children": [],
                        }
                    ],
                }
            ],
        },
    ]


def test_brands_are_listed_by_name_and_paginated(api_client, django_assert_num_queries):
    lotus = BrandFactory(name="Lotus", description="Teas from Fujian")
    BrandFactory(name="Anxi")

    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/brands/?page_size=1&page=2")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": "http://testserver/api/v1/brands/?page_size=1",
        "results": [{"id": lotus.pk, "slug": "lotus", "name": "Lotus", "description": "Teas from Fujian"}],
    }


# --- product list -------------------------------------------------------------------------


def test_product_list_items_show_price_stock_rating_and_thumbnail(api_client, tea):
    lotus = BrandFactory(name="Lotus")
    product = published("Jasmine Tea", category=tea, brand=lotus, price="89.00", available=4)
    small = services.attribute_value_get_or_create(attribute="Weight", value="50 g")
    SKUFactory(product=product, price=Decimal("59.00"), attribute_values=[small])
    services.product_image_add(product=product, upload=png_upload("front.png"), alt="Front")

    response = api_client.get("/api/v1/products/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "jasmine-tea",
                "name": "Jasmine Tea",
                "brand": {"slug": "lotus", "name": "Lotus"},
                "category": {"slug": "tea", "name": "Tea"},
                "min_price": "59.00",
                "max_price": "89.00",
                "in_stock": True,
                "rating_avg": "0.00",
                "rating_count": 0,
                "thumbnail": f"http://testserver/media/products/{product.pk}/front-thumb.webp",
            }
        ],
    }


def test_drafts_and_archived_products_are_not_listed(api_client, tea):
    published("Oolong", category=tea)
    ProductFactory(name="Secret Draft", category=tea)
    archived = published("Old Tea", category=tea)
    services.product_unpublish(product=archived, archive=True)

    response = api_client.get("/api/v1/products/")

    assert slugs(response) == ["oolong"]


def test_a_product_without_images_has_a_null_thumbnail(api_client, tea):
    published("Oolong", category=tea)

    response = api_client.get("/api/v1/products/")

    assert response.json()["results"][0]["thumbnail"] is None


def test_category_filter_covers_the_subtree(api_client, tea):
    green = CategoryFactory(name="Green", parent=tea)
    books = CategoryFactory(name="Books")
    published("Longjing", category=green)
    published("Oolong", category=tea)
    published("Tea Classic", category=books)

    response = api_client.get("/api/v1/products/?category=tea&ordering=price")

    assert response.status_code == 200
    assert sorted(slugs(response)) == ["longjing", "oolong"]


def test_brand_price_and_stock_filters(api_client, tea):
    lotus, anxi = BrandFactory(name="Lotus"), BrandFactory(name="Anxi")
    published("Cheap Lotus", category=tea, brand=lotus, price="20.00", available=1)
    published("Dear Lotus", category=tea, brand=lotus, price="500.00", available=1)
    published("Sold Out Lotus", category=tea, brand=lotus, price="60.00")
    published("Anxi Oolong", category=tea, brand=anxi, price="60.00", available=1)

    by_brand = api_client.get("/api/v1/products/?brand=lotus&ordering=price")
    by_price = api_client.get("/api/v1/products/?min_price=50&max_price=100&ordering=price")
    in_stock = api_client.get("/api/v1/products/?brand=lotus&in_stock=true&ordering=price")

    assert slugs(by_brand) == ["cheap-lotus", "sold-out-lotus", "dear-lotus"]
    assert sorted(slugs(by_price)) == ["anxi-oolong", "sold-out-lotus"]
    assert slugs(in_stock) == ["cheap-lotus", "dear-lotus"]


def test_search_and_ordering(api_client, tea):
    published("Jasmine Green Tea", category=tea, price="30.00")
    published("Jasmine Pearls", category=tea, price="80.00")
    published("Oolong", category=tea, price="50.00")

    by_price_desc = api_client.get("/api/v1/products/?search=jasmine&ordering=-price")
    by_price = api_client.get("/api/v1/products/?ordering=price")

    assert slugs(by_price_desc) == ["jasmine-pearls", "jasmine-green-tea"]
    assert slugs(by_price) == ["jasmine-green-tea", "oolong", "jasmine-pearls"]


def test_value_filter_takes_attribute_value_slugs(api_client, tea):
    red = services.attribute_value_get_or_create(attribute="Colour", value="Red")
    blue = services.attribute_value_get_or_create(attribute="Colour", value="Blue")
    red_cup, blue_cup = ProductFactory(name="Red Cup", category=tea), ProductFactory(name="Blue Cup", category=tea)
    SKUFactory(product=red_cup, attribute_values=[red])
    SKUFactory(product=blue_cup, attribute_values=[blue])
    services.product_publish(product=red_cup)
    services.product_publish(product=blue_cup)

    response = api_client.get("/api/v1/products/?value=colour:red")

    assert slugs(response) == ["red-cup"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_price=abc", "min_price"),
        ("max_price=-5", "max_price"),
        ("ordering=cheapest", "ordering"),
        ("category=no-such-category", "category"),
        ("brand=no-such-brand", "brand"),
        ("value=plaid", "value"),
    ],
)
def test_invalid_filter_values_are_a_400_naming_the_field(api_client, tea, query, field):
    published("Oolong", category=tea)

    response = api_client.get(f"/api/v1/products/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Invalid input."
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("page", ["-1", "99999", "abc"])
def test_pages_that_do_not_exist_are_a_404(api_client, tea, page):
    published("Oolong", category=tea)

    response = api_client.get(f"/api/v1/products/?page={page}")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid page.", "fields": {}}


def _catalog_of(count: int, category) -> None:
    brand = BrandFactory(name="Lotus")
    for n in range(count):
        product = published(f"Tea {n}", category=category, brand=brand, available=n % 2)
        services.product_image_add(product=product, upload=png_upload(size=(8, 8)))


@pytest.mark.parametrize("count", [5, 50])
def test_product_list_takes_a_fixed_number_of_queries(api_client, tea, django_assert_max_num_queries, count):
    _catalog_of(count, tea)

    # filter choices, category, brand, count, products, images
    with django_assert_max_num_queries(10):
        response = api_client.get("/api/v1/products/?category=drinks&brand=lotus&page_size=100")

    assert response.json()["count"] == count
    assert all(item["thumbnail"] for item in response.json()["results"])


# --- product detail -----------------------------------------------------------------------


def _jasmine(tea) -> Product:
    colour_red = services.attribute_value_get_or_create(attribute="Colour", value="Red")
    colour_blue = services.attribute_value_get_or_create(attribute="Colour", value="Blue")
    size_m = services.attribute_value_get_or_create(attribute="Size", value="M")
    product = ProductFactory(
        name="Jasmine Tea",
        category=tea,
        brand=BrandFactory(name="Lotus"),
        description="Spring harvest.",
        seo_title="Jasmine tea from Fuzhou",
    )
    red = SKUFactory(product=product, code="JAS-RED", price=Decimal("89.00"), attribute_values=[colour_red, size_m])
    SKUFactory(
        product=product,
        code="JAS-BLUE",
        price=Decimal("59.00"),
        compare_at_price=Decimal("79.00"),
        attribute_values=[colour_blue, size_m],
    )
    SKUFactory(product=product, code="JAS-OLD", price=Decimal("9.00"), is_active=False, attribute_values=[size_m])
    services.sku_stock_sync(sku_id=red.pk, available=7, version=1)
    services.product_image_add(product=product, upload=png_upload("front.png"), alt="Front")
    services.product_publish(product=product)
    return Product.objects.get(pk=product.pk)


def test_product_detail_has_skus_with_availability_attributes_images_and_breadcrumbs(api_client, tea):
    product = _jasmine(tea)
    red, blue = SKU.objects.get(code="JAS-RED"), SKU.objects.get(code="JAS-BLUE")
    image = product.images.get()
    media = f"http://testserver/media/products/{product.pk}"

    response = api_client.get("/api/v1/products/jasmine-tea/")

    assert response.status_code == 200
    assert response.json() == {
        "slug": "jasmine-tea",
        "name": "Jasmine Tea",
        "brand": {"slug": "lotus", "name": "Lotus"},
        "category": {"slug": "tea", "name": "Tea"},
        "min_price": "59.00",
        "max_price": "89.00",
        "in_stock": True,
        "rating_avg": "0.00",
        "rating_count": 0,
        "thumbnail": f"{media}/front-thumb.webp",
        "description": "Spring harvest.",
        "seo_title": "Jasmine tea from Fuzhou",
        "seo_description": "",
        "published_at": response.json()["published_at"],
        "breadcrumbs": [{"slug": "drinks", "name": "Drinks"}, {"slug": "tea", "name": "Tea"}],
        "images": [
            {
                "id": image.pk,
                "url": f"{media}/front.png",
                "medium": f"{media}/front-medium.webp",
                "thumbnail": f"{media}/front-thumb.webp",
                "alt": "Front",
                "width": 1200,
                "height": 900,
                "position": 0,
            }
        ],
        "attributes": [
            {
                "slug": "colour",
                "name": "Colour",
                "values": [{"slug": "red", "value": "Red"}, {"slug": "blue", "value": "Blue"}],
            },
            {"slug": "size", "name": "Size", "values": [{"slug": "m", "value": "M"}]},
        ],
        "skus": [
            {
                "id": blue.pk,
                "code": "JAS-BLUE",
                "price": "59.00",
                "compare_at_price": "79.00",
                "attributes": {"colour": "Blue", "size": "M"},
                "available": 0,
            },
            {
                "id": red.pk,
                "code": "JAS-RED",
                "price": "89.00",
                "compare_at_price": None,
                "attributes": {"colour": "Red", "size": "M"},
                "available": 7,
            },
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_detail_availability_follows_inventory(api_client, eager_celery, tea):
    from apps.inventory import services as inventory_services

    product = published("Oolong", category=tea)
    sku = product.skus.get()

    inventory_services.stock_adjust(sku_id=sku.pk, delta=12)
    inventory_services.stock_reserve(lines=[(sku.pk, 5)], reference="ORDER-1")

    body = api_client.get("/api/v1/products/oolong/").json()
    assert body["skus"][0]["available"] == 7
    assert body["in_stock"] is True


def test_drafts_and_unknown_products_are_404(api_client, tea):
    ProductFactory(name="Draft Tea", category=tea)

    draft = api_client.get("/api/v1/products/draft-tea/")
    unknown = api_client.get("/api/v1/products/no-such-tea/")

    assert draft.status_code == unknown.status_code == 404
    assert draft.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


@pytest.mark.parametrize("count", [5, 50])
def test_product_detail_takes_a_fixed_number_of_queries(api_client, tea, django_assert_max_num_queries, count):
    product = published("Oolong", category=tea, brand=BrandFactory(name="Lotus"))
    for n in range(count - 1):
        value = services.attribute_value_get_or_create(attribute="Size", value=f"{n + 1} g")
        SKUFactory(product=product, attribute_values=[value])
    for _ in range(3):
        services.product_image_add(product=product, upload=png_upload(size=(8, 8)))

    with django_assert_max_num_queries(10):
        response = api_client.get("/api/v1/products/oolong/")

    assert len(response.json()["skus"]) == count
    assert len(response.json()["images"]) == 3


# --- reviews ------------------------------------------------------------------------------


def test_reviews_list_shows_approved_reviews_newest_first_with_display_names(api_client, tea):
    product = published("Oolong", category=tea)
    moderator = UserFactory(is_staff=True)
    mei = UserFactory(display_name="Mei", email="mei@example.com")
    anonymous_name = UserFactory(display_name="", email="li@example.com")
    pending_author = UserFactory()
    first = services.review_submit(
        user=buyer_of(product, mei), product=product, rating=5, title="Lovely", body="Floral and clean."
    )
    second = services.review_submit(user=buyer_of(product, anonymous_name), product=product, rating=3, body="Fine.")
    services.review_submit(user=buyer_of(product, pending_author), product=product, rating=1, body="Not moderated yet.")
    services.review_moderate(review=first, approve=True, moderator=moderator)
    services.review_moderate(review=second, approve=True, moderator=moderator)

    response = api_client.get("/api/v1/products/oolong/reviews/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["author"], r["rating"], r["title"], r["body"], r["status"]) for r in results] == [
        (second.pk, "Customer", 3, "", "Fine.", "approved"),
        (first.pk, "Mei", 5, "Lovely", "Floral and clean.", "approved"),
    ]
    assert "mei@example.com" not in response.content.decode()


def test_reviews_list_takes_a_fixed_number_of_queries(api_client, tea, django_assert_max_num_queries):
    product = published("Oolong", category=tea)
    moderator = UserFactory(is_staff=True)
    for _ in range(6):
        review = services.review_submit(user=buyer_of(product), product=product, rating=4, body="Good.")
        services.review_moderate(review=review, approve=True, moderator=moderator)

    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/products/oolong/reviews/")

    assert response.json()["count"] == 6


def test_a_signed_in_customer_submits_a_review_that_waits_for_moderation(auth_client, user, tea):
    product = published("Oolong", category=tea)
    buyer_of(product, user)

    response = auth_client.post(
        "/api/v1/products/oolong/reviews/", {"rating": 4, "title": " Good ", "body": "Roasty."}, format="json"
    )

    assert response.status_code == 201
    review = Review.objects.get()
    assert response.json() == {
        "id": review.pk,
        "rating": 4,
        "title": "Good",
        "body": "Roasty.",
        "author": user.display_name,
        "status": "pending",
        "created_at": response.json()["created_at"],
    }
    assert (review.product, review.user, review.status) == (product, user, Review.Status.PENDING)
    product.refresh_from_db()
    assert (product.rating_avg, product.rating_count) == (Decimal("0.00"), 0)


def test_reviewing_needs_a_sign_in(api_client, tea):
    published("Oolong", category=tea)

    response = api_client.post("/api/v1/products/oolong/reviews/", {"rating": 4, "body": "x"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_second_review_by_the_same_customer_is_a_409(auth_client, user, tea):
    buyer_of(published("Oolong", category=tea), user)
    auth_client.post("/api/v1/products/oolong/reviews/", {"rating": 4, "body": "Good."}, format="json")

    response = auth_client.post("/api/v1/products/oolong/reviews/", {"rating": 1, "body": "Again."}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "already_reviewed",
        "detail": "You have already reviewed this product.",
        "fields": {},
    }


def test_when_reviews_need_a_purchase_only_buyers_may_review(auth_client, user, settings, tea):
    settings.REVIEWS_REQUIRE_PURCHASE = True
    product = published("Oolong", category=tea)

    refused = auth_client.post("/api/v1/products/oolong/reviews/", {"rating": 5, "body": "Great."}, format="json")
    Purchase.objects.create(user=user, product=product, first_order_reference="SO-1")
    accepted = auth_client.post("/api/v1/products/oolong/reviews/", {"rating": 5, "body": "Great."}, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "review_not_allowed"
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 6, "body": "x"}, "rating"),
        ({"rating": 0, "body": "x"}, "rating"),
        ({"rating": "five", "body": "x"}, "rating"),
        ({"rating": 5}, "body"),
        ({"rating": 5, "body": "x" * 2001}, "body"),
        ({"rating": 5, "body": "x", "title": "t" * 101}, "title"),
        ({"rating": 5, "body": "x", "status": "approved"}, "status"),
    ],
)
def test_bad_reviews_are_a_400(auth_client, tea, body, field):
    published("Oolong", category=tea)

    response = auth_client.post("/api/v1/products/oolong/reviews/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Review.objects.exists()


def test_reviews_of_drafts_are_404(auth_client, tea):
    ProductFactory(name="Draft Tea", category=tea)

    listed = auth_client.get("/api/v1/products/draft-tea/reviews/")
    posted = auth_client.post("/api/v1/products/draft-tea/reviews/", {"rating": 5, "body": "x"}, format="json")

    assert listed.status_code == posted.status_code == 404


# --- staff: products ----------------------------------------------------------------------


def test_staff_create_a_draft_product(tea):
    BrandFactory(name="Lotus")
    client = staff_client("add_product")

    response = client.post(
        "/api/v1/products/",
        {
            "name": "White Peony",
            "category": "tea",
            "brand": "lotus",
            "description": "Fuding white tea.",
            "seo_title": "White Peony tea",
        },
        format="json",
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert response.json() == {
        "id": product.pk,
        "slug": "white-peony",
        "name": "White Peony",
        "status": "draft",
        "published_at": None,
        "category": {"slug": "tea", "name": "Tea"},
        "brand": {"slug": "lotus", "name": "Lotus"},
        "description": "Fuding white tea.",
        "seo_title": "White Peony tea",
        "seo_description": "",
        "is_featured": False,
        "min_price": None,
        "max_price": None,
        "in_stock": False,
    }
    assert product.search_document == "white peony lotus tea fuding white tea."


def test_product_create_with_an_idempotency_key_is_done_once(tea):
    client = staff_client("add_product")

    first = client.post(
        "/api/v1/products/", {"name": "Oolong", "category": "tea"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    retry = client.post(
        "/api/v1/products/", {"name": "Oolong", "category": "tea"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "tea"}, "name"),
        ({"name": "Oolong"}, "category"),
        ({"name": "Oolong", "category": "no-such-category"}, "category"),
        ({"name": "Oolong", "category": "tea", "brand": "no-such-brand"}, "brand"),
        ({"name": "x" * 201, "category": "tea"}, "name"),
        ({"name": "Oolong", "category": "tea", "slug": "not a slug"}, "slug"),
        ({"name": "Oolong", "category": "tea", "status": "published"}, "status"),
        ({"name": "Oolong", "category": "tea", "min_price": "1.00"}, "min_price"),
    ],
)
def test_bad_product_input_is_a_400(tea, body, field):
    response = staff_client("add_product").post("/api/v1/products/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert not Product.objects.exists()


def test_a_taken_slug_is_a_400(tea):
    ProductFactory(name="Oolong", category=tea)

    response = staff_client("add_product").post(
        "/api/v1/products/", {"name": "Other", "slug": "oolong", "category": "tea"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["slug"]


def test_staff_change_a_draft_product(tea):
    product = ProductFactory(name="Oolong", category=tea)
    books = CategoryFactory(name="Books")

    response = staff_client("change_product").patch(
        f"/api/v1/products/{product.slug}/",
        {"name": "Tie Guan Yin", "category": "books", "brand": None},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Tie Guan Yin"
    assert response.json()["category"] == {"slug": "books", "name": "Books"}
    product.refresh_from_db()
    assert (product.name, product.category, product.slug) == ("Tie Guan Yin", books, "oolong")
    assert product.search_document.startswith("tie guan yin")


def test_publish_and_unpublish(tea):
    product = ProductFactory(name="Oolong", category=tea)
    SKUFactory(product=product, price=Decimal("50.00"))
    client = staff_client("change_product")

    published_response = client.post("/api/v1/products/oolong/publish/")
    unpublished_response = client.post("/api/v1/products/oolong/unpublish/", {"archive": True}, format="json")

    assert published_response.status_code == 200
    assert published_response.json()["status"] == "published"
    assert published_response.json()["min_price"] == "50.00"
    assert unpublished_response.status_code == 200
    assert unpublished_response.json()["status"] == "archived"
    assert list(OutboxMessage.objects.values_list("topic", "payload")) == [
        ("catalog.product_published.v1", {"product_id": product.pk, "slug": "oolong"})
    ]


def test_publishing_a_product_without_an_active_sku_is_a_409(tea):
    ProductFactory(name="Oolong", category=tea)

    response = staff_client("change_product").post("/api/v1/products/oolong/publish/")

    assert response.status_code == 409
    assert response.json()["code"] == "product_not_publishable"
    assert Product.objects.get().status == Product.Status.DRAFT


def test_staff_writes_need_a_staff_account_with_the_model_permission(api_client, auth_client, tea):
    product = ProductFactory(name="Oolong", category=tea)
    sku = SKUFactory(product=product)
    create = {"name": "Other", "category": "tea"}
    writes = [
        ("post", "/api/v1/products/", create, "add_product"),
        ("patch", "/api/v1/products/oolong/", {"name": "New"}, "change_product"),
        ("post", "/api/v1/products/oolong/publish/", {}, "change_product"),
        ("post", "/api/v1/products/oolong/unpublish/", {}, "change_product"),
        ("post", "/api/v1/products/oolong/skus/", {"code": "X", "price": "1.00"}, "add_sku"),
        ("patch", f"/api/v1/skus/{sku.pk}/", {"price": "2.00"}, "change_sku"),
    ]
    # holding the add permission does not allow a change, nor the reverse
    wrong_permission = {
        "add_product": "change_product",
        "change_product": "add_product",
        "add_sku": "change_sku",
        "change_sku": "add_sku",
    }

    for method, url, body, permission in writes:
        anonymous = getattr(api_client, method)(url, body, format="json")
        customer = getattr(auth_client, method)(url, body, format="json")
        staff_without = getattr(staff_client(wrong_permission[permission]), method)(url, body, format="json")
        not_staff = getattr(staff_client(permission, is_staff=False), method)(url, body, format="json")

        assert anonymous.status_code == 401, url
        assert anonymous.json()["code"] == "not_authenticated"
        assert [customer.status_code, staff_without.status_code, not_staff.status_code] == [403, 403, 403], url
        assert customer.json()["code"] == "permission_denied"
    product.refresh_from_db()
    sku.refresh_from_db()
    assert (Product.objects.count(), product.name, product.status, sku.price) == (1, "Oolong", "draft", Decimal("99"))


# --- staff: SKUs --------------------------------------------------------------------------


def test_staff_add_a_sku_with_attribute_values_by_name(tea):
    product = ProductFactory(name="Oolong", category=tea)

    response = staff_client("add_sku").post(
        "/api/v1/products/oolong/skus/",
        {
            "code": "OOL-250",
            "price": "128.5",
            "compare_at_price": "150.00",
            "weight_grams": 260,
            "attributes": {"Weight": "250 g", "Roast": "Dark"},
        },
        format="json",
    )

    assert response.status_code == 201
    sku = SKU.objects.get()
    assert response.json() == {
        "id": sku.pk,
        "product": "oolong",
        "code": "OOL-250",
        "price": "128.50",
        "compare_at_price": "150.00",
        "attributes": {"weight": "250 g", "roast": "Dark"},
        "available": 0,
        "weight_grams": 260,
        "is_active": True,
    }
    assert sorted(Attribute.objects.values_list("slug", "name")) == [("roast", "Roast"), ("weight", "Weight")]
    product.refresh_from_db()
    assert (product.min_price, product.max_price) == (Decimal("128.50"), Decimal("128.50"))


def test_a_sku_repeating_another_skus_attribute_values_is_a_409(tea):
    product = ProductFactory(name="Oolong", category=tea)
    client = staff_client("add_sku")
    client.post(
        "/api/v1/products/oolong/skus/", {"code": "A", "price": "1", "attributes": {"Weight": "50 g"}}, format="json"
    )

    response = client.post(
        "/api/v1/products/oolong/skus/", {"code": "B", "price": "2", "attributes": {"weight": "50 g"}}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_sku_combination"
    assert list(product.skus.values_list("code", flat=True)) == ["A"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "1.00"}, "code"),
        ({"code": "A"}, "price"),
        ({"code": "A", "price": "abc"}, "price"),
        ({"code": "A", "price": "-1.00"}, "price"),
        ({"code": "A", "price": "1.001"}, "price"),
        ({"code": "A", "price": "1.00", "weight_grams": -1}, "weight_grams"),
        ({"code": "A", "price": "1.00", "attributes": ["red"]}, "attributes"),
        ({"code": "A", "price": "1.00", "attributes": {"!!!": "Red"}}, "attributes"),
        ({"code": "A", "price": "1.00", "attributes": {"colour": "x" * 51}}, "attributes"),
        ({"code": "A", "price": "1.00", "stock_available": 5}, "stock_available"),
        ({"code": "TAKEN", "price": "1.00", "attributes": {"weight": "1 g"}}, "code"),
    ],
)
def test_bad_sku_input_is_a_400(tea, body, field):
    product = ProductFactory(name="Oolong", category=tea)
    SKUFactory(product=product, code="TAKEN")

    response = staff_client("add_sku").post("/api/v1/products/oolong/skus/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert list(SKU.objects.values_list("code", flat=True)) == ["TAKEN"]


def test_a_compare_at_price_below_the_price_is_a_400(tea):
    ProductFactory(name="Oolong", category=tea)

    response = staff_client("add_sku").post(
        "/api/v1/products/oolong/skus/", {"code": "A", "price": "10.00", "compare_at_price": "9.00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not SKU.objects.exists()


def test_staff_change_a_sku_and_the_product_price_range_follows(tea):
    product = published("Oolong", category=tea, price="50.00")
    sku = product.skus.get()

    response = staff_client("change_sku").patch(
        f"/api/v1/skus/{sku.pk}/", {"price": "45.00", "attributes": {"Weight": "100 g"}}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["price"] == "45.00"
    assert response.json()["attributes"] == {"weight": "100 g"}
    product.refresh_from_db()
    assert (product.min_price, product.max_price) == (Decimal("45.00"), Decimal("45.00"))


def test_deactivating_the_last_sku_takes_the_price_off_the_list(tea):
    product = published("Oolong", category=tea, price="50.00")

    staff_client("change_sku").patch(f"/api/v1/skus/{product.skus.get().pk}/", {"is_active": False}, format="json")

    product.refresh_from_db()
    assert (product.min_price, product.max_price, product.in_stock) == (None, None, False)


def test_changing_an_unknown_sku_is_a_404():
    response = staff_client("change_sku").patch("/api/v1/skus/999999/", {"price": "1.00"}, format="json")

    assert response.status_code == 404


# --- staff: images ------------------------------------------------------------------------


def test_staff_upload_an_image_and_its_sizes_are_made(tea):
    product = ProductFactory(name="Oolong", category=tea)

    response = staff_client("add_productimage").post(
        "/api/v1/products/oolong/images/", {"image": png_upload("leaf.png"), "alt": "Leaves"}, format="multipart"
    )

    assert response.status_code == 201
    image = ProductImage.objects.get()
    media = f"http://testserver/media/products/{product.pk}"
    assert response.json() == {
        "id": image.pk,
        "url": f"{media}/leaf.png",
        "medium": f"{media}/leaf-medium.webp",
        "thumbnail": f"{media}/leaf-thumb.webp",
        "alt": "Leaves",
        "width": 1200,
        "height": 900,
        "position": 0,
    }
    with default_storage.open(image.thumbnail.name) as thumb, Image.open(thumb) as picture:
        assert (picture.format, picture.size) == ("WEBP", (300, 225))
    with default_storage.open(image.medium.name) as medium, Image.open(medium) as picture:
        assert (picture.format, picture.size) == ("WEBP", (800, 600))


def test_a_text_file_is_not_an_image(tea):
    ProductFactory(name="Oolong", category=tea)
    text = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")

    response = staff_client("add_productimage").post(
        "/api/v1/products/oolong/images/", {"image": text}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_image",
        "detail": "The file is not a JPEG, PNG or WebP image.",
        "fields": {},
    }
    assert not ProductImage.objects.exists()


def test_an_image_over_the_pixel_limit_is_refused(tea, monkeypatch):
    ProductFactory(name="Oolong", category=tea)
    monkeypatch.setattr(services, "IMAGE_MAX_PIXELS", 100 * 100)

    response = staff_client("add_productimage").post(
        "/api/v1/products/oolong/images/", {"image": png_upload(size=(101, 100))}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large"
    assert not ProductImage.objects.exists()


def test_image_upload_needs_a_file_and_a_multipart_body(tea):
    ProductFactory(name="Oolong", category=tea)
    client = staff_client("add_productimage")

    no_file = client.post("/api/v1/products/oolong/images/", {"alt": "x"}, format="multipart")
    json_body = client.post("/api/v1/products/oolong/images/", {"image": "x"}, format="json")

    assert no_file.status_code == 400
    assert list(no_file.json()["fields"]) == ["image"]
    assert json_body.status_code == 415
    assert json_body.json()["code"] == "unsupported_media_type"


def test_image_upload_needs_the_image_permission(auth_client, tea):
    ProductFactory(name="Oolong", category=tea)

    customer = auth_client.post("/api/v1/products/oolong/images/", {"image": png_upload()}, format="multipart")
    product_editor = staff_client("change_product").post(
        "/api/v1/products/oolong/images/", {"image": png_upload()}, format="multipart"
    )

    assert customer.status_code == product_editor.status_code == 403
    assert not ProductImage.objects.exists()


WRONG_VALUES = [12345, 1.5, True, None, ["a", "b"], {"nested": "object"}, "x" * 10_000, "", "\x00"]


def test_staff_writes_answer_any_bad_input_with_a_4xx_in_the_error_format(tea):
    product = ProductFactory(name="Oolong", category=tea)
    sku = SKUFactory(product=product)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = jwt_client(superuser)
    writes = [
        ("post", "/api/v1/products/", ["name", "slug", "category", "brand", "description", "seo_title", "is_featured"]),
        # not the slug: a valid one (12345) would move the product away from the URLs below
        ("patch", "/api/v1/products/oolong/", ["name", "category", "brand", "seo_description"]),
        ("post", "/api/v1/products/oolong/unpublish/", ["archive"]),
        ("post", "/api/v1/products/oolong/skus/", ["code", "price", "compare_at_price", "weight_grams", "attributes"]),
        ("patch", f"/api/v1/skus/{sku.pk}/", ["code", "price", "compare_at_price", "is_active", "attributes"]),
        ("post", "/api/v1/products/oolong/reviews/", ["rating", "title", "body"]),
    ]
    services.product_publish(product=product)

    for method, url, fields in writes:
        bodies = ["{not json", "[1, 2]", '"text"', "{}"]
        bodies += [json.dumps({field: value}) for field in fields for value in WRONG_VALUES]
        for body in bodies:
            response = getattr(client, method)(url, data=body, content_type="application/json")
            assert response.status_code < 500, (method, url, body[:60])
            if response.status_code >= 400:
                assert set(response.json()) == {"code", "detail", "fields"}, (method, url, body[:60])
    assert Product.objects.get().slug == "oolong"


def test_nul_characters_are_refused_before_they_reach_the_database(api_client, tea):
    published("Oolong", category=tea)
    client = staff_client("add_product")

    filtered = api_client.get("/api/v1/products/?category=te%00a&brand=%00")
    detail = api_client.get("/api/v1/products/oo%00long/")
    reviews = api_client.get("/api/v1/products/oo%00long/reviews/")
    created = client.post("/api/v1/products/", {"name": "Other", "category": "te\x00a"}, format="json")

    assert filtered.status_code == 400
    assert filtered.json()["fields"] == {
        "brand": ["Null characters are not allowed."],
        "category": ["Null characters are not allowed."],
    }
    assert detail.status_code == reviews.status_code == 404
    assert created.status_code == 400
    assert list(created.json()["fields"]) == ["category"]


def test_in_stock_takes_true_or_false_and_refuses_anything_else(api_client):
    assert api_client.get("/api/v1/products/?in_stock=0").status_code == 200
    assert api_client.get("/api/v1/products/?in_stock=true").status_code == 200
    response = api_client.get("/api/v1/products/?in_stock=banana")

    assert response.status_code == 400
    assert "in_stock" in response.json()["fields"]


def test_an_attribute_value_that_does_not_exist_matches_nothing(api_client):
    response = api_client.get("/api/v1/products/?value=colour:plaid")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_product_list_is_served_from_the_cache_until_a_product_changes(
    api_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from apps.catalog import services
    from apps.catalog.tests.factories import CategoryFactory, published_product

    product = published_product(name="Cached Cup", category=CategoryFactory())
    api_client.get("/api/v1/products/")

    with django_assert_num_queries(0):
        cached = api_client.get("/api/v1/products/")
    with django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=product.skus.first(), price="12.34")
    fresh = api_client.get("/api/v1/products/")

    assert [item["min_price"] for item in cached.json()["results"]] != ["12.34"]
    assert [item["min_price"] for item in fresh.json()["results"]] == ["12.34"]
