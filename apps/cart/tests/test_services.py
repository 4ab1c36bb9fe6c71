from decimal import Decimal

import pytest
from django.core import signing

from apps.cart import services
from apps.cart.domain.exceptions import (
    CartItemNotFound,
    CartNotReady,
    InvalidCartToken,
    InvalidQuantity,
    QuantityNotAvailable,
    SkuNotAvailable,
)
from apps.cart.services import INSUFFICIENT_STOCK, PRICE_CHANGED, UNAVAILABLE, LineProblem
from apps.cart.store import CartItem, cart_store
from apps.catalog.services import product_unpublish, sku_update
from apps.inventory.services import stock_adjust

pytestmark = pytest.mark.django_db

USER = "user:42"


@pytest.fixture
def guest():
    key, _token = services.guest_token_issue()
    return key


# --- tokens --------------------------------------------------------------------------------


def test_a_guest_token_names_its_cart():
    key, token = services.guest_token_issue()

    assert key.startswith("guest:")
    assert services.guest_key_from_token(token) == key


@pytest.mark.parametrize("token", ["", "nonsense", "Z3Vlc3Q:1abc:forged"])
def test_a_bad_token_is_refused(token):
    with pytest.raises(InvalidCartToken):
        services.guest_key_from_token(token)


def test_a_token_signed_for_something_else_is_refused():
    with pytest.raises(InvalidCartToken):
        services.guest_key_from_token(signing.dumps("abc", salt="not-cart"))


# --- adding and changing ---------------------------------------------------------------------


def test_add_sums_quantities_and_remembers_the_price(backend, make_sku, guest):
    sku = make_sku(price="25.00", stock=10)

    services.cart_add(key=guest, sku_id=sku.pk, quantity=2)
    quantity = services.cart_add(key=guest, sku_id=sku.pk, quantity=3)

    assert quantity == 5
    assert cart_store().get(guest) == {sku.pk: CartItem(5, Decimal("25.00"))}


def test_add_refuses_more_than_is_available(backend, make_sku, guest):
    sku = make_sku(stock=3)
    services.cart_add(key=guest, sku_id=sku.pk, quantity=2)

    with pytest.raises(QuantityNotAvailable) as error:
        services.cart_add(key=guest, sku_id=sku.pk, quantity=2)

    assert error.value.available == 3
    assert cart_store().get(guest)[sku.pk].quantity == 2


@pytest.mark.parametrize("quantity", [0, -1, 100, True, 1.5])
def test_add_refuses_bad_quantities(make_sku, guest, quantity):
    sku = make_sku(stock=200)

    with pytest.raises(InvalidQuantity):
        services.cart_add(key=guest, sku_id=sku.pk, quantity=quantity)


def test_add_refuses_to_go_past_99_in_one_line(make_sku, guest):
    sku = make_sku(stock=200)
    services.cart_add(key=guest, sku_id=sku.pk, quantity=60)

    with pytest.raises(InvalidQuantity):
        services.cart_add(key=guest, sku_id=sku.pk, quantity=40)


def test_add_refuses_unknown_and_unbuyable_skus(make_sku, guest):
    inactive = make_sku(stock=5)
    sku_update(sku=inactive, is_active=False)

    with pytest.raises(SkuNotAvailable):
        services.cart_add(key=guest, sku_id=999_999, quantity=1)
    with pytest.raises(SkuNotAvailable):
        services.cart_add(key=guest, sku_id=inactive.pk, quantity=1)
    assert cart_store().get(guest) == {}


def test_set_quantity_checks_stock_only_when_raising(backend, make_sku, guest):
    sku = make_sku(stock=5)
    services.cart_add(key=guest, sku_id=sku.pk, quantity=5)
    stock_adjust(sku_id=sku.pk, delta=-3)

    with pytest.raises(QuantityNotAvailable):
        services.cart_set_quantity(key=guest, sku_id=sku.pk, quantity=6)
    services.cart_set_quantity(key=guest, sku_id=sku.pk, quantity=2)

    assert cart_store().get(guest)[sku.pk].quantity == 2


def test_changing_a_line_that_is_not_there_is_refused(backend, guest):
    with pytest.raises(CartItemNotFound):
        services.cart_set_quantity(key=guest, sku_id=5, quantity=1)
    with pytest.raises(CartItemNotFound):
        services.cart_remove(key=guest, sku_id=5)


# --- merging -------------------------------------------------------------------------------


def test_merge_sums_quantities_and_caps_them_at_stock(backend, make_sku, guest):
    # given a SKU with 5 units, 3 in the guest cart and 4 in the user's
    capped = make_sku(price="10.00", stock=5)
    only_guest = make_sku(price="20.00", stock=9)
    only_user = make_sku(price="30.00", stock=9)
    services.cart_add(key=guest, sku_id=capped.pk, quantity=3)
    services.cart_add(key=guest, sku_id=only_guest.pk, quantity=2)
    services.cart_add(key=USER, sku_id=capped.pk, quantity=4)
    services.cart_add(key=USER, sku_id=only_user.pk, quantity=1)

    # when the guest signs in
    services.cart_merge(guest_key=guest, user_key=USER)

    # then the shared SKU is capped at 5, the others are kept, the guest cart is gone
    assert cart_store().get(USER) == {
        capped.pk: CartItem(5, Decimal("10.00")),
        only_guest.pk: CartItem(2, Decimal("20.00")),
        only_user.pk: CartItem(1, Decimal("30.00")),
    }
    assert cart_store().get(guest) == {}


