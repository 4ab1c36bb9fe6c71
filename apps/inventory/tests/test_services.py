import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.accounts.tests.factories import UserFactory
from apps.catalog.tests.factories import SKUFactory
from apps.inventory import services
from apps.inventory.domain.exceptions import InvalidQuantity, OutOfStock, ReservationMissing, StockWouldGoNegative
from apps.inventory.models import Stock, StockMovement
from apps.inventory.selectors import stock_available
from apps.inventory.tests.factories import events, forget_setup_effects, movements, stock_of, stocked_sku

pytestmark = pytest.mark.django_db

CHANGED = "inventory.stock_changed.v1"
LOW = "inventory.stock_low.v1"


# --- reserve, commit, release, adjust: the numbers and the ledger ------------------------


def test_reserving_moves_units_from_available_to_reserved():
    sku = stocked_sku(on_hand=10)
    forget_setup_effects()

    services.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")

    assert stock_of(sku) == (10, 3)
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 7}
    assert movements() == [(sku.pk, 0, 3, "reserve", "order-1")]


def test_committing_takes_the_reserved_units_off_hand():
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")
    forget_setup_effects()

    services.stock_commit(lines=[(sku.pk, 3)], reference="order-1")

    assert stock_of(sku) == (7, 0)
    assert movements() == [(sku.pk, -3, -3, "commit", "order-1")]


def test_releasing_gives_the_reserved_units_back():
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")
    forget_setup_effects()

    services.stock_release(lines=[(sku.pk, 2)], reference="order-1")

    assert stock_of(sku) == (10, 1)
    assert movements() == [(sku.pk, 0, -2, "release", "order-1")]


def test_adjusting_changes_units_on_hand_and_records_who_and_why():
    sku = stocked_sku(on_hand=10)
    clerk = UserFactory(is_staff=True)
    forget_setup_effects()

    received = services.stock_adjust(
        sku_id=sku.pk, delta=5, reason="receive", reference="PO-7", note="pallet 3", actor=clerk
    )
    counted = services.stock_adjust(sku_id=sku.pk, delta=-4, reason="adjust", actor=clerk)

    assert (received.on_hand, received.reserved) == (15, 0)
    assert (counted.on_hand, counted.reserved) == (11, 0)
    assert list(
        StockMovement.objects.order_by("id").values_list(
            "delta_on_hand", "delta_reserved", "reason", "reference", "note", "actor"
        )
    ) == [(5, 0, "receive", "PO-7", "pallet 3", clerk.pk), (-4, 0, "adjust", "", "", clerk.pk)]


def test_adjusting_a_sku_without_a_stock_row_creates_it():
    sku = SKUFactory()

    stock = services.stock_adjust(sku_id=sku.pk, delta=4, reason="receive")

    assert (stock.on_hand, stock.reserved, stock.low_stock_threshold, stock.version) == (4, 0, 5, 1)


def test_every_change_writes_one_movement_per_sku():
    a, b = stocked_sku(on_hand=10), stocked_sku(on_hand=10)
    forget_setup_effects()

    services.stock_reserve(lines=[(a.pk, 2), (b.pk, 1)], reference="order-1")
    services.stock_commit(lines=[(a.pk, 2)], reference="order-1")
    services.stock_release(lines=[(b.pk, 1)], reference="order-1")
    services.stock_adjust(sku_id=b.pk, delta=3)

    assert movements() == [
        (a.pk, 0, 2, "reserve", "order-1"),
        (b.pk, 0, 1, "reserve", "order-1"),
        (a.pk, -2, -2, "commit", "order-1"),
        (b.pk, 0, -1, "release", "order-1"),
        (b.pk, 3, 0, "adjust", ""),
    ]
    assert (stock_of(a), stock_of(b)) == ((8, 0), (13, 0))


