"""The storefront's checkout and order pages, through Django's test client."""

from decimal import Decimal

import pytest

from apps.accounts.models import Address
from apps.accounts.tests.factories import AddressFactory
from apps.cart import services as cart_services
from apps.cart.domain.keys import user_cart_key
from apps.inventory.public import stock_available
from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.promotions.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "new-recipient": "韩梅梅",
    "new-phone": "13800138000",
    "new-province": "北京市",
    "new-city": "北京市",
    "new-district": "海淀区",
    "new-street": "中关村大街 27 号",
    "new-postcode": "100080",
}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def checkout_token(client) -> str:
    return client.get("/checkout/").context["form"].initial["token"]


@pytest.fixture
def shopper(client, user):
    client.force_login(user)
    return client


def test_checkout_needs_a_signed_in_customer(client):
    response = client.get("/checkout/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/checkout/")


def test_an_empty_cart_goes_back_to_the_cart_page(shopper):
    response = shopper.get("/checkout/", follow=True)

    assert response.redirect_chain[-1][0] == "/cart/"
    assert messages_of(response) == ["Your cart is empty: add something to check out."]


def test_checkout_page_shows_addresses_shipping_and_the_breakdown(shopper, user, address):
    # given a cart with two cups of ¥99
    sku = sku_in_stock(price="99.00")
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=2)

    # when
    response = shopper.get("/checkout/")

    # then the default address is chosen, standard shipping adds ¥10
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["address"] == str(address.pk)
    assert [code for code, _label in form.fields["shipping_method"].choices] == ["standard", "express"]
    assert response.context["cart"].breakdown.total == Decimal("208.00")
    assert "¥208.00" in response.content.decode()


def test_placing_an_order_with_a_new_address_and_a_coupon(shopper, user, django_capture_on_commit_callbacks):
    # given
    sku = sku_in_stock(price="99.00", units=5)
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=2)
    CouponFactory(code="TAKE20", value=Decimal("20.00"))
    token = checkout_token(shopper)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = shopper.post(
            "/checkout/",
            {
                "action": "place",
                "token": token,
                "address": "new",
                "shipping_method": "express",
                "coupon": "TAKE20",
                **NEW_ADDRESS,
            },
            follow=True,
        )

    # then 198 - 20 + 25 express, the address is in the book, the cart is empty
    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
    assert order.total == Decimal("203.00")
    assert (order.recipient, order.coupon_code, order.shipping_method) == ("韩梅梅", "TAKE20", "express")
    assert Address.objects.filter(user=user, recipient="韩梅梅").count() == 1
    assert cart_services.cart_view(key=user_cart_key(user.pk)).is_empty
    page = response.content.decode()
    assert "pending payment" in page
    assert "¥203.00" in page
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 3}


def test_a_double_click_places_one_order(shopper, user, address):
    sku = sku_in_stock(units=5)
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
    data = {"action": "place", "token": checkout_token(shopper), "address": address.pk, "shipping_method": "standard"}

    first = shopper.post("/checkout/", data)
    second = shopper.post("/checkout/", data)

    number = Order.objects.get().number
    assert first["Location"] == second["Location"] == f"/orders/{number}/"


def test_bad_input_re_renders_the_page_with_messages_and_changes_nothing(shopper, user, address, other_user):
    sku = sku_in_stock(units=5)
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
    someone_elses = AddressFactory(user=other_user)
    token = checkout_token(shopper)
    base = {"action": "place", "token": token, "shipping_method": "standard"}

    not_mine = shopper.post("/checkout/", {**base, "address": someone_elses.pk})
    half_address = shopper.post("/checkout/", {**base, "address": "new", "new-recipient": "韩梅梅"})
    bad_shipping = shopper.post("/checkout/", {**base, "address": address.pk, "shipping_method": "drone"})
    bad_coupon = shopper.post("/checkout/", {**base, "address": address.pk, "coupon": "NOPE"})

    assert not_mine.status_code == 200
    assert not_mine.context["form"].errors["address"]
    assert half_address.context["address_form"].errors["phone"]
    assert bad_shipping.context["form"].errors["shipping_method"]
    assert messages_of(bad_coupon) == ["There is no such coupon."]
    assert not Order.objects.exists()
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 5}


