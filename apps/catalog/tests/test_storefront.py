"""Storefront lists: home, category pages, search, filters, sorting, pagination, sitemap."""

import pytest
from django.db import connection

from apps.catalog import services
from apps.catalog.tests.factories import BrandFactory, CategoryFactory, buyer_of, published_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shop(user, other_user):
    """Electronics > Audio > Headphones, Home > Kitchen; four published products and a draft."""
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    audio = CategoryFactory(name="Audio", slug="audio", parent=electronics)
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    home = CategoryFactory(name="Home", slug="home-living")
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", parent=home)
    sony, xiaomi = BrandFactory(name="Sony", slug="sony"), BrandFactory(name="Xiaomi", slug="xiaomi")
    black = services.attribute_value_get_or_create(attribute="Colour", value="Black")
    white = services.attribute_value_get_or_create(attribute="Colour", value="White")

    wired = published_product(
        name="Wired earphones",
        category=headphones,
        brand=sony,
        description="Wired earphones with a 3.5 mm plug.",
        skus=[("59.00", 10, [black])],
    )
    bluetooth = published_product(
        name="蓝牙耳机 Pro",
        category=headphones,
        brand=xiaomi,
        description="无线蓝牙降噪耳机. Wireless noise cancelling earphones.",
        is_featured=True,
        skus=[("199.00", 3, [black]), ("249.00", 0, [white])],
    )
    speaker = published_product(
        name="Studio speaker", category=audio, brand=sony, skus=[("899.00", 0, [white])], is_featured=True
    )
    cooker = published_product(name="Rice cooker", category=kitchen, brand=xiaomi, skus=[("399.00", 7)])
    draft = services.product_create(name="Secret prototype", category=headphones, brand=sony)
    services.sku_create(product=draft, code="SECRET-1", price="1.00")

    for product, author, rating in [(bluetooth, user, 5), (wired, other_user, 3)]:
        review = services.review_submit(
            user=buyer_of(product, author), product=product, rating=rating, body="Tried it."
        )
        services.review_moderate(review=review, approve=True, moderator=author)
    services.product_sales_add(product_quantities={wired.pk: 10, speaker.pk: 4})
    return {
        "wired": wired,
        "bluetooth": bluetooth,
        "speaker": speaker,
        "cooker": cooker,
        "draft": draft,
        "electronics": electronics,
    }


def names(response) -> list[str]:
    return [card["name"] for card in response.context["cards"]]


def test_home_shows_top_level_categories_with_children_featured_products_and_new_arrivals(client, shop):
    response = client.get("/")

    assert response.status_code == 200
    assert [(c["name"], [child["name"] for child in c["children"]]) for c in response.context["menu"]] == [
        ("Electronics", ["Audio"]),
        ("Home", ["Kitchen"]),
    ]
    assert [card["name"] for card in response.context["featured"]] == ["Studio speaker", "蓝牙耳机 Pro"]
    assert [card["name"] for card in response.context["new_arrivals"]] == [
        "Rice cooker",
        "Studio speaker",
        "蓝牙耳机 Pro",
        "Wired earphones",
    ]
    html = response.content.decode()
    assert 'href="/c/electronics/"' in html
    assert "from ¥199.00" in html  # two prices
    assert "¥59.00" in html
    assert "from ¥59.00" not in html  # one price
    assert "Sold out" in html  # the speaker


def test_the_header_menu_lists_the_top_level_categories_on_every_page(client, shop):
    html = client.get("/accounts/login/").content.decode()

    assert '<nav class="category-menu"' in html
    assert '<a href="/c/electronics/">Electronics</a>' in html
    assert '<a href="/c/home-living/">Home</a>' in html


def test_the_home_page_renders_for_an_empty_shop(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "New products are on their way." in response.content.decode()


def test_a_category_page_lists_the_products_of_its_whole_subtree(client, shop):
    response = client.get("/c/electronics/")

    assert response.status_code == 200
    assert names(response) == ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]
    html = response.content.decode()
    assert '<link rel="canonical" href="http://testserver/c/electronics/">' in html
    assert '<meta name="description" content="Electronics at the shop: prices in CNY, delivered across China.">' in html
    assert '<a href="/c/audio/">Audio</a>' in html  # a subcategory link


def test_a_category_page_has_breadcrumbs_from_the_root(client, shop):
    response = client.get("/c/headphones/")

    assert [c["name"] for c in response.context["category"]["trail"]] == ["Electronics", "Audio", "Headphones"]
    assert names(response) == ["蓝牙耳机 Pro", "Wired earphones"]
    assert '<span aria-current="page">Headphones</span>' in response.content.decode()


