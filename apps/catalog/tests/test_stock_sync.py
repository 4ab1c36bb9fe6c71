"""Inventory's StockChanged events keep catalog's availability mirror (SKU.stock_available,
Product.in_stock) current: once per message, and never rolled back by a late one."""

import uuid

import pytest

from apps.catalog.handlers import sync_sku_availability
from apps.catalog.models import SKU, Product
from apps.catalog.services import attribute_value_get_or_create
from apps.catalog.tests.factories import SKUFactory
from apps.core.models import OutboxMessage, ProcessedMessage
from apps.inventory import services as inventory

pytestmark = pytest.mark.django_db

TOPIC = "inventory.stock_changed.v1"
HANDLER = "catalog.sync_sku_availability"


def mirror(sku) -> tuple[int, int, bool]:
    """(stock_available, stock_version, product in_stock) as catalog has them now."""
    row = SKU.objects.values_list("stock_available", "stock_version").get(pk=sku.pk)
    return (*row, Product.objects.get(pk=sku.product_id).in_stock)


def deliver(*, message_id: str, sku, available: int, version: int, on_hand: int | None = None) -> str:
    on_hand = available if on_hand is None else on_hand
    payload = {
        "sku_id": sku.pk,
        "on_hand": on_hand,
        "reserved": on_hand - available,
        "available": available,
        "version": version,
    }
    return sync_sku_availability.apply(kwargs={"message_id": message_id, "topic": TOPIC, "payload": payload}).get()


def test_received_stock_makes_the_sku_and_its_product_available(eager_celery, django_capture_on_commit_callbacks):
    sku = SKUFactory()
    assert mirror(sku) == (0, 0, False)

    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_adjust(sku_id=sku.pk, delta=5, reason="receive")

    assert mirror(sku) == (5, 1, True)
    assert ProcessedMessage.objects.filter(handler=HANDLER).count() == 1
    assert OutboxMessage.objects.filter(topic=TOPIC, published_at__isnull=True).count() == 0


def test_reserving_every_unit_takes_the_product_out_of_stock(eager_celery, django_capture_on_commit_callbacks):
    sku = SKUFactory()
    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_adjust(sku_id=sku.pk, delta=3, reason="receive")

    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")

    assert mirror(sku) == (0, 2, False)


def test_releasing_the_reservation_brings_the_product_back(eager_celery, django_capture_on_commit_callbacks):
    sku = SKUFactory()
    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_adjust(sku_id=sku.pk, delta=3, reason="receive")
        inventory.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")

    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_release(lines=[(sku.pk, 2)], reference="order-1")

    assert mirror(sku) == (2, 3, True)


def test_the_same_message_delivered_twice_changes_nothing_the_second_time():
    sku = SKUFactory()
    message_id = str(uuid.uuid4())

    first = deliver(message_id=message_id, sku=sku, available=4, version=1)
    SKU.objects.filter(pk=sku.pk).update(stock_version=0)  # even a version check would let it through now
    second = deliver(message_id=message_id, sku=sku, available=9, version=1)

    assert (first, second) == ("handled", "duplicate")
    assert mirror(sku)[0] == 4
    assert ProcessedMessage.objects.filter(message_id=message_id, handler=HANDLER).count() == 1


def test_an_older_report_arriving_after_a_newer_one_is_ignored():
    sku = SKUFactory()

    deliver(message_id=str(uuid.uuid4()), sku=sku, available=0, version=3)
    late = deliver(message_id=str(uuid.uuid4()), sku=sku, available=6, version=2)

    assert late == "handled"  # received and recorded, but it changed nothing
    assert mirror(sku) == (0, 3, False)


def test_a_newer_report_replaces_the_older_one():
    sku = SKUFactory()

    deliver(message_id=str(uuid.uuid4()), sku=sku, available=6, version=2)
    deliver(message_id=str(uuid.uuid4()), sku=sku, available=1, version=3)

    assert mirror(sku) == (1, 3, True)


def test_the_product_stays_in_stock_while_another_of_its_skus_has_units():
    sku = SKUFactory()
    sibling = SKUFactory(
        product=sku.product, attribute_values=[attribute_value_get_or_create(attribute="colour", value="red")]
    )

    deliver(message_id=str(uuid.uuid4()), sku=sku, available=2, version=1)
    deliver(message_id=str(uuid.uuid4()), sku=sibling, available=5, version=1)
    deliver(message_id=str(uuid.uuid4()), sku=sku, available=0, version=2)

    assert mirror(sku) == (0, 2, True)
    assert mirror(sibling) == (5, 1, True)
