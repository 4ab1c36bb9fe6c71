import pytest

from apps.orders import selectors, services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = pytest.mark.django_db


def test_the_list_holds_only_my_orders_with_lines_in_two_queries(
    user, other_user, address, sku, django_assert_num_queries
):
    from apps.accounts.tests.factories import AddressFactory

    second = sku_in_stock(name="Teapot")
    mine = [
        services.order_place(user=user, lines=[(sku.pk, 1), (second.pk, 1)], address_id=address.pk) for _ in range(3)
    ]
    services.order_place(user=other_user, lines=[(sku.pk, 1)], address_id=AddressFactory(user=other_user).pk)

    with django_assert_num_queries(2):
        orders = list(selectors.order_list_for_user(user=user))
        line_counts = [len(order.lines.all()) for order in orders]

    assert [order.number for order in orders] == [order.number for order in reversed(mine)]
    assert line_counts == [2, 2, 2]


def test_another_users_order_is_not_found(user, other_user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)

    with pytest.raises(Order.DoesNotExist):
        selectors.order_get_for_user(user=other_user, number=order.number)
    assert selectors.order_get_for_user(user=user, number=order.number) == order
