import io
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.accounts.tests.factories import UserFactory
from apps.catalog import services
from apps.catalog.models import SKU, Attribute, Brand, Category, Product, ProductImage, Review
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory, SKUFactory, buyer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def png_upload(name="front.png", size=(640, 480)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "#36c").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def colour(name: str):
    return services.attribute_value_get_or_create(attribute="Colour", value=name)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def catalog(db):
    tea = CategoryFactory(name="Tea", parent=CategoryFactory(name="Drinks"))
    product = ProductFactory(name="Oolong", category=tea, brand=BrandFactory(name="Lotus"))
    SKUFactory(product=product, code="OOL-RED", price=Decimal("50.00"), attribute_values=[colour("Red")])
    services.product_image_add(product=product, upload=png_upload(), alt="Front")
    product = services.product_publish(product=product)
    review = services.review_submit(user=buyer_of(product), product=product, rating=4, body="Good.")
    return {"product": product, "category": tea, "review": review}


def test_every_catalog_admin_page_opens_for_a_superuser(admin_client, catalog):
    product, category, review = catalog["product"], catalog["category"], catalog["review"]
    brand, attribute = Brand.objects.get(), Attribute.objects.get()
    pages = [
        "/admin/?apps",
        "/admin/catalog/",
        "/admin/catalog/category/",
        "/admin/catalog/category/add/",
        f"/admin/catalog/category/{category.pk}/change/",
        "/admin/catalog/brand/",
        "/admin/catalog/brand/add/",
        f"/admin/catalog/brand/{brand.pk}/change/",
        "/admin/catalog/attribute/",
        "/admin/catalog/attribute/add/",
        f"/admin/catalog/attribute/{attribute.pk}/change/",
        "/admin/catalog/product/",
        "/admin/catalog/product/add/",
        f"/admin/catalog/product/{product.pk}/change/",
        "/admin/catalog/product/?q=OOL-RED",
        "/admin/catalog/product/?status__exact=published&in_stock__exact=0",
        "/admin/catalog/review/",
        f"/admin/catalog/review/{review.pk}/change/",
        "/admin/catalog/review/?status__exact=pending&rating__exact=4&q=Good",
        f"/admin/catalog/product/{product.pk}/delete/",
        f"/admin/catalog/category/{category.pk}/delete/",
    ]

    statuses = {url: admin_client.get(url).status_code for url in pages}

    assert statuses == dict.fromkeys(pages, 200)


def test_reviews_cannot_be_added_or_edited_by_hand(admin_client, catalog):
    review = catalog["review"]

    add = admin_client.get("/admin/catalog/review/add/")
    change = admin_client.get(f"/admin/catalog/review/{review.pk}/change/")

    assert add.status_code == 403
    assert 'name="_save"' not in change.content.decode()
    assert 'name="rating"' not in change.content.decode()


def test_staff_without_catalog_permissions_are_refused(client, catalog):
    client.force_login(UserFactory(is_staff=True))
    product = catalog["product"]

    urls = [
        "/admin/catalog/product/",
        f"/admin/catalog/product/{product.pk}/change/",
        "/admin/catalog/category/",
        "/admin/catalog/brand/add/",
        "/admin/catalog/review/",
    ]

    assert [client.get(url).status_code for url in urls] == [403] * len(urls)


def test_the_product_list_shows_thumbnails_without_a_query_per_product(
    admin_client, catalog, django_assert_max_num_queries
):
    tea = catalog["category"]
    for n in range(30):
        product = ProductFactory(name=f"Tea {n}", category=tea)
        services.product_image_add(product=product, upload=png_upload(size=(8, 8)))

    with django_assert_max_num_queries(14):
        response = admin_client.get("/admin/catalog/product/")

    html = response.content.decode()
    assert html.count('-thumb.webp" alt=') == 31
    assert "¥50.00" in html


