from decimal import Decimal

import pytest

from apps.accounts.tests.factories import PASSWORD
from apps.cart import services
from apps.cart.domain.keys import user_cart_key
from apps.cart.store import CartItem, cart_store
from apps.catalog.services import sku_update
from apps.inventory.services import stock_adjust
from apps.promotions.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_empty_cart_page(client):
    response = client.get("/cart/")

    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()
    assert "cart" not in response.cookies  # nothing stored, nothing to remember


def test_a_guest_adds_to_the_cart_and_gets_a_cookie(backend, client, make_sku):
    sku = make_sku(price="25.00", stock=10)

    response = client.post("/cart/add/", {"sku": sku.pk, "quantity": 2, "next": f"/p/{sku.product.slug}/"})

    assert response.status_code == 302
    assert response["Location"] == f"/p/{sku.product.slug}/"
    cookie = response.cookies["cart"]
    assert (cookie["httponly"], cookie["samesite"], cookie["max-age"]) == (True, "Lax", 30 * 86400)
    page = client.get("/cart/")
    assert messages_of(page) == ["Added to your cart."]
    assert [(line.sku_id, line.quantity) for line in page.context["cart"].lines] == [(sku.pk, 2)]
    html = page.content.decode()
    assert sku.product.name in html
    assert "¥60.00" in html  # 2 x 25.00 + 10.00 standard shipping


def test_add_refuses_an_offsite_next_and_bad_input(client, make_sku):
    sku = make_sku(stock=1)

    offsite = client.post("/cart/add/", {"sku": sku.pk, "quantity": 1, "next": "https://evil.example/"})
    client.get("/cart/")  # shows (and so clears) the message
    bad = client.post("/cart/add/", {"sku": "x", "quantity": 1}, follow=True)
    too_many = client.post("/cart/add/", {"sku": sku.pk, "quantity": 5}, follow=True)

    assert offsite["Location"] == "/cart/"
    assert messages_of(bad) == ["Choose an item and a quantity from 1 to 99."]
    assert messages_of(too_many) == ["Not enough stock: 1 available."]


def test_update_and_remove_lines_on_the_page(client, user, make_sku):
    sku = make_sku(stock=10)
    client.force_login(user)
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 1}, follow=True)

    updated = client.post(f"/cart/items/{sku.pk}/", {"quantity": 7}, follow=True)
    bad = client.post(f"/cart/items/{sku.pk}/", {"quantity": 0}, follow=True)
    too_many = client.post(f"/cart/items/{sku.pk}/", {"quantity": 11}, follow=True)

    assert messages_of(updated) == ["Quantity updated."]
    assert messages_of(bad) == ["Quantities must be whole numbers from 1 to 99."]
    assert messages_of(too_many) == ["Not enough stock: 10 available."]
    assert too_many.context["cart"].lines[0].quantity == 7

    removed = client.post(f"/cart/items/{sku.pk}/remove/", follow=True)
    again = client.post(f"/cart/items/{sku.pk}/remove/", follow=True)
    assert messages_of(removed) == ["Item removed."]
    assert messages_of(again) == ["This item is not in the cart."]
    assert removed.context["cart"].lines == ()


def test_the_page_shows_problems_and_accepting_new_prices(client, user, make_sku):
    changed = make_sku(price="25.00", stock=10, name="Teapot")
    short = make_sku(price="5.00", stock=5, name="Cups")
    gone = make_sku(price="8.00", stock=5, name="Saucer")
    client.force_login(user)
    for sku, quantity in ((changed, 1), (short, 4), (gone, 1)):
        client.post("/cart/add/", {"sku": sku.pk, "quantity": quantity})
    sku_update(sku=changed, price=Decimal("20.00"))
    stock_adjust(sku_id=short.pk, delta=-3)
    sku_update(sku=gone, is_active=False)

    html = client.get("/cart/").content.decode()

    assert "Price changed from ¥25.00 to ¥20.00." in html
    assert "Only 2 left." in html
    assert "No longer available. Please remove it." in html
    assert "Some items need your attention before checkout." in html

    client.post("/cart/accept-prices/")
    assert "Price changed" not in client.get("/cart/").content.decode()


def test_coupon_and_shipping_choice_on_the_page(client, user, make_sku):
    sku = make_sku(price="100.00")
    CouponFactory(code="TWENTY", value=Decimal("20.00"))
    client.force_login(user)
    client.post("/cart/add/", {"sku": sku.pk}, follow=True)

    applied = client.post("/cart/options/", {"coupon": "twenty", "shipping_method": "express"}, follow=True)
    unknown = client.post("/cart/options/", {"coupon": "NOPE", "shipping_method": "standard"}, follow=True)
    bad = client.post("/cart/options/", {"coupon": "", "shipping_method": "drone"}, follow=True)

    assert messages_of(applied) == ["Coupon applied."]
    assert applied.context["cart"].breakdown.total == Decimal("105.00")  # 100 - 20 + 25 express
    assert messages_of(unknown) == ["There is no such coupon."]
    assert unknown.context["cart"].breakdown.total == Decimal("110.00")
    assert messages_of(bad) == ["Choose one of the shipping methods."]


def test_signing_in_merges_the_guest_cart(backend, client, user, make_sku):
    # given a guest cart with 3 of a SKU that has 4 in stock, and 2 in the user's cart
    sku = make_sku(stock=4)
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 3})
    services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=2)

    # when the guest signs in on the page
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    # then the user's cart holds the 4 available
    assert response.status_code == 302
    assert cart_store().get(user_cart_key(user.pk)) == {sku.pk: CartItem(4, sku.price)}


def test_signing_in_with_a_broken_cookie_still_works(client, user):
    client.cookies["cart"] = "broken"

    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.parametrize("lines", [2, 20])
def test_cart_page_query_count_does_not_grow(client, user, make_sku, django_assert_max_num_queries, lines):
    category = make_sku().product.category
    client.force_login(user)
    for _ in range(lines):
        services.cart_add(key=user_cart_key(user.pk), sku_id=make_sku(category=category).pk, quantity=1)

    # the signed-in user (the session is cached), then the nine reads of the cart view
    with django_assert_max_num_queries(10):
        response = client.get("/cart/")

    assert len(response.context["cart"].lines) == lines
