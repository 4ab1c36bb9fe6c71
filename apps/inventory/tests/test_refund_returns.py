"""Goods that come back with a refund (payments' RefundSucceeded with return_goods)."""

import pytest

from apps.inventory import handlers, services
from apps.inventory.models import StockMovement
from apps.inventory.tests.factories import events, forget_setup_effects, movements, stock_of, stocked_sku

pytestmark = pytest.mark.django_db

REFUND_SUCCEEDED = "payments.refund_succeeded.v1"
FIRST = "00000000-0000-0000-0000-000000000001"
SECOND = "00000000-0000-0000-0000-000000000002"


def _refund_succeeded(*, refund_id: int, lines: list[dict], return_goods: bool = True) -> dict:
    # Inventory reads refund_id, return_goods and lines; the rest is payments' contract, as sent.
    return {
        "refund_id": refund_id,
        "payment_id": 1,
        "order_number": "2026030100000001",
        "user_id": 1,
        "amount": "80.00",
        "refunded_total": "80.00",
        "fully_refunded": False,
        "return_goods": return_goods,
        "lines": lines,
    }


def _deliver(payload: dict, *, message_id: str = FIRST) -> str:
    return handlers.return_refunded_goods.apply(
        kwargs={"message_id": message_id, "topic": REFUND_SUCCEEDED, "payload": payload}
    ).get()


def test_returned_goods_go_back_on_hand_once_however_often_the_refund_arrives():
    # given 3 cups and 1 pot on hand
    cup, pot = stocked_sku(on_hand=3), stocked_sku(on_hand=1)
    forget_setup_effects()
    payload = _refund_succeeded(
        refund_id=12, lines=[{"sku_id": pot.pk, "quantity": 1}, {"sku_id": cup.pk, "quantity": 2}]
    )

    # when refund 12 succeeds with 2 cups and the pot sent back, again, and under another message id
    outcomes = [_deliver(payload), _deliver(payload), _deliver(payload, message_id=SECOND)]

    # then the units came back once, each with a movement naming the refund, in SKU order
    assert outcomes == ["handled", "duplicate", "handled"]
    assert (stock_of(cup), stock_of(pot)) == ((5, 0), (2, 0))
    assert movements() == [
        (cup.pk, 2, 0, StockMovement.Reason.RETURN, "refund:12"),
        (pot.pk, 1, 0, StockMovement.Reason.RETURN, "refund:12"),
    ]
    # and catalog hears of the new availability
    assert [payload["available"] for topic, payload in events() if topic == "inventory.stock_changed.v1"] == [5, 2]


def test_a_refund_without_returned_goods_moves_no_stock():
    cup = stocked_sku(on_hand=3)
    forget_setup_effects()

    _deliver(_refund_succeeded(refund_id=3, lines=[{"sku_id": cup.pk, "quantity": 2}], return_goods=False))

    assert stock_of(cup) == (3, 0)
    assert movements() == []


def test_a_sku_gone_from_inventory_is_skipped_and_the_rest_returns():
    cup = stocked_sku(on_hand=1)
    forget_setup_effects()

    returned = services.stock_return(lines=[(cup.pk, 1), (987654, 4)], reference="refund:5")

    assert returned == [(cup.pk, 1)]
    assert stock_of(cup) == (2, 0)


def test_a_return_needs_a_reference_and_whole_units():
    cup = stocked_sku(on_hand=1)

    with pytest.raises(ValueError, match="reference"):
        services.stock_return(lines=[(cup.pk, 1)], reference="")
    with pytest.raises(services.InvalidQuantity):
        services.stock_return(lines=[(cup.pk, 0)], reference="refund:1")

    assert stock_of(cup) == (1, 0)
