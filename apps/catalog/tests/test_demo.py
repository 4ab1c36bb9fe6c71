"""The demo catalog (`seed_demo`): a believable shop, the same on every run."""

import io
from contextlib import contextmanager
from decimal import Decimal

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.test import TestCase, override_settings
from PIL import Image

from apps.accounts.models import User
from apps.catalog import demo
from apps.catalog.models import SKU, Brand, Category, Product, ProductImage, Purchase, Review
from apps.core.models import OutboxMessage
from apps.inventory.models import Stock, StockMovement

PRODUCTS = 30


@pytest.fixture(scope="module")
def demo_shop(django_db_setup, django_db_blocker, tmp_path_factory):
    """`seed_demo --products 30` once for the module (it takes seconds), rolled back after it.

    The tests run inside this transaction, as with TestCase.setUpTestData. The on-commit
    callbacks (the outbox relay, so catalog's stock handler) run when seed_demo returns,
    as they would after its commits.
    """
    media_root = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        _eager_celery(),
        transaction.atomic(),
    ):
        output = run_seed_demo(PRODUCTS)
        yield {"media_root": media_root, "output": output}
        transaction.set_rollback(True)


@contextmanager
def _eager_celery():
    was_eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = was_eager


def run_seed_demo(products: int) -> str:
    """seed_demo, with the events its transactions publish delivered as after a commit."""
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", products=products, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Everything a second run could add or change."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email")),
        "categories": list(Category.objects.order_by("path").values_list("path", "slug", "name")),
        "brands": list(Brand.objects.order_by("slug").values_list("slug", "name")),
        "products": list(
            Product.objects.order_by("slug").values_list(
                "pk", "slug", "name", "status", "min_price", "max_price", "in_stock", "rating_count"
            )
        ),
        "skus": list(SKU.objects.order_by("code").values_list("pk", "code", "price", "stock_available")),
        "images": list(ProductImage.objects.order_by("pk").values_list("pk", "image", "thumbnail", "medium")),
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "status")),
        "stock": list(Stock.objects.order_by("sku_id").values_list("sku_id", "on_hand", "version")),
        "movements": StockMovement.objects.count(),
        "events": OutboxMessage.objects.count(),
    }


# --- Without a database: the specs and pictures ---------------------------------------------------


def test_specs_are_the_same_whatever_the_count_asked_for():
    assert demo.product_specs(count=40)[:25] == demo.product_specs(count=25)


def test_every_spec_has_1_to_12_skus_with_distinct_codes_and_combinations():
    specs = demo.product_specs(count=600)

    sku_counts = {len(spec.skus) for spec in specs}
    codes = [sku.code for spec in specs for sku in spec.skus]
    assert min(sku_counts) == 1
    assert max(sku_counts) == 12
    assert len(codes) == len(set(codes))
    for spec in specs:
        combinations = [frozenset(sku.values) for sku in spec.skus]
        assert len(combinations) == len(set(combinations)), spec.slug


def test_prices_are_cny_amounts_with_compare_at_prices_above_them():
    skus = [sku for spec in demo.product_specs(count=600) for sku in spec.skus]

    assert all(sku.price == sku.price.quantize(Decimal("0.01")) and sku.price > 0 for sku in skus)
    on_sale = [sku for sku in skus if sku.compare_at_price is not None]
    assert 0.2 < len(on_sale) / len(skus) < 0.5
    assert all(sku.compare_at_price > sku.price for sku in on_sale)


def test_product_names_are_not_repeated():
    names = [spec.name for spec in demo.product_specs(count=2000)]

    assert len(names) == len(set(names))


def test_shop_prices_end_in_nine():
    assert [demo.shop_price(x) for x in (2463.0, 1260.0, 344.0, 39.6, 1.2)] == [
        Decimal("2499.00"),
        Decimal("1299.00"),
        Decimal("339.00"),
        Decimal("39.90"),
        Decimal("1.90"),
    ]


def test_a_picture_is_a_small_jpeg():
    picture = demo.product_specs(count=1)[0].pictures[0]

    with Image.open(io.BytesIO(demo.draw_picture(picture))) as image:
        assert (image.format, image.size) == ("JPEG", (demo.PICTURE_SIZE, demo.PICTURE_SIZE))


