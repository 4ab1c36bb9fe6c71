"""The catalog's main path in headless Chromium: home -> category -> product -> choose a SKU.

Screenshots of each page at phone and desktop widths go to test-artifacts/.
"""

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, re_path
from django.views.static import serve
from PIL import Image, ImageDraw

from apps.catalog import services
from apps.inventory.services import stock_adjust
from tests.browser.support import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def media(request, path):
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


# This module is also the live server's URLconf: the shop's URLs plus the uploaded
# pictures, which the shop itself serves only with DEBUG on.
urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), path("", include("config.urls"))]


@pytest.fixture
def served_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ROOT_URLCONF = __name__


def picture(colour: str, accent: str, name: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (900, 900), colour)
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [
            (250, 200),
            (650, 200),
            (780, 330),
            (690, 420),
            (640, 380),
            (640, 760),
            (260, 760),
            (260, 380),
            (210, 420),
            (120, 330),
        ],
        fill=accent,
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def catalog(served_media, eager_celery):
    """A small shop built through the services; stock goes through inventory, whose
    StockChanged events reach catalog's availability mirror after each commit."""
    clothing = services.category_create(name="Clothing", slug="clothing")
    tops = services.category_create(name="Tops", slug="tops", parent=clothing)
    tshirts = services.category_create(name="T-shirts", slug="t-shirts", parent=tops)
    services.category_create(name="Trousers", slug="trousers", parent=clothing)
    electronics = services.category_create(name="Electronics", slug="electronics")
    services.category_create(name="Audio", slug="audio", parent=electronics)
    brand = services.brand_create(name="River Cotton", slug="river-cotton")
    value = services.attribute_value_get_or_create
    red, blue = value(attribute="Colour", value="Red"), value(attribute="Colour", value="Blue")
    small, medium = value(attribute="Size", value="S"), value(attribute="Size", value="M")

    tshirt = services.product_create(
        name="Cotton T-shirt",
        category=tshirts,
        brand=brand,
        description="Soft combed cotton, cut for every day.\n\nMachine wash at 30 °C.",
    )
    skus = {}
    for code, price, compare_at, values, units in [
        ("TEE-RED-S", "99.00", None, [red, small], 20),
        ("TEE-RED-M", "109.00", None, [red, medium], 4),
        ("TEE-BLUE-S", "119.00", "149.00", [blue, small], 12),
        ("TEE-BLUE-M", "129.00", None, [blue, medium], 0),
    ]:
        skus[code] = services.sku_create(
            product=tshirt, code=code, price=price, compare_at_price=compare_at, attribute_values=values
        )
        if units:
            stock_adjust(sku_id=skus[code].pk, delta=units, reference="opening count")
    for colour, accent, name in [("#f3f4f6", "#c8102e", "red.png"), ("#f3f4f6", "#1d4ed8", "blue.png")]:
        services.product_image_add(
            product=tshirt, upload=picture(colour, accent, name), alt=f"Cotton T-shirt, {name[:-4]}"
        )
    services.product_publish(product=tshirt)

    for name, category, price, units, accent in [
        ("Linen shirt", tops, "259.00", 6, "#0f766e"),
        ("Striped polo", tshirts, "149.00", 0, "#7c3aed"),
        ("Wool jumper", tops, "399.00", 3, "#b45309"),
        ("Canvas trousers with a rather long name that wraps", tops, "329.00", 9, "#374151"),
    ]:
        product = services.product_create(name=name, category=category, brand=brand, is_featured=True)
        sku = services.sku_create(product=product, code=f"SKU-{product.pk}", price=price)
        if units:
            stock_adjust(sku_id=sku.pk, delta=units, reference="opening count")
        services.product_image_add(product=product, upload=picture("#f3f4f6", accent, "front.png"))
        services.product_publish(product=product)
    return {"tshirt": tshirt, "skus": skus}


