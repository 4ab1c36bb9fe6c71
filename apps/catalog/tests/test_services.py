import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.accounts.tests.factories import UserFactory
from apps.catalog import handlers, services
from apps.catalog.domain.exceptions import (
    AlreadyReviewed,
    DuplicateCombination,
    ImageTooLarge,
    InvalidImage,
    InvalidSkuAttributes,
    ProductNotPublishable,
    ReviewNotAllowed,
)
from apps.catalog.models import SKU, Attribute, AttributeValue, Product, ProductImage, Purchase
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, ProductFactory, SKUFactory, buyer_of
from apps.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def picture_upload(name="photo.png", size=(1200, 900), image_format="PNG", mode="RGB") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, size, "#2a6").save(out, format=image_format)
    return SimpleUploadedFile(name, out.getvalue())


def value(attribute: str, text: str) -> AttributeValue:
    return services.attribute_value_get_or_create(attribute=attribute, value=text)


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Jasmine Tea",
        category=CategoryFactory(name="Green Tea"),
        brand=BrandFactory(name="Lotus"),
        description="Spring Harvest",
    )


# --- read model ---------------------------------------------------------------------------


def test_product_refresh_takes_prices_of_active_skus_and_stock_and_search_text(product):
    cheap = SKUFactory(product=product, price=Decimal("59.00"), attribute_values=[value("Weight", "50 g")])
    SKUFactory(product=product, price=Decimal("129.90"), attribute_values=[value("Weight", "100 g")])
    SKUFactory(product=product, price=Decimal("9.00"), is_active=False, attribute_values=[value("Weight", "5 g")])
    SKU.objects.filter(pk=cheap.pk).update(stock_available=3)

    services.product_refresh(product=product)

    product.refresh_from_db()
    assert (product.min_price, product.max_price, product.in_stock) == (Decimal("59.00"), Decimal("129.90"), True)
    assert product.search_document == "jasmine tea lotus green tea spring harvest"


def test_without_active_skus_a_product_has_no_price_and_no_stock(product):
    sku = SKUFactory(product=product, price=Decimal("59.00"))
    services.sku_stock_sync(sku_id=sku.pk, available=5, version=1)

    services.sku_update(sku=sku, is_active=False)

    product.refresh_from_db()
    assert (product.min_price, product.max_price, product.in_stock) == (None, None, False)


def test_stock_sync_ignores_reports_older_than_the_last(product):
    sku = SKUFactory(product=product)

    assert services.sku_stock_sync(sku_id=sku.pk, available=4, version=2) is True
    assert services.sku_stock_sync(sku_id=sku.pk, available=9, version=1) is False

    sku.refresh_from_db()
    product.refresh_from_db()
    assert (sku.stock_available, sku.stock_version, product.in_stock) == (4, 2, True)


def test_product_save_from_a_form_refreshes_the_search_text(product):
    product.name = "Silver Needle"

    services.product_save(product=product)

    product.refresh_from_db()
    assert product.search_document == "silver needle lotus green tea spring harvest"


def test_renaming_a_brand_or_a_category_refreshes_their_products_search_text(product):
    brand, category = product.brand, product.category
    brand.name = "Peony"
    category.name = "White Tea"
    category.save()

    services.brand_save(brand=brand)
    services.category_products_refresh(category=category)

    product.refresh_from_db()
    assert product.search_document == "jasmine tea peony white tea spring harvest"


# --- publishing ---------------------------------------------------------------------------


def test_publishing_needs_an_active_sku(product):
    SKUFactory(product=product, is_active=False)

    with pytest.raises(ProductNotPublishable):
        services.product_publish(product=product)

    product.refresh_from_db()
    assert (product.status, product.published_at) == (Product.Status.DRAFT, None)
    assert not OutboxMessage.objects.exists()


def test_publishing_stamps_the_time_once_and_announces_it_once(product):
    SKUFactory(product=product)

    first = services.product_publish(product=product)
    again = services.product_publish(product=product)

    assert first.status == again.status == Product.Status.PUBLISHED
    assert again.published_at == first.published_at
    assert list(OutboxMessage.objects.values_list("topic", "payload")) == [
        ("catalog.product_published.v1", {"product_id": product.pk, "slug": "jasmine-tea"})
    ]