def test_publish_action_publishes_logs_and_reports_products_that_cannot_be(admin_client, superuser, catalog):
    tea = catalog["category"]
    ready = ProductFactory(name="Ready", category=tea)
    SKUFactory(product=ready)
    empty = ProductFactory(name="Empty", category=tea)

    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "publish", "_selected_action": [ready.pk, empty.pk]},
        follow=True,
    )

    ready.refresh_from_db()
    empty.refresh_from_db()
    assert (ready.status, empty.status) == (Product.Status.PUBLISHED, Product.Status.DRAFT)
    assert messages_of(response) == [
        "“Empty”: A product needs at least one active SKU with a price before it can be published.",
        "1 product: Published.",
    ]
    assert list(LogEntry.objects.filter(action_flag=CHANGE).values_list("object_id", "change_message", "user")) == [
        (str(ready.pk), "Published.", superuser.pk)
    ]


def test_unpublish_and_archive_actions(admin_client, catalog):
    product = catalog["product"]

    admin_client.post("/admin/catalog/product/", {"action": "unpublish", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT

    admin_client.post("/admin/catalog/product/", {"action": "archive", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert list(LogEntry.objects.values_list("change_message", flat=True).order_by("id")) == [
        "Unpublished.",
        "Archived.",
    ]


def test_approving_reviews_updates_the_rating_and_logs(admin_client, superuser, catalog):
    product, first = catalog["product"], catalog["review"]
    second = services.review_submit(user=buyer_of(product), product=product, rating=5, body="Superb.")
    third = services.review_submit(user=buyer_of(product), product=product, rating=1, body="Spam.")

    approved = admin_client.post(
        "/admin/catalog/review/", {"action": "approve", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    admin_client.post("/admin/catalog/review/", {"action": "reject", "_selected_action": [third.pk]})

    product.refresh_from_db()
    assert (product.rating_avg, product.rating_count) == (Decimal("4.50"), 2)
    assert messages_of(approved) == ["2 reviews approved."]
    assert dict(Review.objects.values_list("pk", "status")) == {
        first.pk: "approved",
        second.pk: "approved",
        third.pk: "rejected",
    }
    assert Review.objects.get(pk=first.pk).moderated_by == superuser
    assert sorted(LogEntry.objects.values_list("object_id", "change_message")) == sorted(
        [(str(first.pk), "Approved."), (str(second.pk), "Approved."), (str(third.pk), "Rejected.")]
    )


def _product_form(category, **overrides) -> dict:
    data = {
        "name": "Travel Mug",
        "slug": "travel-mug",
        "category": category.pk,
        "brand": "",
        "description": "Keeps tea hot.",
        "seo_title": "",
        "seo_description": "",
        "skus-TOTAL_FORMS": 2,
        "skus-INITIAL_FORMS": 0,
        "skus-MIN_NUM_FORMS": 0,
        "skus-MAX_NUM_FORMS": 1000,
        "skus-0-code": "MUG-RED",
        "skus-0-price": "59.00",
        "skus-0-compare_at_price": "79.00",
        "skus-0-weight_grams": 300,
        "skus-0-is_active": "on",
        "skus-0-attribute_values": [colour("Red").pk],
        "skus-1-code": "MUG-BLUE",
        "skus-1-price": "49.00",
        "skus-1-weight_grams": 300,
        "skus-1-is_active": "on",
        "skus-1-attribute_values": [colour("Blue").pk],
        "images-TOTAL_FORMS": 1,
        "images-INITIAL_FORMS": 0,
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
        "images-0-image": png_upload("mug.png", size=(1000, 500)),
        "images-0-alt": "Mug",
        "images-0-position": 0,
    }
    return {**data, **overrides}


def test_adding_a_product_with_skus_and_an_image_goes_through_the_services(admin_client, catalog):
    response = admin_client.post("/admin/catalog/product/add/", _product_form(catalog["category"]))

    assert response.status_code == 302
    product = Product.objects.get(slug="travel-mug")
    assert (product.status, product.min_price, product.max_price) == ("draft", Decimal("49.00"), Decimal("59.00"))
    assert product.search_document == "travel mug tea keeps tea hot."
    assert sorted(product.skus.values_list("code", "attribute_values__value")) == [
        ("MUG-BLUE", "Blue"),
        ("MUG-RED", "Red"),
    ]
    image = product.images.get()
    assert (image.alt, image.width, image.height) == ("Mug", 1000, 500)
    assert image.thumbnail.name == f"products/{product.pk}/mug-thumb.webp"
    assert image.medium.name == f"products/{product.pk}/mug-medium.webp"
    entry = LogEntry.objects.get(action_flag=ADDITION)
    assert entry.object_id == str(product.pk)


def test_a_file_that_is_not_an_image_is_a_form_error(admin_client, catalog):
    text = SimpleUploadedFile("notes.png", b"not an image", content_type="image/png")

    response = admin_client.post(
        "/admin/catalog/product/add/", _product_form(catalog["category"], **{"images-0-image": text})
    )

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not Product.objects.filter(slug="travel-mug").exists()


def test_an_image_over_the_limit_is_a_form_error(admin_client, catalog, monkeypatch):
    monkeypatch.setattr(services, "IMAGE_MAX_PIXELS", 100)

    response = admin_client.post("/admin/catalog/product/add/", _product_form(catalog["category"]))

    assert response.status_code == 200
    assert "The image is too large" in response.content.decode()
    assert not Product.objects.filter(slug="travel-mug").exists()


def test_two_skus_with_the_same_values_are_a_form_error(admin_client, catalog):
    form = _product_form(catalog["category"], **{"skus-1-attribute_values": [colour("Red").pk]})

    response = admin_client.post("/admin/catalog/product/add/", form)

    assert response.status_code == 200
    assert "Another SKU of this product already has these attribute values." in response.content.decode()
    assert not Product.objects.filter(slug="travel-mug").exists()


def _change_form(product) -> dict:
    """The product's change form as the browser would post it back unchanged."""
    skus = list(product.skus.order_by("id"))
    images = list(product.images.order_by("position", "id"))
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": product.category_id,
        "brand": product.brand_id or "",
        "description": product.description,
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
        "skus-TOTAL_FORMS": len(skus),
        "skus-INITIAL_FORMS": len(skus),
        "skus-MIN_NUM_FORMS": 0,
        "skus-MAX_NUM_FORMS": 1000,
        "images-TOTAL_FORMS": len(images),
        "images-INITIAL_FORMS": len(images),
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
    }
    for n, sku in enumerate(skus):
        data |= {
            f"skus-{n}-id": sku.pk,
            f"skus-{n}-product": product.pk,
            f"skus-{n}-code": sku.code,
            f"skus-{n}-price": sku.price,
            f"skus-{n}-compare_at_price": sku.compare_at_price or "",
            f"skus-{n}-weight_grams": sku.weight_grams,
            f"skus-{n}-attribute_values": [v.pk for v in sku.attribute_values.all()],
        }
        if sku.is_active:
            data[f"skus-{n}-is_active"] = "on"
    for n, image in enumerate(images):
        data |= {
            f"images-{n}-id": image.pk,
            f"images-{n}-product": product.pk,
            f"images-{n}-alt": image.alt,
            f"images-{n}-position": image.position,
        }
    return data


def test_changing_skus_in_the_product_form_refreshes_the_price_range(admin_client, catalog):
    product = catalog["product"]
    SKUFactory(product=product, code="OOL-BLUE", price=Decimal("80.00"), attribute_values=[colour("Blue")])
    form = _change_form(product)
    form["skus-0-price"] = "45.00"
    form["skus-1-is_active"] = ""

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.min_price, product.max_price) == (Decimal("45.00"), Decimal("45.00"))
    assert not SKU.objects.get(code="OOL-BLUE").is_active
    assert LogEntry.objects.get(action_flag=CHANGE).get_change_message() == (
        "Changed Price for SKU “OOL-RED”. Changed Active for SKU “OOL-BLUE”."
    )


def test_two_skus_may_swap_their_values_in_one_save(admin_client, catalog):
    product = catalog["product"]
    red, blue = colour("Red"), colour("Blue")
    SKUFactory(product=product, code="OOL-BLUE", attribute_values=[blue])
    form = _change_form(product)
    form["skus-0-attribute_values"], form["skus-1-attribute_values"] = [blue.pk], [red.pk]

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    assert list(SKU.objects.get(code="OOL-RED").attribute_values.all()) == [blue]
    assert list(SKU.objects.get(code="OOL-BLUE").attribute_values.all()) == [red]


def test_replacing_and_deleting_images_in_the_product_form(
    admin_client, catalog, settings, django_capture_on_commit_callbacks
):
    product = catalog["product"]
    services.product_image_add(product=product, upload=png_upload("side.png"))
    form = _change_form(product)
    form["images-0-image"] = png_upload("new-front.png", size=(300, 300))
    form["images-0-alt"] = "New front"
    form["images-1-DELETE"] = "on"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    image = product.images.get()
    assert (image.alt, image.width, image.image.name) == ("New front", 300, f"products/{product.pk}/new-front.png")
    stored = sorted(p.name for p in (settings.MEDIA_ROOT / "products" / str(product.pk)).iterdir())
    assert stored == ["new-front-medium.webp", "new-front-thumb.webp", "new-front.png"]


def test_adding_a_category_in_the_tree(admin_client, catalog):
    parent = catalog["category"]

    response = admin_client.post(
        "/admin/catalog/category/add/",
        {"name": "Green", "slug": "green", "treebeard_position": "sorted-child", "treebeard_ref_node": parent.pk},
    )

    assert response.status_code == 302
    green = Category.objects.get(slug="green")
    assert [c.slug for c in Category.objects.get_ancestors(green)] == ["drinks", "tea"]


def test_a_category_whose_subtree_has_products_cannot_be_deleted(admin_client, catalog):
    drinks = Category.objects.get(slug="drinks")

    page = admin_client.get(f"/admin/catalog/category/{drinks.pk}/delete/")
    response = admin_client.post(f"/admin/catalog/category/{drinks.pk}/delete/", {"post": "yes"})

    assert "would require deleting the following protected related objects" in page.content.decode()
    assert "<li>Product: Oolong</li>" in page.content.decode()
    assert response.status_code == 200
    assert "<li>Product: Oolong</li>" in response.content.decode()
    assert Category.objects.count() == 2


def test_an_attribute_value_in_use_cannot_be_deleted(admin_client, catalog):
    attribute = Attribute.objects.get()
    red = attribute.values.get()

    response = admin_client.post(
        f"/admin/catalog/attribute/{attribute.pk}/change/",
        {
            "name": "Colour",
            "slug": "colour",
            "position": 0,
            "values-TOTAL_FORMS": 1,
            "values-INITIAL_FORMS": 1,
            "values-MIN_NUM_FORMS": 0,
            "values-MAX_NUM_FORMS": 1000,
            "values-0-id": red.pk,
            "values-0-attribute": attribute.pk,
            "values-0-value": "Red",
            "values-0-slug": "red",
            "values-0-position": 0,
            "values-0-DELETE": "on",
        },
    )

    assert response.status_code == 200
    assert "is used by SKUs" in response.content.decode()
    assert attribute.values.count() == 1


def test_a_staff_member_with_product_permissions_can_publish(client, catalog):
    editor = UserFactory(is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=["view_product", "change_product"])
    )
    client.force_login(editor)
    product = catalog["product"]
    services.product_unpublish(product=product)

    response = client.post("/admin/catalog/product/", {"action": "publish", "_selected_action": [product.pk]})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED
    assert ProductImage.objects.count() == 1


def test_an_attribute_whose_values_skus_use_cannot_be_deleted(admin_client, catalog):
    attribute = Attribute.objects.get()

    response = admin_client.post(f"/admin/catalog/attribute/{attribute.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert "<li>SKU: OOL-RED</li>" in response.content.decode()
    assert Attribute.objects.filter(pk=attribute.pk).exists()