# --- seed_demo on the test database ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_category_tree_has_three_levels(demo_shop):
    per_depth = dict(Category.objects.values_list("depth").annotate(n=Count("id")).order_by("depth"))
    assert per_depth == {1: 6, 2: 14, 3: 26}
    electronics, phones, smartphones = (Category.objects.get(slug=s) for s in ("electronics", "phones", "smartphones"))
    assert (electronics.name, phones.name, smartphones.name) == (
        "数码 Electronics",
        "手机 Phones",
        "智能手机 Smartphones",
    )
    assert smartphones.path.startswith(phones.path)
    assert phones.path.startswith(electronics.path)
    assert (electronics.depth, phones.depth, smartphones.depth) == (1, 2, 3)


@pytest.mark.django_db
def test_there_are_twenty_brands(demo_shop):
    assert Brand.objects.count() == 20
    assert Brand.objects.get(slug="huaxing").name == "华星 Huaxing"


@pytest.mark.django_db
def test_products_are_published_with_1_to_12_skus_and_their_price_range(demo_shop):
    products = Product.objects.annotate(skus_n=Count("skus"), low=Min("skus__price"), high=Max("skus__price"))
    assert products.count() == PRODUCTS
    assert set(products.values_list("status", flat=True)) == {Product.Status.PUBLISHED}
    for product in products:
        assert 1 <= product.skus_n <= 12, product.slug
        assert (product.min_price, product.max_price) == (product.low, product.high)
        assert product.category.is_leaf()
        assert product.name.lower() in product.search_document
    # One product per leaf category before any repeats.
    assert Product.objects.values("category").distinct().count() == 26
    assert Product.objects.filter(is_featured=True).exists()


@pytest.mark.django_db
def test_skus_carry_real_attribute_combinations(demo_shop):
    phone = Product.objects.filter(category__slug="smartphones").order_by("pk").first()
    attributes = {
        value.attribute.name for sku in phone.skus.all() for value in sku.attribute_values.select_related("attribute")
    }
    assert attributes <= {"颜色 Colour", "存储 Storage"}
    dress = Product.objects.filter(category__slug="dresses").order_by("pk").first()
    sizes = set(dress.skus.values_list("attribute_values__value", flat=True))
    assert sizes & {"S", "M", "L", "XL", "XXL"}


@pytest.mark.django_db
def test_every_product_has_one_to_three_stored_pictures_with_thumbnails(demo_shop):
    media_root = demo_shop["media_root"]
    per_product = dict(Product.objects.annotate(n=Count("images")).values_list("slug", "n"))
    assert set(per_product.values()) <= {1, 2, 3}
    assert len(per_product) == PRODUCTS
    for image in ProductImage.objects.all():
        assert (image.width, image.height) == (demo.PICTURE_SIZE, demo.PICTURE_SIZE)
        for field in (image.image, image.thumbnail, image.medium):
            assert (media_root / field.name).is_file()


@pytest.mark.django_db
def test_stock_is_received_and_some_products_are_sold_out(demo_shop):
    stock = {row.sku_id: row for row in Stock.objects.all()}
    skus = list(SKU.objects.all())
    assert len(stock) == len(skus)
    assert all(sku.stock_available == stock[sku.pk].available for sku in skus)
    assert all(0 <= row.on_hand <= 200 for row in stock.values())
    sold_out_skus = sum(1 for row in stock.values() if row.on_hand == 0)
    assert 0 < sold_out_skus < len(skus) / 4
    for product in Product.objects.prefetch_related("skus"):
        assert product.in_stock == any(sku.stock_available > 0 for sku in product.skus.all()), product.slug
    assert Product.objects.filter(in_stock=False).exists()
    assert Product.objects.filter(in_stock=True).count() > PRODUCTS * 0.8
    received = StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVE)
    assert set(received.values_list("reference", flat=True).distinct()) == {"demo"}