def test_unpublish_goes_back_to_draft_or_archives(product):
    SKUFactory(product=product)
    services.product_publish(product=product)

    drafted = services.product_unpublish(product=product)
    archived = services.product_unpublish(product=product, archive=True)

    assert (drafted.status, archived.status) == (Product.Status.DRAFT, Product.Status.ARCHIVED)


# --- SKUs and attribute values ------------------------------------------------------------


def test_a_second_sku_with_the_same_attribute_values_is_refused(product):
    red, small = value("Colour", "Red"), value("Size", "S")
    SKUFactory(product=product, code="RED-S", attribute_values=[red, small])

    with pytest.raises(DuplicateCombination):
        services.sku_create(product=product, code="RED-S-2", price="10.00", attribute_values=[small, red])

    assert list(product.skus.values_list("code", flat=True)) == ["RED-S"]


def test_a_sku_takes_one_value_per_attribute(product):
    with pytest.raises(InvalidSkuAttributes):
        services.sku_create(
            product=product, code="X", price="10.00", attribute_values=[value("Colour", "Red"), value("Colour", "Blue")]
        )

    assert not SKU.objects.exists()


def test_attribute_values_by_name_are_created_once_and_reused(product):
    sku = services.sku_create_with_values(
        product=product, code="A", price="10.00", values={"Colour": "Red", "Size": "M"}
    )
    services.sku_create_with_values(product=product, code="B", price="10.00", values={"colour": "Blue", "size": "M"})

    assert sorted(Attribute.objects.values_list("slug", "name")) == [("colour", "Colour"), ("size", "Size")]
    assert sorted(AttributeValue.objects.values_list("attribute__slug", "slug", "value")) == [
        ("colour", "blue", "Blue"),
        ("colour", "red", "Red"),
        ("size", "m", "M"),
    ]
    assert sorted(str(v) for v in sku.attribute_values.all()) == ["Colour: Red", "Size: M"]


def test_a_refused_sku_leaves_no_new_attribute_values_behind(product):
    services.sku_create_with_values(product=product, code="A", price="10.00", values={"Colour": "Red"})

    with pytest.raises(DuplicateCombination):
        services.sku_create_with_values(product=product, code="B", price="10.00", values={"Colour": "Red"})
    with pytest.raises(InvalidSkuAttributes):
        services.sku_create_with_values(
            product=product, code="C", price="10.00", values={"Colour": "Green", "colour": "Blue"}
        )

    assert list(AttributeValue.objects.values_list("value", flat=True)) == ["Red"]


def test_combinations_are_checked_on_the_end_state_so_two_skus_may_swap_values(product):
    red, blue = value("Colour", "Red"), value("Colour", "Blue")
    first = SKUFactory(product=product, attribute_values=[red])
    second = SKUFactory(product=product, attribute_values=[blue])

    services.product_sku_values_set(product=product, values_by_sku={first: [blue], second: [red]})

    assert list(first.attribute_values.all()) == [blue]
    assert list(second.attribute_values.all()) == [red]
    with pytest.raises(DuplicateCombination):
        services.product_sku_values_set(product=product, values_by_sku={first: [red]})


def test_combination_check_of_a_whole_set():
    colour = Attribute(pk=1, name="Colour", slug="colour")
    red = AttributeValue(pk=1, attribute=colour, value="Red")
    blue = AttributeValue(pk=2, attribute=colour, value="Blue")

    services.sku_combinations_check(value_sets=[[red], [blue], []])
    with pytest.raises(DuplicateCombination):
        services.sku_combinations_check(value_sets=[[red], [blue], [red]])
    with pytest.raises(InvalidSkuAttributes):
        services.sku_combinations_check(value_sets=[[red, blue]])


# --- reviews ------------------------------------------------------------------------------


@pytest.fixture
def on_sale(product):
    SKUFactory(product=product)
    return services.product_publish(product=product)


