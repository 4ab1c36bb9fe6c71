from decimal import Decimal

from apps.orders.domain.events import OrderCancelled, OrderCompleted, OrderPlaced


def test_order_completed_carries_what_catalog_record_purchase_reads():
    event = OrderCompleted(order_id=7, number="2026112600000001", user_id=3, product_ids=[5, 9], total=Decimal("88.00"))

    assert event.topic == "orders.order_completed.v1"
    assert event.payload() == {
        "order_id": 7,
        "number": "2026112600000001",
        "user_id": 3,
        "product_ids": [5, 9],
        "total": "88.00",
    }


def test_topics_are_versioned():
    assert OrderPlaced.topic == "orders.order_placed.v1"
    assert OrderCancelled.topic == "orders.order_cancelled.v1"
