"""The product page: SKU data, gallery, SEO, reviews, and prices that are never stale."""

import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.catalog import cache as catalog_cache
from apps.catalog import services
from apps.catalog.models import Purchase, Review
from apps.catalog.tests.factories import CategoryFactory, buyer_of, image_upload, published_product
from apps.inventory.services import stock_adjust

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mugs():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    return CategoryFactory(name="Mugs", slug="mugs", parent=kitchen)


@pytest.fixture
def options():
    value = services.attribute_value_get_or_create
    return {
        "red": value(attribute="Colour", value="Red"),
        "blue": value(attribute="Colour", value="Blue"),
        "s": value(attribute="Size", value="S"),
        "m": value(attribute="Size", value="M"),
    }


@pytest.fixture
def mug(mugs, options):
    product = published_product(
        name="Travel mug",
        category=mugs,
        description="A steel travel mug that keeps tea hot for six hours.\n\nDishwasher safe.",
        skus=[
            ("99.00", 20, [options["red"], options["s"]]),
            ("109.00", 4, [options["red"], options["m"]]),
            ("119.00", 0, [options["blue"], options["s"]]),
        ],
    )
    services.sku_update(sku=product.skus.get(price="99.00"), compare_at_price="129.00")
    return product


def sku_data(response) -> list[dict]:
    found = re.search(r'<script id="sku-data" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1))


def test_the_product_page_embeds_every_active_sku_for_the_selector(client, mug, options):
    red_s, red_m, blue_s = mug.skus.order_by("price")
    services.sku_create(product=mug, code="RETIRED", price="1.00", is_active=False)

    response = client.get("/p/travel-mug/")

    assert response.status_code == 200
    assert sku_data(response) == [
        {
            "id": red_s.pk,
            "code": red_s.code,
            "price": "¥99.00",
            "compare_at_price": "¥129.00",
            "available": 20,
            "values": sorted([options["red"].pk, options["s"].pk]),
        },
        {
            "id": red_m.pk,
            "code": red_m.code,
            "price": "¥109.00",
            "compare_at_price": "",
            "available": 4,
            "values": sorted([options["red"].pk, options["m"].pk]),
        },
        {
            "id": blue_s.pk,
            "code": blue_s.code,
            "price": "¥119.00",
            "compare_at_price": "",
            "available": 0,
            "values": sorted([options["blue"].pk, options["s"].pk]),
        },
    ]


def test_the_product_page_starts_with_the_cheapest_sku_in_stock_chosen(client, mug, options):
    html = client.get("/p/travel-mug/").content.decode()

    assert '<span class="price price-large" data-sku-price>¥99.00</span>' in html
    assert '<s class="compare-at" data-sku-compare-at>¥129.00</s>' in html
    assert '<p class="availability availability-in-stock" data-sku-availability aria-live="polite">In stock</p>' in html
    assert f'<input type="radio" name="attribute-colour" value="{options["red"].pk}" checked>' in html
    assert f'<input type="radio" name="attribute-colour" value="{options["blue"].pk}">' in html
    assert f'<input type="radio" name="attribute-size" value="{options["s"].pk}" checked>' in html
    red_s = mug.skus.get(price="99.00")
    assert f'<input type="hidden" name="sku" value="{red_s.pk}" data-sku-id>' in html
    assert html.index("<legend>Colour</legend>") < html.index("<legend>Size</legend>")


def test_the_page_says_only_n_left_at_five_or_fewer(client, mugs):
    published_product(name="Last mugs", category=mugs, skus=[("50.00", 5)])

    html = client.get("/p/last-mugs/").content.decode()

    assert "Only 5 left" in html
    assert "availability-few-left" in html


def test_a_product_with_every_sku_sold_out_says_sold_out(client, mugs, options):
    published_product(
        name="Gone mug", category=mugs, skus=[("50.00", 0, [options["red"]]), ("60.00", 0, [options["blue"]])]
    )

    html = client.get("/p/gone-mug/").content.decode()

    assert '<p class="availability availability-sold-out" data-sku-availability aria-live="polite">Sold out</p>' in html
    assert '<span class="price price-large" data-sku-price>¥50.00</span>' in html


def test_the_gallery_shows_the_first_picture_large_and_every_thumbnail(client, mug):
    first = services.product_image_add(product=mug, upload=image_upload(colour="#ff0000"), alt="Red mug")
    second = services.product_image_add(product=mug, upload=image_upload(colour="#0000ff"), alt="Blue mug")

    html = client.get("/p/travel-mug/").content.decode()

    assert f'<img src="{first.medium.url}" alt="Red mug" data-gallery-image' in html
    assert (
        f'<a href="{first.image.url}" data-medium="{first.medium.url}" data-alt="Red mug" aria-current="true">' in html
    )
    assert f'<a href="{second.image.url}" data-medium="{second.medium.url}" data-alt="Blue mug">' in html
    assert f'<meta property="og:image" content="http://testserver{first.medium.url}">' in html


def test_the_product_page_has_breadcrumbs_canonical_url_title_and_meta_description(client, mug):
    html = client.get("/p/travel-mug/?utm_source=ad&reviews_page=1").content.decode()

    assert '<link rel="canonical" href="http://testserver/p/travel-mug/">' in html
    assert "<title>Travel mug · Shop</title>" in html
    assert (
        '<meta name="description" content="A steel travel mug that keeps tea hot for six hours. Dishwasher safe.">'
        in html
    )
    assert re.search(
        r'<li><a href="/">Home</a></li>\s*'
        r'<li><a href="/c/kitchen/">Kitchen</a></li><li><a href="/c/mugs/">Mugs</a></li>'
        r'\s*<li><span aria-current="page">Travel mug</span></li>',
        html,
    )


def test_seo_fields_win_and_a_long_description_is_cut_to_155_characters(client, mugs):
    published_product(name="Tea set", category=mugs, description="Porcelain " * 40, seo_title="Porcelain tea set")
    published_product(name="Coffee set", category=mugs, seo_description="Six cups and a pot.")

    tea = client.get("/p/tea-set/").content.decode()
    coffee = client.get("/p/coffee-set/").content.decode()

    description = re.search(r'<meta name="description" content="(.*?)">', tea).group(1)
    assert len(description) == 155
    assert description.startswith("Porcelain Porcelain")
    assert description.endswith("…")
    assert "<title>Porcelain tea set · Shop</title>" in tea
    assert '<meta name="description" content="Six cups and a pot.">' in coffee


def test_draft_archived_and_unknown_products_are_404_pages(client, mugs, mug):
    draft = services.product_create(name="Draft mug", category=mugs)
    services.sku_create(product=draft, code="DRAFT-1", price="10.00")
    services.product_unpublish(product=mug, archive=True)

    for path in ["/p/draft-mug/", "/p/travel-mug/", "/p/no-such-mug/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.content.decode()


def test_unpublishing_drops_the_cached_page_after_commit(client, mug, django_capture_on_commit_callbacks):
    assert client.get("/p/travel-mug/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.product_unpublish(product=mug)

    assert client.get("/p/travel-mug/").status_code == 404


def test_nobody_sees_a_stale_price_after_a_save(client, mug, django_capture_on_commit_callbacks):
    sku = mug.skus.get(price="99.00")
    assert "¥99.00" in client.get("/p/travel-mug/").content.decode()
    assert [c["min_price"] for c in client.get("/c/kitchen/").context["cards"]] == [99]
    assert cache.get(catalog_cache.product_key(mug.pk)) is not None  # the page is cached

    with django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=sku, price="79.00")

    product_page = client.get("/p/travel-mug/").content.decode()
    category_page = client.get("/c/kitchen/").content.decode()
    assert '<span class="price price-large" data-sku-price>¥79.00</span>' in product_page
    assert '"price": "\\u00a579.00"' in product_page
    assert "¥99.00" not in product_page
    assert "from ¥79.00" in category_page
    assert "¥99.00" not in category_page


def test_stock_counted_in_inventory_shows_on_the_cached_page(
    client, mugs, eager_celery, django_capture_on_commit_callbacks
):
    product = published_product(name="Restocked mug", category=mugs, skus=[("50.00", 0)])
    assert "Sold out" in client.get("/p/restocked-mug/").content.decode()
    assert names_in_stock(client) == []

    with django_capture_on_commit_callbacks(execute=True):
        stock_adjust(sku_id=product.skus.get().pk, delta=3, reference="count")

    assert "Only 3 left" in client.get("/p/restocked-mug/").content.decode()
    assert names_in_stock(client) == ["Restocked mug"]


def names_in_stock(client) -> list[str]:
    return [c["name"] for c in client.get("/c/mugs/", {"in_stock": "true"}).context["cards"]]


def test_a_signed_in_customer_writes_a_review_that_waits_for_moderation(
    client, user, other_user, mug, django_capture_on_commit_callbacks
):
    buyer_of(mug, user)
    client.force_login(user)
    assert 'action="/p/travel-mug/reviews/"' in client.get("/p/travel-mug/").content.decode()

    response = client.post(
        "/p/travel-mug/reviews/", {"rating": "4", "title": "Keeps it hot", "body": "Still warm after lunch."}
    )

    assert response.status_code == 302
    assert response["Location"] == "/p/travel-mug/#reviews"
    review = Review.objects.get()
    assert (review.user, review.rating, review.title, review.status) == (user, 4, "Keeps it hot", Review.Status.PENDING)
    page = client.get("/p/travel-mug/").content.decode()
    assert "Thank you! Your review will appear once it has been checked." in page
    assert "Still warm after lunch." not in page

    with django_capture_on_commit_callbacks(execute=True):
        services.review_moderate(review=review, approve=True, moderator=other_user)

    page = client.get("/p/travel-mug/").content.decode()
    assert "Still warm after lunch." in page
    assert "Average 4.0 out of 5 from 1 review" in page


def test_a_second_review_of_the_same_product_is_refused_with_a_message(client, user, mug):
    client.force_login(user)
    services.review_submit(user=buyer_of(mug, user), product=mug, rating=5, body="Great.")

    response = client.post("/p/travel-mug/reviews/", {"rating": "1", "body": "Changed my mind."}, follow=True)

    assert "You have already reviewed this product." in response.content.decode()
    assert Review.objects.count() == 1


def test_a_review_with_bad_input_shows_the_form_again_with_messages(client, user, mug):
    buyer_of(mug, user)
    client.force_login(user)

    response = client.post("/p/travel-mug/reviews/", {"rating": "9", "body": "x" * 2001})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. 9 is not one of the available choices." in html
    assert "Ensure this value has at most 2000 characters (it has 2001)." in html
    assert Review.objects.count() == 0


def test_signing_in_is_needed_to_review(client, mug):
    page = client.get("/p/travel-mug/").content.decode()
    response = client.post("/p/travel-mug/reviews/", {"rating": "5", "body": "Anonymous praise."})

    assert '<a href="/accounts/login/?next=/p/travel-mug/">Sign in to write a review</a>' in page
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/p/travel-mug/"
    assert Review.objects.count() == 0


def test_when_reviews_need_a_purchase_only_buyers_get_the_form(client, settings, user, other_user, mug):
    settings.REVIEWS_REQUIRE_PURCHASE = True
    Purchase.objects.create(user=other_user, product=mug, first_order_reference="SO-1")
    client.force_login(user)

    page = client.get("/p/travel-mug/").content.decode()
    refused = client.post("/p/travel-mug/reviews/", {"rating": "5", "body": "Never bought it."}, follow=True)
    client.force_login(other_user)
    buyer_page = client.get("/p/travel-mug/").content.decode()

    assert "Only customers who bought this product can review it." in page
    assert 'action="/p/travel-mug/reviews/"' not in page
    assert "Only customers who bought this product can review it." in refused.content.decode()
    assert 'action="/p/travel-mug/reviews/"' in buyer_page
    assert Review.objects.count() == 0


def test_reviews_show_ten_a_page_newest_first(client, mug, other_user):

    for n in range(12):
        review = services.review_submit(user=buyer_of(mug), product=mug, rating=5, body=f"Review number {n:02d}.")
        services.review_moderate(review=review, approve=True, moderator=other_user)

    first = client.get("/p/travel-mug/").content.decode()
    second = client.get("/p/travel-mug/", {"reviews_page": "2"}).content.decode()

    assert re.findall(r"Review number (\d+)\.", first) == [f"{n:02d}" for n in range(11, 1, -1)]
    assert re.findall(r"Review number (\d+)\.", second) == ["01", "00"]
    assert 'href="?reviews_page=2#reviews" rel="next"' in first
    for page in ["3", "0", "-1", "x"]:
        assert client.get("/p/travel-mug/", {"reviews_page": page}).status_code == 404, page


def test_reviews_show_the_display_name_never_the_e_mail(client, mug, other_user):
    from apps.accounts.tests.factories import UserFactory

    nameless = UserFactory(email="private.person@example.com", display_name="")
    review = services.review_submit(user=buyer_of(mug, nameless), product=mug, rating=3, body="Fine.")
    services.review_moderate(review=review, approve=True, moderator=other_user)

    html = client.get("/p/travel-mug/").content.decode()

    assert "private.person" not in html
    assert "A customer ·" in html


def test_reading_the_review_form_endpoint_is_not_allowed(client, mug):
    assert client.get("/p/travel-mug/reviews/").status_code == 405


def test_chinese_slugs_work_and_odd_ones_are_404_pages(client, mugs):
    product = published_product(name="保温杯", category=mugs)

    assert product.get_absolute_url() == "/p/%E4%BF%9D%E6%B8%A9%E6%9D%AF/"
    assert client.get(product.get_absolute_url()).status_code == 200
    for path in ["/p/%00/", "/p/a%0Ab/", "/p/%20/", "/c/%00/", "/p/x%00/reviews/"]:
        assert client.get(path).status_code == 404, path


def test_a_customer_who_reviewed_sees_the_review_state_instead_of_the_form(client, user, other_user, mug):
    review = services.review_submit(user=buyer_of(mug, user), product=mug, rating=5, body="Great.")
    client.force_login(user)

    waiting = client.get("/p/travel-mug/").content.decode()
    services.review_moderate(review=review, approve=False, moderator=other_user)
    rejected = client.get("/p/travel-mug/").content.decode()

    today = timezone.localdate(review.created_at).isoformat()
    assert f"You reviewed this product on {today} (waiting for moderation)." in waiting
    assert f"You reviewed this product on {today} (rejected)." in rejected
    assert 'action="/p/travel-mug/reviews/"' not in waiting