def test_the_rating_is_the_exact_average_of_approved_reviews(on_sale):
    moderator = UserFactory(is_staff=True)
    reviews = [
        services.review_submit(user=buyer_of(on_sale), product=on_sale, rating=rating, body="Tasted it.")
        for rating in (5, 4, 4, 1)
    ]
    for review in reviews[:3]:
        services.review_moderate(review=review, approve=True, moderator=moderator)
    services.review_moderate(review=reviews[3], approve=False, moderator=moderator)

    on_sale.refresh_from_db()
    assert (on_sale.rating_avg, on_sale.rating_count) == (Decimal("4.33"), 3)

    services.review_moderate(review=reviews[0], approve=False, moderator=moderator)

    on_sale.refresh_from_db()
    assert (on_sale.rating_avg, on_sale.rating_count) == (Decimal("4.00"), 2)


def test_a_review_waits_for_moderation_and_records_the_moderator(on_sale, user):
    moderator = UserFactory(is_staff=True)
    review = services.review_submit(
        user=buyer_of(on_sale, user), product=on_sale, rating=3, title="  Ok  ", body=" Fine. "
    )

    assert (review.status, review.title, review.body) == ("pending", "Ok", "Fine.")
    moderated = services.review_moderate(review=review, approve=True, moderator=moderator)
    assert (moderated.status, moderated.moderated_by) == ("approved", moderator)
    assert moderated.moderated_at is not None


def test_one_review_per_customer_and_product(on_sale, user):
    services.review_submit(user=buyer_of(on_sale, user), product=on_sale, rating=5, body="Great.")

    with pytest.raises(AlreadyReviewed):
        services.review_submit(user=user, product=on_sale, rating=1, body="Changed my mind.")


def test_without_the_purchase_rule_every_signed_in_customer_may_review(settings, on_sale, user):
    from django.contrib.auth.models import AnonymousUser

    settings.REVIEWS_REQUIRE_PURCHASE = False

    assert services.review_allowed(user=user, product=on_sale) is True
    assert services.review_allowed(user=AnonymousUser(), product=on_sale) is False


def test_with_the_purchase_rule_only_buyers_may_review(settings, on_sale, user, other_user):
    settings.REVIEWS_REQUIRE_PURCHASE = True
    Purchase.objects.create(user=other_user, product=on_sale, first_order_reference="SO-1")

    assert services.review_allowed(user=user, product=on_sale) is False
    assert services.review_allowed(user=other_user, product=on_sale) is True
    with pytest.raises(ReviewNotAllowed):
        services.review_submit(user=user, product=on_sale, rating=5, body="Never bought it.")


def test_by_default_only_buyers_may_review(on_sale, user):
    # given the settings as shipped: a signed-in customer who has not bought the product
    assert services.review_allowed(user=user, product=on_sale) is False

    # when a completed order of it is recorded (catalog.record_purchase)
    services.purchase_record(user_id=user.pk, product_ids=[on_sale.pk], reference="SO-7")

    # then
    assert services.review_allowed(user=user, product=on_sale) is True


def test_drafts_cannot_be_reviewed(product, user):
    assert services.review_allowed(user=user, product=product) is False


def test_purchase_handler_records_each_product_once_however_often_delivered(on_sale, user):
    message = {
        "message_id": str(uuid.uuid4()),
        "topic": "orders.order_completed.v1",
        "payload": {"user_id": user.pk, "product_ids": [on_sale.pk, 999_999], "number": "SO-42"},
    }

    first = handlers.record_purchase.apply(kwargs=message).get()
    second = handlers.record_purchase.apply(kwargs=message).get()
    handlers.record_purchase.apply(kwargs={**message, "message_id": str(uuid.uuid4())}).get()

    assert (first, second) == ("handled", "duplicate")
    assert list(Purchase.objects.values_list("user_id", "product_id", "first_order_reference")) == [
        (user.pk, on_sale.pk, "SO-42")
    ]


# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "mode", "stored_as"),
    [("PNG", "RGBA", "png"), ("JPEG", "RGB", "jpeg"), ("WEBP", "RGB", "webp"), ("PNG", "P", "png")],
)
def test_jpeg_png_and_webp_are_stored_with_a_thumbnail_and_a_medium_size(product, image_format, mode, stored_as):
    upload = picture_upload("Leaf Photo.img", size=(1000, 2000), image_format=image_format, mode=mode)

    image = services.product_image_add(product=product, upload=upload, alt="Leaves")

    assert image.image.name == f"products/{product.pk}/Leaf_Photo.{stored_as}"
    assert (image.width, image.height, image.alt, image.position) == (1000, 2000, "Leaves", 0)
    for field, size in ((image.thumbnail, (150, 300)), (image.medium, (400, 800))):
        with default_storage.open(field.name) as stored, Image.open(stored) as picture:
            assert (picture.format, picture.size) == ("WEBP", size)


def test_small_images_are_not_enlarged(product):
    image = services.product_image_add(product=product, upload=picture_upload(size=(120, 80)))

    with default_storage.open(image.thumbnail.name) as stored, Image.open(stored) as picture:
        assert picture.size == (120, 80)


def test_images_take_the_next_position(product):
    first = services.product_image_add(product=product, upload=picture_upload())
    second = services.product_image_add(product=product, upload=picture_upload())

    assert (first.position, second.position) == (0, 1)


def test_thumbnails_are_made_once_at_upload_not_when_shown(client, product, settings):
    SKUFactory(product=product)
    services.product_image_add(product=product, upload=picture_upload("leaf.png"))
    services.product_publish(product=product)
    files = stored_files(settings)

    client.get("/api/v1/products/")
    client.get("/api/v1/products/jasmine-tea/")

    assert files == [
        f"products/{product.pk}/leaf-medium.webp",
        f"products/{product.pk}/leaf-thumb.webp",
        f"products/{product.pk}/leaf.png",
    ]
    assert stored_files(settings) == files


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"just text", "text"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "a broken PNG"),
        (None, "a GIF"),
    ],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused(product, settings, content, why):
    if content is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, format="GIF")
        content = out.getvalue()

    with pytest.raises(InvalidImage):
        services.product_image_add(product=product, upload=SimpleUploadedFile("x.png", content))

    assert not ProductImage.objects.exists(), why
    assert stored_files(settings) == []


def test_images_over_the_byte_or_pixel_limit_are_refused(product, monkeypatch):
    monkeypatch.setattr(services, "IMAGE_MAX_PIXELS", 50 * 50)
    with pytest.raises(ImageTooLarge):
        services.product_image_add(product=product, upload=picture_upload(size=(51, 50)))

    monkeypatch.setattr(services, "IMAGE_MAX_BYTES", 100)
    with pytest.raises(ImageTooLarge):
        services.product_image_add(product=product, upload=picture_upload(size=(10, 10), image_format="JPEG"))

    assert not ProductImage.objects.exists()


def test_a_sideways_phone_photo_is_resized_upright(product):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    Image.new("RGB", (400, 200)).save(out, format="JPEG", exif=exif)

    image = services.product_image_add(product=product, upload=SimpleUploadedFile("phone.jpg", out.getvalue()))

    with default_storage.open(image.thumbnail.name) as stored, Image.open(stored) as picture:
        assert picture.size == (150, 300)


def test_replacing_an_image_stores_new_sizes_and_removes_the_old_files(
    product, settings, django_capture_on_commit_callbacks
):
    image = services.product_image_add(product=product, upload=picture_upload("old.png"))

    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_replace(image=image, upload=picture_upload("new.png", size=(600, 600)))

    image.refresh_from_db()
    assert (image.width, image.height) == (600, 600)
    assert stored_files(settings) == [
        f"products/{product.pk}/new-medium.webp",
        f"products/{product.pk}/new-thumb.webp",
        f"products/{product.pk}/new.png",
    ]


def test_deleting_a_product_removes_its_image_files(product, settings, django_capture_on_commit_callbacks):
    services.product_image_add(product=product, upload=picture_upload("leaf.png"))

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(product=product)

    assert not Product.objects.exists()
    assert stored_files(settings) == []


def test_a_save_still_succeeds_when_the_cache_is_down(product, django_capture_on_commit_callbacks):
    from django.test import override_settings

    sku = services.sku_create(product=product, code="TEA-1", price="99.00")
    redis_down = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }

    with override_settings(CACHES=redis_down), django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=sku, price="88.00")

    sku.refresh_from_db()
    assert sku.price == Decimal("88.00")