def test_apply_shows_the_coupon_feedback_without_placing(shopper, user, address):
    sku = sku_in_stock(price="99.00", units=5)
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=2)
    CouponFactory(code="TAKE20", value=Decimal("20.00"))
    base = {"action": "apply", "token": checkout_token(shopper), "address": address.pk, "shipping_method": "standard"}

    good = shopper.post("/checkout/", {**base, "coupon": "TAKE20"})
    summary = shopper.get("/checkout/summary/", {"coupon": "TAKE20", "shipping_method": "express"})
    unknown = shopper.get("/checkout/summary/", {"coupon": "NOPE"})

    assert good.context["coupon_feedback"]["ok"] is True
    assert good.context["cart"].breakdown.total == Decimal("188.00")
    assert "Coupon TAKE20 applied." in summary.content.decode()
    assert "¥203.00" in summary.content.decode()
    assert "There is no such coupon." in unknown.content.decode()
    assert not Order.objects.exists()


def test_a_cart_with_a_problem_is_sent_back_to_the_cart(shopper, user, address):
    sku = sku_in_stock(units=1)
    cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
    token = checkout_token(shopper)
    other = AddressFactory()
    services.order_place(user=other.user, lines=[(sku.pk, 1)], address_id=other.pk)  # the last unit goes

    response = shopper.post(
        "/checkout/",
        {"action": "place", "token": token, "address": address.pk, "shipping_method": "standard"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Please review your cart." in messages_of(response)[0]
    assert Order.objects.filter(user=user).count() == 0


def _orders(user, address, count: int, sku) -> list[Order]:
    return [services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk) for _ in range(count)]


def test_my_orders_lists_filters_and_pages_in_a_fixed_number_of_queries(
    shopper, user, address, other_user, django_assert_max_num_queries
):
    # given 12 orders, one cancelled, and someone else's
    sku = sku_in_stock(units=50)
    orders = _orders(user, address, 12, sku)
    services.order_cancel(order=orders[0])
    _orders(other_user, AddressFactory(user=other_user), 1, sku)

    # when
    with django_assert_max_num_queries(12):
        first = shopper.get("/orders/")
    second = shopper.get("/orders/?page=2")
    cancelled = shopper.get("/orders/?status=cancelled")
    bogus = shopper.get("/orders/?status=lost")

    # then
    assert [o.number for o in first.context["page"]] == [o.number for o in reversed(orders)][:10]
    assert len(second.context["page"]) == 2
    assert [o.number for o in cancelled.context["page"]] == [orders[0].number]
    assert 'href="?status=cancelled&amp;page=' not in cancelled.content.decode()  # one page only
    assert len(bogus.context["page"].object_list) == 10
    assert messages_of(bogus) == ["Unknown order status: showing all orders."]


def test_the_list_keeps_the_status_filter_across_pages(shopper, user, address):
    sku = sku_in_stock(units=50)
    _orders(user, address, 11, sku)

    response = shopper.get("/orders/?status=pending_payment")

    assert 'href="?status=pending_payment&amp;page=2"' in response.content.decode()


def test_order_detail_shows_lines_breakdown_and_allowed_actions(shopper, user, address):
    sku = sku_in_stock(price="99.00", units=5, name="Tea cup")
    order = services.order_place(user=user, lines=[(sku.pk, 2)], address_id=address.pk)

    response = shopper.get(f"/orders/{order.number}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Tea cup" in page
    assert "¥208.00" in page
    assert "pending payment" in page
    assert f'action="/orders/{order.number}/cancel/"' in page
    assert "confirm-receipt" not in page


def test_cancel_from_the_page_and_an_illegal_second_cancel_gives_a_message(shopper, user, address):
    sku = sku_in_stock(units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 2)], address_id=address.pk)

    cancelled = shopper.post(f"/orders/{order.number}/cancel/", follow=True)
    again = shopper.post(f"/orders/{order.number}/cancel/", follow=True)
    receipt = shopper.post(f"/orders/{order.number}/confirm-receipt/", follow=True)

    assert messages_of(cancelled) == ["The order is cancelled."]
    assert messages_of(again) == ["The order cannot change to that status now."]
    assert messages_of(receipt) == ["The order cannot change to that status now."]
    assert again.status_code == 200
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 5}


def test_another_customers_order_is_404_on_every_page(client, user, other_user, address):
    sku = sku_in_stock(units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    client.force_login(other_user)

    pages = [
        client.get(f"/orders/{order.number}/"),
        client.post(f"/orders/{order.number}/cancel/"),
        client.post(f"/orders/{order.number}/confirm-receipt/"),
    ]

    assert [page.status_code for page in pages] == [404, 404, 404]
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