def test_an_unknown_category_is_a_404_page(client, shop):
    response = client.get("/c/no-such-thing/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]),
        ("newest", ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]),
        ("price", ["Wired earphones", "蓝牙耳机 Pro", "Studio speaker"]),
        ("-price", ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]),
        ("rating", ["蓝牙耳机 Pro", "Wired earphones", "Studio speaker"]),
        ("bestselling", ["Wired earphones", "Studio speaker", "蓝牙耳机 Pro"]),
    ],
)
def test_sorting_puts_the_products_in_this_exact_order(client, shop, ordering, expected):
    response = client.get("/c/electronics/", {"ordering": ordering})

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"brand": "sony"}, ["Studio speaker", "Wired earphones"]),
        ({"brand": ["sony", "xiaomi"]}, ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]),
        ({"min_price": "100"}, ["Studio speaker", "蓝牙耳机 Pro"]),
        ({"max_price": "200"}, ["蓝牙耳机 Pro", "Wired earphones"]),
        ({"min_price": "60", "max_price": "300"}, ["蓝牙耳机 Pro"]),
        ({"value": "colour:white"}, ["Studio speaker", "蓝牙耳机 Pro"]),
        ({"value": ["colour:white", "colour:black"]}, ["Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]),
        ({"in_stock": "true"}, ["蓝牙耳机 Pro", "Wired earphones"]),
        ({"brand": "sony", "in_stock": "true"}, ["Wired earphones"]),
        ({"brand": "xiaomi", "ordering": "-price"}, ["蓝牙耳机 Pro"]),
    ],
)
def test_filters_narrow_the_list(client, shop, query, expected):
    response = client.get("/c/electronics/", query)

    assert response.status_code == 200
    assert names(response) == expected


def test_the_sidebar_offers_the_brands_price_range_and_values_of_the_category(client, shop):
    response = client.get("/c/headphones/", {"brand": "sony"})

    facets = response.context["facets"]
    assert facets["brands"] == [
        {"slug": "sony", "name": "Sony", "count": 1},
        {"slug": "xiaomi", "name": "Xiaomi", "count": 1},
    ]
    assert (facets["price_low"], facets["price_high"]) == (59, 249)
    assert facets["attributes"] == [
        {
            "name": "Colour",
            "slug": "colour",
            "values": [{"value": "Black", "param": "colour:black"}, {"value": "White", "param": "colour:white"}],
        }
    ]
    html = response.content.decode()
    assert '<input type="checkbox" name="brand" value="sony" checked>' in html
    assert '<input type="checkbox" name="brand" value="xiaomi">' in html


def test_the_in_stock_box_is_unticked_unless_asked_for(client, shop):
    unticked = client.get("/c/electronics/").content.decode()
    ticked = client.get("/c/electronics/", {"in_stock": "true"}).content.decode()

    assert '<input type="checkbox" name="in_stock" value="true">' in unticked
    assert '<input type="checkbox" name="in_stock" value="true" checked>' in ticked


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"min_price": "abc"}, "Min price: Enter a number."),
        ({"max_price": "-5"}, "Max price: Ensure this value is greater than or equal to 0."),
        ({"ordering": "cheapest"}, "Sort by: Select a valid choice. cheapest is not one of the available choices."),
        (
            {"brand": "no-such-brand"},
            "Brand: Select a valid choice. no-such-brand is not one of the available choices.",
        ),
        ({"value": "pink"}, "Options: Options look like attribute:value, for example colour:red."),
        ({"category": "nowhere"}, "Category: Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_an_invalid_filter_shows_the_message_and_no_products_with_a_400(client, shop, query, message):
    response = client.get("/c/electronics/", query)

    assert response.status_code == 400
    assert response.context["cards"] == []
    assert response.context["page"] is None
    assert f"<li>{message}</li>" in response.content.decode()


@pytest.mark.parametrize("page", ["-1", "0", "2", "99999", "abc", "1.5", ""])
def test_a_page_that_does_not_exist_is_a_404_page(client, shop, page):
    response = client.get("/c/electronics/", {"page": page})

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_lists_show_24_products_a_page_and_the_page_links_keep_the_filters(client):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    for n in range(30):
        published_product(name=f"Bowl {n:02d}", category=kitchen, skus=[(f"{10 + n}.00", 5)])

    first = client.get("/c/kitchen/", {"in_stock": "true", "ordering": "price"})
    second = client.get("/c/kitchen/", {"in_stock": "true", "ordering": "price", "page": "2"})

    assert names(first) == [f"Bowl {n:02d}" for n in range(24)]
    assert names(second) == [f"Bowl {n:02d}" for n in range(24, 30)]
    assert 'href="?in_stock=true&amp;ordering=price&amp;page=2" rel="next"' in first.content.decode()
    assert 'href="?in_stock=true&amp;ordering=price&amp;page=1" rel="prev"' in second.content.decode()
    assert "30 products" in first.content.decode()


def test_draft_and_archived_products_are_in_no_list(client, shop):
    services.product_unpublish(product=shop["wired"], archive=True)

    assert names(client.get("/c/electronics/")) == ["Studio speaker", "蓝牙耳机 Pro"]
    assert "Secret prototype" not in client.get("/search/", {"q": "secret"}).content.decode()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("蓝牙", ["蓝牙耳机 Pro"]),  # a Chinese substring of the name
        ("降噪", ["蓝牙耳机 Pro"]),  # ... and of the description
        ("NOISE", ["蓝牙耳机 Pro"]),  # description, any case
        ("xiaomi", ["蓝牙耳机 Pro", "Rice cooker"]),  # brand
        ("headphones", ["Wired earphones", "蓝牙耳机 Pro"]),  # category
        ("rice cooker", ["Rice cooker"]),
        ("secret", []),  # a draft
        ("nothing-like-this", []),
    ],
)
def test_search_finds_names_descriptions_brands_and_categories(client, shop, words, expected):
    response = client.get("/search/", {"q": words, "ordering": "price"})

    assert response.status_code == 200
    assert names(response) == expected