def test_merge_drops_guest_lines_that_cannot_be_bought(backend, make_sku, guest):
    sold_out = make_sku(stock=2)
    withdrawn = make_sku(stock=2)
    services.cart_add(key=guest, sku_id=sold_out.pk, quantity=2)
    services.cart_add(key=guest, sku_id=withdrawn.pk, quantity=1)
    stock_adjust(sku_id=sold_out.pk, delta=-2)
    product_unpublish(product=withdrawn.product)

    services.cart_merge(guest_key=guest, user_key=USER)

    assert cart_store().get(USER) == {}
    assert cart_store().get(guest) == {}


def test_merge_takes_only_guest_carts(guest):
    with pytest.raises(InvalidCartToken):
        services.cart_merge(guest_key="user:7", user_key=USER)


# --- the view ------------------------------------------------------------------------------


def test_view_prices_the_lines(backend, make_sku, guest):
    a = make_sku(price="25.00", stock=10)
    b = make_sku(price="12.50", stock=10)
    services.cart_add(key=guest, sku_id=a.pk, quantity=2)
    services.cart_add(key=guest, sku_id=b.pk, quantity=1)

    view = services.cart_view(key=guest)

    assert [(line.sku_id, line.quantity, line.unit_price, line.line_total) for line in view.lines] == [
        (a.pk, 2, Decimal("25.00"), Decimal("50.00")),
        (b.pk, 1, Decimal("12.50"), Decimal("12.50")),
    ]
    assert view.lines[0].sku.product_name == a.product.name
    assert view.quantity == 3
    assert view.breakdown.subtotal == Decimal("62.50")
    assert view.breakdown.shipping_fee == Decimal("10.00")
    assert view.breakdown.total == Decimal("72.50")
    assert view.ready_for_checkout is True
    services.cart_ensure_ready(view=view)


def test_view_of_an_empty_cart_costs_nothing_and_is_not_ready(guest):
    view = services.cart_view(key=guest)

    assert view.lines == ()
    assert view.breakdown.total == Decimal("0.00")
    assert view.ready_for_checkout is False
    with pytest.raises(CartNotReady):
        services.cart_ensure_ready(view=view)


def test_view_shows_a_changed_price_until_it_is_accepted(backend, make_sku, guest):
    sku = make_sku(price="25.00", stock=10)
    services.cart_add(key=guest, sku_id=sku.pk, quantity=2)

    sku_update(sku=sku, price=Decimal("20.00"))
    view = services.cart_view(key=guest)

    line = view.lines[0]
    assert line.problems == (LineProblem(PRICE_CHANGED, previous_price=Decimal("25.00")),)
    assert (line.unit_price, line.line_total) == (Decimal("20.00"), Decimal("40.00"))
    assert view.breakdown.subtotal == Decimal("40.00")
    assert view.ready_for_checkout is False
    with pytest.raises(CartNotReady):
        services.cart_ensure_ready(view=view)

    services.cart_accept_prices(key=guest)

    assert services.cart_view(key=guest).ready_for_checkout is True


def test_view_shows_a_deactivated_sku_as_unavailable_and_does_not_price_it(backend, make_sku, guest):
    kept = make_sku(price="30.00", stock=10)
    gone = make_sku(price="50.00", stock=10)
    services.cart_add(key=guest, sku_id=kept.pk, quantity=1)
    services.cart_add(key=guest, sku_id=gone.pk, quantity=1)

    sku_update(sku=gone, is_active=False)
    view = services.cart_view(key=guest)

    assert [line.problems for line in view.lines] == [(), (LineProblem(UNAVAILABLE),)]
    assert view.breakdown.subtotal == Decimal("30.00")
    assert view.ready_for_checkout is False


def test_view_shows_a_sku_deleted_from_the_catalog(backend, make_sku, guest):
    cart_store().set_quantity(guest, 987_654, 1, Decimal("8.00"))

    line = services.cart_view(key=guest).lines[0]

    assert (line.sku, line.unit_price, line.problems) == (None, Decimal("8.00"), (LineProblem(UNAVAILABLE),))


def test_view_shows_stock_that_dropped_and_prices_what_is_left(backend, make_sku, guest):
    sku = make_sku(price="10.00", stock=5)
    services.cart_add(key=guest, sku_id=sku.pk, quantity=4)

    stock_adjust(sku_id=sku.pk, delta=-3)
    view = services.cart_view(key=guest)

    assert view.lines[0].problems == (LineProblem(INSUFFICIENT_STOCK, available=2),)
    assert view.breakdown.subtotal == Decimal("20.00")
    assert view.ready_for_checkout is False


@pytest.mark.parametrize("lines", [2, 20])
def test_view_reads_a_fixed_number_of_queries(make_sku, guest, django_assert_max_num_queries, lines):
    category = make_sku().product.category
    for _ in range(lines):
        services.cart_add(key=guest, sku_id=make_sku(category=category).pk, quantity=1)

    # the cart, SKUs with their attribute values and images, stock, and promotions' rules
    # and coupon: the same nine reads for 2 lines as for 20
    with django_assert_max_num_queries(9):
        view = services.cart_view(key=guest, coupon_code="NOPE", user_id=1)

    assert len(view.lines) == lines