def test_lines_for_the_same_sku_are_merged_into_one_change():
    sku = stocked_sku(on_hand=10)
    forget_setup_effects()

    services.stock_reserve(lines=[(sku.pk, 2), (sku.pk, 3)], reference="order-1")

    assert stock_of(sku) == (10, 5)
    assert movements() == [(sku.pk, 0, 5, "reserve", "order-1")]
    assert [payload["version"] for topic, payload in events() if topic == CHANGED] == [2]


def test_skus_are_handled_in_id_order_whatever_the_order_of_the_lines():
    first, second, third = stocked_sku(on_hand=5), stocked_sku(on_hand=5), stocked_sku(on_hand=5)
    forget_setup_effects()

    services.stock_reserve(lines=[(third.pk, 1), (first.pk, 1), (second.pk, 1)], reference="order-1")

    assert [sku_id for sku_id, *_ in movements()] == [first.pk, second.pk, third.pk]
    assert [payload["sku_id"] for _topic, payload in events()] == [first.pk, second.pk, third.pk]


# --- refusals change nothing ------------------------------------------------------------


def test_reserving_more_than_available_changes_nothing_on_any_line():
    plenty, scarce = stocked_sku(on_hand=10), stocked_sku(on_hand=1)
    forget_setup_effects()

    with pytest.raises(OutOfStock) as refused:
        services.stock_reserve(lines=[(plenty.pk, 2), (scarce.pk, 2)], reference="order-1")

    assert refused.value.sku_id == scarce.pk
    assert refused.value.code == "out_of_stock"
    assert (stock_of(plenty), stock_of(scarce)) == ((10, 0), (1, 0))
    assert movements() == []
    assert events() == []


def test_reserved_units_are_not_available_to_the_next_order():
    sku = stocked_sku(on_hand=5)
    services.stock_reserve(lines=[(sku.pk, 4)], reference="order-1")

    with pytest.raises(OutOfStock):
        services.stock_reserve(lines=[(sku.pk, 2)], reference="order-2")

    services.stock_reserve(lines=[(sku.pk, 1)], reference="order-3")
    assert stock_of(sku) == (5, 5)


def test_reserving_a_sku_that_was_never_stocked_is_out_of_stock():
    sku = SKUFactory()

    with pytest.raises(OutOfStock):
        services.stock_reserve(lines=[(sku.pk, 1)], reference="order-1")

    assert not Stock.objects.filter(sku_id=sku.pk).exists()


def test_committing_more_than_is_reserved_raises_and_changes_nothing():
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 2)], reference="order-1")
    forget_setup_effects()

    with pytest.raises(ReservationMissing):
        services.stock_commit(lines=[(sku.pk, 3)], reference="order-1")

    assert stock_of(sku) == (10, 2)
    assert movements() == []
    assert events() == []


def test_releasing_more_than_is_reserved_raises_and_changes_nothing():
    a, b = stocked_sku(on_hand=10), stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(a.pk, 2), (b.pk, 1)], reference="order-1")
    forget_setup_effects()

    with pytest.raises(ReservationMissing):
        services.stock_release(lines=[(a.pk, 2), (b.pk, 2)], reference="order-1")

    assert (stock_of(a), stock_of(b)) == ((10, 2), (10, 1))
    assert movements() == []


def test_adjusting_below_what_is_reserved_raises_and_changes_nothing():
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 8)], reference="order-1")
    forget_setup_effects()

    with pytest.raises(StockWouldGoNegative):
        services.stock_adjust(sku_id=sku.pk, delta=-3)

    assert stock_of(sku) == (10, 8)
    assert movements() == []
    assert events() == []


def test_adjusting_down_to_exactly_what_is_reserved_is_allowed():
    sku = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(sku.pk, 8)], reference="order-1")

    stock = services.stock_adjust(sku_id=sku.pk, delta=-2)

    assert (stock.on_hand, stock.reserved, stock.available) == (8, 8, 0)