def test_search_without_words_lists_every_product(client, shop):
    response = client.get("/search/", {"q": "  "})

    assert names(response) == ["Rice cooker", "Studio speaker", "蓝牙耳机 Pro", "Wired earphones"]
    assert "All products" in response.content.decode()


def test_search_results_take_the_same_filters_and_keep_the_words_in_the_form(client, shop):
    response = client.get("/search/", {"q": "xiaomi", "in_stock": "true", "max_price": "300"})

    assert names(response) == ["蓝牙耳机 Pro"]
    html = response.content.decode()
    assert '<input type="hidden" name="q" value="xiaomi">' in html
    assert "<title>Search: xiaomi · Shop</title>" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_search_takes_hostile_input_without_a_500(client, shop):
    for words in ["x" * 10_000, "<script>alert(1)</script>", "'; DROP TABLE catalog_product; --", "%_%", "a & | ! :*"]:
        response = client.get("/search/", {"q": words})

        assert response.status_code == 200, words
        assert "<script>alert(1)</script>" not in response.content.decode()
    nul = client.get("/search/", {"q": "ear\x00phones"})
    assert nul.status_code == 400
    assert "Search: Null characters are not allowed." in nul.content.decode()


@pytest.mark.services
def test_postgresql_search_uses_full_text_syntax_and_ranks_by_relevance(client, shop):
    if connection.vendor != "postgresql":
        pytest.skip("full-text search runs on PostgreSQL")

    excluded = client.get("/search/", {"q": "earphones -wired"})
    ranked = client.get("/search/", {"q": "earphones"})
    chinese = client.get("/search/", {"q": "蓝牙"})

    assert names(excluded) == ["蓝牙耳机 Pro"]
    assert names(ranked) == ["Wired earphones", "蓝牙耳机 Pro"]  # named twice beats once
    assert names(chinese) == ["蓝牙耳机 Pro"]


def test_the_sitemap_lists_the_home_page_categories_and_published_products_only(client, shop):
    services.product_unpublish(product=shop["cooker"])

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    xml = response.content.decode()
    locations = [part.split("</loc>")[0] for part in xml.split("<loc>")[1:]]
    assert locations[0] == "http://testserver/"
    assert sorted(loc for loc in locations if "/p/" in loc) == sorted(
        f"http://testserver{p.get_absolute_url()}" for p in (shop["wired"], shop["bluetooth"], shop["speaker"])
    )
    assert "http://testserver/c/headphones/" in locations
    assert len([loc for loc in locations if "/c/" in loc]) == 5


def test_lists_never_answer_a_500_to_odd_query_strings(client, shop):
    odd = [
        "brand=&min_price=&max_price=&ordering=",
        "min_price=1e999",
        "min_price=NaN",
        "max_price=99999999999999999999",
        "value=nocolon",
        "in_stock=maybe",
        "page=1&page=2",
        "q=%00",
        "category=electronics&ordering=price",
    ]
    for query in odd:
        for path in ["/c/electronics/", "/search/"]:
            response = client.get(f"{path}?{query}")
            assert response.status_code in (200, 400, 404), f"{path}?{query}"
