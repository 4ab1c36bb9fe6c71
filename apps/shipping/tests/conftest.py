import json

import pytest
from django.contrib.auth.models import Group

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.shipping import services
from apps.shipping.domain import signature

WEBHOOK = "/api/v1/shipping/webhook/{carrier}/"


def paid_order(*, user=None, price: str = "99.00") -> Order:
    """A real order, placed and paid through the order services."""
    user = user or UserFactory()
    address = AddressFactory(user=user)
    order = order_services.order_place(user=user, lines=[(sku_in_stock(price=price).pk, 1)], address_id=address.pk)
    return order_services.order_mark_paid(order_number=order.number, amount=order.total, provider="alipay")


def ship(order: Order, *, carrier: str = "sf", tracking_number: str = "SF1000000001", **kwargs):
    return services.shipment_create(
        order_number=order.number, carrier=carrier, tracking_number=tracking_number, **kwargs
    )


def update_body(**fields) -> bytes:
    body = {
        "event_id": "E1",
        "tracking_number": "SF1000000001",
        "status": "picked_up",
        "time": "2026-03-01T09:30:00+08:00",
        "location": "杭州",
        "description": "The courier picked up the parcel.",
        **fields,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def signed(carrier: str, body: bytes) -> str:
    return signature.sign(secret=services.carrier_webhook_secret(carrier=carrier), body=body)


def post_update(client, body: bytes, *, carrier: str = "sf", signature_hex: str | None = None):
    """POST a tracking update as the carrier would: raw JSON body, X-Signature header."""
    headers = {} if signature_hex == "" else {"X-Signature": signature_hex or signed(carrier, body)}
    return client.generic(
        "POST", WEBHOOK.format(carrier=carrier), body, content_type="application/json", headers=headers
    )


@pytest.fixture
def order(user):
    """`user`'s order, paid and waiting to ship."""
    return paid_order(user=user)


@pytest.fixture
def staff_in():
    """staff_in(role) -> a staff user in that role (the groups the role migrations grant)."""

    def make(role: str):
        staff = UserFactory(is_staff=True)
        staff.groups.add(Group.objects.get(name=role))
        return staff

    return make