@pytest.mark.django_db
def test_only_buyers_reviewed_what_they_bought_and_the_spam_was_rejected(demo_shop):
    purchases = list(Purchase.objects.values_list("user__email", "product__slug"))
    plan = demo.review_specs(purchases=purchases)

    reviews = Review.objects.select_related("user", "product")
    assert reviews.count() == len(plan) > 10
    assert set(reviews.values_list("user__email", "product__slug")) <= set(purchases)
    assert reviews.filter(user__email="customer@example.com").exists()
    assert set(reviews.filter(status=Review.Status.REJECTED).values_list("user__email", "title")) <= {
        (demo.SPAMMER_EMAIL, "领券")
    }
    assert not reviews.filter(user__email=demo.SPAMMER_EMAIL).exclude(status=Review.Status.REJECTED).exists()
    assert reviews.filter(status=Review.Status.PENDING).count() == sum(r.outcome == "pending" for r in plan)


def test_the_review_plan_follows_the_purchases_alone():
    bought = [(f"shopper{n}@example.com", f"product-{p}") for n in range(5) for p in range(20)]

    plan = demo.review_specs(purchases=bought)
    more = demo.review_specs(purchases=[*bought, ("late@example.com", "product-99")])
    spam = demo.review_specs(purchases=[(demo.SPAMMER_EMAIL, f"product-{p}") for p in range(40)])

    assert set(plan) <= set(more)
    assert 0.4 * len(bought) < len(plan) < 0.8 * len(bought)
    assert {(r.author, r.product_slug) for r in plan} <= set(bought)
    assert {(r.title, r.outcome) for r in spam} == {("领券", "reject")}
    assert 0 < len(spam) < 20


@pytest.mark.django_db
def test_ratings_are_the_average_of_the_approved_reviews(demo_shop):
    approved = Review.objects.filter(status=Review.Status.APPROVED)

    for product in Product.objects.filter(reviews__isnull=False).distinct():
        ratings = list(approved.filter(product=product).values_list("rating", flat=True))
        assert product.rating_count == len(ratings)
        average = sum(ratings) / len(ratings) if ratings else 0
        assert product.rating_avg == Decimal(str(average)).quantize(Decimal("0.01")), product.slug


@pytest.mark.django_db
def test_running_it_again_changes_nothing(demo_shop):
    first_output = demo_shop["output"]
    before = snapshot()

    second_output = run_seed_demo(PRODUCTS)

    assert snapshot() == before
    assert "customer@example.com / shop-customer-2026" in second_output
    logins = [line for line in first_output.splitlines() if line.startswith("  ")]
    assert logins == [line for line in second_output.splitlines() if line.startswith("  ")]


@pytest.mark.django_db
def test_a_larger_count_adds_only_the_missing_products(demo_shop):
    before = list(Product.objects.order_by("pk").values_list("pk", "slug", "updated_at"))

    run_seed_demo(PRODUCTS + 4)

    after = list(Product.objects.order_by("pk").values_list("pk", "slug", "updated_at"))
    assert after[:PRODUCTS] == before
    assert [slug for _, slug, _ in after[PRODUCTS:]] == [
        s.slug for s in demo.product_specs(count=PRODUCTS + 4)[PRODUCTS:]
    ]
    assert Stock.objects.count() == SKU.objects.count()
    assert SKU.objects.filter(product__slug=after[-1][1], stock_available__gt=0).exists()


@pytest.mark.django_db
def test_bulk_products_get_the_same_read_model_and_share_pictures_of_their_category(demo_shop, monkeypatch):
    # Beyond DETAILED_PRODUCTS (300 normally) products are bulk-inserted: lower it to test that path.
    monkeypatch.setattr(demo, "DETAILED_PRODUCTS", 26)

    run_seed_demo(PRODUCTS + 12)

    bulk = Product.objects.filter(slug__in=[spec.slug for spec in demo.product_specs(count=PRODUCTS + 12)[PRODUCTS:]])
    assert bulk.count() == 12
    for product in bulk.annotate(low=Min("skus__price"), high=Max("skus__price")).prefetch_related("skus", "images"):
        assert product.status == Product.Status.PUBLISHED
        assert (product.min_price, product.max_price) == (product.low, product.high)
        assert product.in_stock == any(sku.stock_available > 0 for sku in product.skus.all())
        assert product.name.lower() in product.search_document
        shared = ProductImage.objects.filter(image__in=[i.image.name for i in product.images.all()])
        assert set(shared.values_list("product__category", flat=True)) == {product.category_id}
        assert shared.exclude(product=product).exists()
    published = OutboxMessage.objects.filter(topic="catalog.product_published.v1")
    assert published.count() == PRODUCTS + 12