@pytest.mark.parametrize(("label", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_choose_a_colour_and_a_size_and_see_that_skus_price_and_availability(
    browser, live_server, catalog, label, viewport
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="New arrivals")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"catalog-home-{label}.png"), full_page=True)

    page.locator(".category-tiles").get_by_role("link", name="Clothing", exact=True).click()
    expect(page.get_by_role("heading", name="Clothing", level=1)).to_be_visible()
    cards = page.locator(".product-card .product-card-name")
    expect(cards).to_have_count(5)  # the T-shirts two levels down are there too
    filters_open = page.locator("details.filters").evaluate("details => details.open")
    assert filters_open is (label == "desktop")  # a collapsed panel on phones
    page.screenshot(path=str(ARTIFACTS / f"catalog-category-{label}.png"), full_page=True)

    page.get_by_role("link", name="Cotton T-shirt").first.click()
    expect(page.get_by_role("heading", name="Cotton T-shirt", level=1)).to_be_visible()
    product_url = page.url
    price = page.locator("[data-sku-price]")
    compare_at = page.locator("[data-sku-compare-at]")
    availability = page.locator("[data-sku-availability]")
    chosen_sku = page.locator("[data-sku-id]")
    expect(price).to_have_text("¥99.00")
    expect(availability).to_have_text("In stock")
    expect(compare_at).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / f"catalog-product-{label}.png"), full_page=True)
    page.evaluate("window.stillTheSamePage = true")

    option = page.locator("label.option")
    option.filter(has_text="Blue").click()
    expect(price).to_have_text("¥119.00")
    expect(compare_at).to_have_text("¥149.00")
    expect(compare_at).to_be_visible()
    expect(availability).to_have_text("In stock")
    expect(chosen_sku).to_have_value(str(catalog["skus"]["TEE-BLUE-S"].pk))
    expect(option.filter(has_text="M").locator("input")).to_be_disabled()  # blue M is sold out
    page.screenshot(path=str(ARTIFACTS / f"catalog-product-blue-{label}.png"))

    option.filter(has_text="Red").click()
    option.filter(has_text="M").click()
    expect(price).to_have_text("¥109.00")
    expect(availability).to_have_text("Only 4 left")
    expect(compare_at).to_be_hidden()
    expect(chosen_sku).to_have_value(str(catalog["skus"]["TEE-RED-M"].pk))
    assert page.evaluate("window.stillTheSamePage") is True  # no reload, no navigation
    assert page.url == product_url

    page.locator(".gallery-thumbs a").nth(1).click()
    expect(page.locator("[data-gallery-image]")).to_have_attribute("alt", "Cotton T-shirt, blue")
    assert page.url == product_url
    page.screenshot(path=str(ARTIFACTS / f"catalog-product-chosen-{label}.png"), full_page=True)
    context.close()


def test_the_header_search_finds_a_product_and_the_filters_narrow_the_results(browser, live_server, catalog):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/")

    page.get_by_role("searchbox", name="Search products").fill("shirt")
    page.get_by_role("button", name="Search", exact=True).click()
    names = page.locator(".product-card .product-card-name")
    expect(names).to_have_count(3)  # "Striped polo" is in the T-shirts category

    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    expect(names).to_have_count(2)  # the polo is sold out
    page.select_option("#sort-select", "-price")
    expect(page).to_have_url(f"{live_server.url}/search/?q=shirt&in_stock=true&ordering=-price")
    expect(names).to_have_text(["Linen shirt", "Cotton T-shirt"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "catalog-search-desktop.png"), full_page=True)
    context.close()


def test_a_signed_in_customer_writes_a_review_and_is_told_it_waits_for_moderation(browser, live_server, catalog, user):
    from django.test import Client
    from playwright.sync_api import expect

    from apps.catalog.models import Review

    # Only buyers may review: the customer's completed order, as catalog.record_purchase records it.
    services.purchase_record(user_id=user.pk, product_ids=[catalog["tshirt"].pk], reference="SO-1")
    signed_in = Client()
    signed_in.force_login(user)
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}{catalog['tshirt'].get_absolute_url()}")

    page.get_by_label("4 stars: good").check()
    page.get_by_label("Title").fill("Soft and true to size")
    page.get_by_label("Your review").fill("Washed it twice, still like new.")
    page.get_by_role("button", name="Send review").click()

    expect(page.get_by_text("Thank you! Your review will appear once it has been checked.")).to_be_visible()
    assert page.url.endswith("/p/cotton-t-shirt/#reviews")
    assert list(Review.objects.values_list("title", "status")) == [("Soft and true to size", "pending")]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "catalog-review-sent-phone.png"), full_page=True)
    context.close()
