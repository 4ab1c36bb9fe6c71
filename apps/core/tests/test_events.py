import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class PriceChanged(DomainEvent):
    topic = "core_tests.price_changed.v1"

    sku_id: int
    price: Decimal
    at: datetime
    tags: tuple = ()


def test_payload_holds_json_primitives_only():
    event = PriceChanged(sku_id=7, price=Decimal("19.90"), at=datetime(2026, 11, 26, 8, 0), tags=("a", "b"))

    assert event.payload() == {"sku_id": 7, "price": "19.90", "at": "2026-11-26T08:00:00", "tags": ["a", "b"]}


def test_payload_refuses_objects():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Bad(DomainEvent):
        topic = "core_tests.bad.v1"
        thing: object

    with pytest.raises(TypeError, match="JSON primitives"):
        Bad(thing=object()).payload()