@pytest.mark.parametrize("qty", [0, -1, 1.5, "2", True, None])
def test_line_quantities_must_be_whole_numbers_above_zero(qty):
    sku = stocked_sku(on_hand=10)

    for use_case in (services.stock_reserve, services.stock_commit, services.stock_release):
        with pytest.raises(InvalidQuantity):
            use_case(lines=[(sku.pk, qty)], reference="order-1")

    assert stock_of(sku) == (10, 0)


@pytest.mark.parametrize("delta", [0, 1.5, "3", True, None])
def test_an_adjustment_is_a_whole_number_other_than_zero(delta):
    sku = stocked_sku(on_hand=10)

    with pytest.raises(InvalidQuantity):
        services.stock_adjust(sku_id=sku.pk, delta=delta)

    assert stock_of(sku) == (10, 0)


@pytest.mark.parametrize("reason", ["receive", "return"])
def test_received_and_returned_goods_only_add_units(reason):
    sku = stocked_sku(on_hand=10)

    with pytest.raises(InvalidQuantity):
        services.stock_adjust(sku_id=sku.pk, delta=-1, reason=reason)

    assert stock_of(sku) == (10, 0)


@pytest.mark.parametrize("reason", ["reserve", "commit", "release", "gift"])
def test_adjusting_takes_only_the_staff_reasons(reason):
    sku = stocked_sku(on_hand=10)

    with pytest.raises(ValueError, match="stock_adjust takes one of"):
        services.stock_adjust(sku_id=sku.pk, delta=1, reason=reason)


# --- events in the outbox ---------------------------------------------------------------


def test_each_change_publishes_stock_changed_with_the_new_numbers_and_version():
    sku = stocked_sku(on_hand=10, threshold=2)  # the setup's receipt is version 1
    forget_setup_effects()

    services.stock_reserve(lines=[(sku.pk, 3)], reference="order-1")
    services.stock_commit(lines=[(sku.pk, 3)], reference="order-1")
    services.stock_reserve(lines=[(sku.pk, 2)], reference="order-2")
    services.stock_release(lines=[(sku.pk, 2)], reference="order-2")
    services.stock_adjust(sku_id=sku.pk, delta=4, reason="receive")

    def changed(on_hand, reserved, version):
        payload = {"sku_id": sku.pk, "on_hand": on_hand, "reserved": reserved, "version": version}
        return (CHANGED, {**payload, "available": on_hand - reserved})

    assert events() == [
        changed(10, 3, 2),
        changed(7, 0, 3),
        changed(7, 2, 4),
        changed(7, 0, 5),
        changed(11, 0, 6),
    ]


def test_stock_low_is_published_when_available_units_cross_the_threshold_and_not_again_below_it():
    sku = stocked_sku(on_hand=10, threshold=5)
    forget_setup_effects()

    services.stock_reserve(lines=[(sku.pk, 4)], reference="order-1")  # 6 left: above
    services.stock_reserve(lines=[(sku.pk, 1)], reference="order-2")  # 5 left: crosses
    services.stock_reserve(lines=[(sku.pk, 1)], reference="order-3")  # 4 left: still below
    services.stock_commit(lines=[(sku.pk, 1)], reference="order-3")  # 4 left: unchanged
    services.stock_adjust(sku_id=sku.pk, delta=-4)  # 0 left: still below

    lows = [payload for topic, payload in events() if topic == LOW]
    assert lows == [{"sku_id": sku.pk, "available": 5, "threshold": 5}]
    assert [topic for topic, _payload in events()].count(CHANGED) == 5


def test_stock_low_is_published_again_after_the_stock_went_back_above_the_threshold():
    sku = stocked_sku(on_hand=10, threshold=5)
    services.stock_reserve(lines=[(sku.pk, 6)], reference="order-1")  # 4 left: low
    forget_setup_effects()

    services.stock_release(lines=[(sku.pk, 6)], reference="order-1")  # 10 left: above again
    services.stock_reserve(lines=[(sku.pk, 7)], reference="order-2")  # 3 left: crosses again

    assert [payload for topic, payload in events() if topic == LOW] == [
        {"sku_id": sku.pk, "available": 3, "threshold": 5}
    ]


