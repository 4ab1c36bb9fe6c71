"""Mail to the customer when the parcel leaves and when it arrives, in their language, once."""

import re

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.core.models import OutboxMessage
from apps.shipping import handlers
from apps.shipping.services import tracking_event_record
from apps.shipping.tests.conftest import paid_order, ship
from apps.shipping.tests.test_services import scan

pytestmark = pytest.mark.django_db


def deliver_twice(handler, message: OutboxMessage) -> list[str]:
    kwargs = {"message_id": str(message.message_id), "topic": message.topic, "payload": message.payload}
    return [handler.apply(kwargs=kwargs).get() for _ in range(2)]


def test_the_customer_hears_that_the_parcel_left_once(mailoutbox, settings):
    # given a customer named Li Lei whose order was shipped with SF Express
    settings.SITE_URL = "https://shop.example.com"
    customer = UserFactory(display_name="Li Lei")
    order = paid_order(user=customer)
    ship(order, carrier="sf", tracking_number="SF1000000001")
    message = OutboxMessage.objects.get(topic="orders.order_shipped.v1")

    # when the event is delivered twice
    outcomes = deliver_twice(handlers.mail_order_shipped, message)

    # then one mail says who carries it and how to follow it
    assert outcomes == ["handled", "duplicate"]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [customer.email]
    assert mail.subject == f"Order {order.number} is on its way"
    assert mail.body.startswith("Hello Li Lei,\n")
    assert f"Your order {order.number} has left our warehouse." in mail.body
    assert "Carrier: SF Express\nTracking number: SF1000000001\n" in mail.body
    assert f"https://shop.example.com/orders/{order.number}/" in mail.body


def test_the_customer_hears_that_the_parcel_arrived_in_their_language(mailoutbox, settings):
    # given a customer who reads Chinese, and a delivered parcel
    settings.ORDER_AUTO_COMPLETE_DAYS = 9
    customer = UserFactory(display_name="李雷", language="zh-hans")
    order = paid_order(user=customer)
    ship(order)
    tracking_event_record(carrier="sf", update=scan("delivered", event_id="E1", hour=10))
    message = OutboxMessage.objects.get(topic="shipping.shipment_delivered.v1")

    # when
    outcomes = deliver_twice(handlers.mail_shipment_delivered, message)

    # then one mail, greeting in Chinese (the catalogue has that line already), with the
    # delivery time in the shop's time zone and the days before the order completes
    assert outcomes == ["handled", "duplicate"]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [customer.email]
    assert order.number in mail.subject
    assert mail.body.startswith("李雷\uff0c您好\uff1a\n")  # the catalogue's full-width comma and colon
    assert "2026-03-01 18:00" in mail.body  # 10:00 UTC in Asia/Shanghai
    assert re.search(r"(?<![\d.:-])9(?![\d.:-])", mail.body)  # whatever words the translation puts round it


def test_no_mail_for_a_deactivated_customer(mailoutbox):
    customer = UserFactory()
    order = paid_order(user=customer)
    ship(order)
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    message = OutboxMessage.objects.get(topic="orders.order_shipped.v1")

    assert deliver_twice(handlers.mail_order_shipped, message) == ["handled", "duplicate"]
    assert mailoutbox == []
