import pytest

from apps.accounts.models import PointsEntry
from apps.accounts.public import points_balance
from apps.core.models import OutboxMessage
from apps.orders import handlers, services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = pytest.mark.django_db


def test_a_completed_order_awards_its_points_once(user, address, eager_celery, django_capture_on_commit_callbacks):
    sku = sku_in_stock(price="99.00", units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 2)], address_id=address.pk)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)  # shipping comes with issue 5

    with django_capture_on_commit_callbacks(execute=True):
        services.order_confirm_receipt(order=order, user=user)
    order.refresh_from_db()
    message = OutboxMessage.objects.get(topic="orders.order_completed.v1")
    again = handlers.award_points.apply(
        kwargs={
            "message_id": "00000000-0000-0000-0000-000000000001",
            "topic": message.topic,
            "payload": message.payload,
        }
    ).get()

    assert order.points_earned == 198
    assert points_balance(user=user) == 198
    assert again == "handled"  # a new message id runs the handler, and the ledger still adds nothing
    assert list(PointsEntry.objects.values_list("reason", "reference", "delta")) == [
        ("order_completed", order.number, 198)
    ]


def test_an_order_that_is_not_completed_awards_nothing(user, address):
    sku = sku_in_stock(price="50.00", units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)

    handlers.award_points.func({"order_id": order.pk})

    assert points_balance(user=user) == 0