def test_stock_low_is_published_by_an_adjustment_that_crosses_the_threshold():
    sku = stocked_sku(on_hand=8, threshold=3)
    forget_setup_effects()

    services.stock_adjust(sku_id=sku.pk, delta=-5)

    assert events() == [
        (CHANGED, {"sku_id": sku.pk, "on_hand": 3, "reserved": 0, "available": 3, "version": 2}),
        (LOW, {"sku_id": sku.pk, "available": 3, "threshold": 3}),
    ]


def test_receiving_goods_into_a_low_stock_publishes_no_stock_low():
    sku = stocked_sku(on_hand=2, threshold=5)
    forget_setup_effects()

    services.stock_adjust(sku_id=sku.pk, delta=1, reason="receive")  # 3: still below, but rising

    assert [topic for topic, _payload in events()] == [CHANGED]


def test_a_refused_change_publishes_nothing():
    sku = stocked_sku(on_hand=1)
    forget_setup_effects()

    with pytest.raises(OutOfStock):
        services.stock_reserve(lines=[(sku.pk, 2)], reference="order-1")

    assert events() == []


# --- the threshold, the levels ----------------------------------------------------------


def test_setting_the_threshold_changes_no_counts_and_writes_no_movement():
    sku = stocked_sku(on_hand=10)
    forget_setup_effects()

    stock = services.stock_set_threshold(sku_id=sku.pk, threshold=12)

    assert (stock.on_hand, stock.reserved, stock.low_stock_threshold, stock.version) == (10, 0, 12, 1)
    assert stock.is_low is True
    assert movements() == []
    assert events() == []


def test_stock_levels_agree_between_rows_and_queries():
    sold_out = stocked_sku(on_hand=0, threshold=2)
    reserved_out = stocked_sku(on_hand=3, threshold=2)
    services.stock_reserve(lines=[(reserved_out.pk, 3)], reference="order-1")
    running_low = stocked_sku(on_hand=2, threshold=2)
    plenty = stocked_sku(on_hand=3, threshold=2)

    def ids(queryset):
        return sorted(queryset.values_list("sku_id", flat=True))

    assert ids(Stock.objects.sold_out()) == sorted([sold_out.pk, reserved_out.pk])
    assert ids(Stock.objects.not_sold_out()) == sorted([running_low.pk, plenty.pk])
    assert ids(Stock.objects.low()) == sorted([sold_out.pk, reserved_out.pk, running_low.pk])
    assert ids(Stock.objects.running_low()) == [running_low.pk]
    assert ids(Stock.objects.above_threshold()) == [plenty.pk]
    rows = {stock.sku_id: (stock.is_sold_out, stock.is_low) for stock in Stock.objects.all()}
    assert rows == {
        sold_out.pk: (True, True),
        reserved_out.pk: (True, True),
        running_low.pk: (False, True),
        plenty.pk: (False, False),
    }


def test_available_units_count_zero_for_a_sku_without_a_stock_row():
    stocked, never_stocked = stocked_sku(on_hand=4), SKUFactory()

    assert stock_available(sku_ids=[stocked.pk, never_stocked.pk]) == {stocked.pk: 4, never_stocked.pk: 0}


# --- the database's own guard -----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"reserved": F("on_hand") + 1},
        {"on_hand": -1, "reserved": 0},
        {"reserved": -1},
        {"on_hand": F("reserved") - 1},
    ],
    ids=["reserved above on hand", "negative on hand", "negative reserved", "on hand below reserved"],
)
def test_the_database_refuses_impossible_stock_even_from_a_raw_update(change):
    sku = stocked_sku(on_hand=5)
    services.stock_reserve(lines=[(sku.pk, 2)], reference="order-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(sku_id=sku.pk).update(**change)

    assert stock_of(sku) == (5, 2)
