"""Stock use cases. The rules that must never break live here and in the database:

- reserve with one conditional UPDATE per SKU (`... WHERE on_hand >= reserved + qty`),
  SKUs in id order so that two orders never wait on each other's rows (no deadlock);
- paying commits a reservation, cancelling or a timeout releases it;
- every change writes a StockMovement row and publishes StockChanged (and StockLow
  when the available units cross the SKU's threshold), in the same transaction.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Sum

from apps.core.observability import business_log
from apps.core.outbox import publish
from apps.inventory.domain.events import StockChanged, StockLow
from apps.inventory.domain.exceptions import InvalidQuantity, OutOfStock, ReservationMissing, StockWouldGoNegative
from apps.inventory.models import Stock, StockMovement

Lines = Iterable[tuple[int, int]]  # (sku_id, quantity)

# The reasons staff give for changing units on hand (admin, API).
STAFF_REASONS = frozenset({StockMovement.Reason.ADJUST, StockMovement.Reason.RECEIVE, StockMovement.Reason.RETURN})
# The largest change the staff forms accept at once: a slip of the keyboard (an extra
# digit or five) must not reach the database's integer limit.
MAX_ADJUSTMENT = 1_000_000


def stock_reserve(*, lines: Lines, reference: str) -> None:
    """Reserve every line or none (OutOfStock names the first SKU that is short)."""
    with transaction.atomic():
        for sku_id, qty in _ordered(lines):
            claimed = Stock.objects.filter(sku_id=sku_id, on_hand__gte=F("reserved") + qty).update(
                reserved=F("reserved") + qty, version=F("version") + 1
            )
            if not claimed:
                raise OutOfStock(sku_id)
            _moved(sku_id, on_hand=0, reserved=qty, reason=StockMovement.Reason.RESERVE, reference=reference)
            _announce(sku_id, available_change=-qty)


def stock_commit(*, lines: Lines, reference: str) -> None:
    """A paid order's reservation leaves the warehouse: on hand and reserved both drop."""
    with transaction.atomic():
        for sku_id, qty in _ordered(lines):
            done = Stock.objects.filter(sku_id=sku_id, reserved__gte=qty).update(
                on_hand=F("on_hand") - qty, reserved=F("reserved") - qty, version=F("version") + 1
            )
            if not done:
                raise ReservationMissing()
            _moved(sku_id, on_hand=-qty, reserved=-qty, reason=StockMovement.Reason.COMMIT, reference=reference)
            _announce(sku_id, available_change=0)


def stock_commit_reservation(*, reference: str) -> list[tuple[int, int]]:
    """Commit whatever is still reserved under `reference` (an order number); returns the lines.

    What is outstanding comes from the ledger (reserved, minus committed and released,
    under this reference), read while the SKUs' rows are locked: a second call, or two
    at once, finds nothing left and commits nothing. A reservation that was released
    meanwhile is not committed either.
    """
    held_by_reference = StockMovement.objects.filter(
        reference=reference,
        reason__in=[StockMovement.Reason.RESERVE, StockMovement.Reason.COMMIT, StockMovement.Reason.RELEASE],
    )
    with transaction.atomic():
        sku_ids = sorted(set(held_by_reference.values_list("sku_id", flat=True)))
        if not sku_ids:
            return []
        # Lock in SKU id order, as stock_reserve does, so the two never deadlock.
        list(Stock.objects.select_for_update().filter(sku_id__in=sku_ids).order_by("sku_id").values_list("sku_id"))
        held = held_by_reference.values("sku_id").annotate(units=Sum("delta_reserved")).order_by("sku_id")
        lines = [(row["sku_id"], row["units"]) for row in held if row["units"] > 0]
        if lines:
            stock_commit(lines=lines, reference=reference)
    return lines


def stock_release(*, lines: Lines, reference: str) -> None:
    """A cancelled or expired order gives its reserved units back."""
    with transaction.atomic():
        for sku_id, qty in _ordered(lines):
            done = Stock.objects.filter(sku_id=sku_id, reserved__gte=qty).update(
                reserved=F("reserved") - qty, version=F("version") + 1
            )
            if not done:
                raise ReservationMissing()
            _moved(sku_id, on_hand=0, reserved=-qty, reason=StockMovement.Reason.RELEASE, reference=reference)
            _announce(sku_id, available_change=qty)


def stock_adjust(
    *,
    sku_id: int,
    delta: int,
    reason: str = StockMovement.Reason.ADJUST,
    reference: str = "",
    note: str = "",
    actor=None,
) -> Stock:
    """Change units on hand (a count, goods received, returns). Never below what is reserved.

    Received and returned goods only ever add units; a count (`adjust`) goes either way.
    """
    if reason not in STAFF_REASONS:
        # reserve/commit/release have their own use cases, which keep `reserved` in step.
        raise ValueError(f"stock_adjust takes one of {sorted(STAFF_REASONS)}, not {reason!r}")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise InvalidQuantity()
    if delta < 0 and reason != StockMovement.Reason.ADJUST:
        raise InvalidQuantity()
    with transaction.atomic():
        Stock.objects.get_or_create(sku_id=sku_id)
        done = Stock.objects.filter(sku_id=sku_id, on_hand__gte=F("reserved") - delta).update(
            on_hand=F("on_hand") + delta, version=F("version") + 1
        )
        if not done:
            raise StockWouldGoNegative()
        _moved(sku_id, on_hand=delta, reserved=0, reason=reason, reference=reference, note=note, actor=actor)
        stock = _announce(sku_id, available_change=delta)
    business_log("stock_adjusted", sku_id=sku_id, delta=delta, reason=reason, actor_id=getattr(actor, "pk", None))
    return stock


def stock_set_threshold(*, sku_id: int, threshold: int) -> Stock:
    with transaction.atomic():
        stock, _ = Stock.objects.select_for_update().get_or_create(sku_id=sku_id)
        stock.low_stock_threshold = threshold
        stock.save(update_fields=["low_stock_threshold", "updated_at"])
    return stock


def _ordered(lines: Lines) -> list[tuple[int, int]]:
    """Merge lines of the same SKU and sort by SKU id (the lock order)."""
    totals: Counter[int] = Counter()
    for sku_id, qty in lines:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise InvalidQuantity()
        totals[int(sku_id)] += qty
    return sorted(totals.items())


def _moved(sku_id, *, on_hand, reserved, reason, reference, note="", actor=None) -> None:
    StockMovement.objects.create(
        sku_id=sku_id,
        delta_on_hand=on_hand,
        delta_reserved=reserved,
        reason=reason,
        reference=reference,
        note=note,
        actor=actor,
    )


def _announce(sku_id: int, *, available_change: int) -> Stock:
    stock = Stock.objects.get(sku_id=sku_id)
    publish(
        StockChanged(
            sku_id=sku_id,
            on_hand=stock.on_hand,
            reserved=stock.reserved,
            available=stock.available,
            version=stock.version,
        )
    )
    before = stock.available - available_change
    if stock.available <= stock.low_stock_threshold < before:
        publish(StockLow(sku_id=sku_id, available=stock.available, threshold=stock.low_stock_threshold))
    return stock


def stock_return(*, lines: Lines, reference: str) -> list[tuple[int, int]]:
    """Goods a customer sent back (a refund with return_goods) go back on hand; returns the lines.

    Once per reference (the refund): under the SKUs' row locks, a reference that has
    returned goods already returns nothing more, so a replay adds no units. A SKU that
    no longer exists in inventory is skipped (its units have nowhere to go).
    """
    merged = _ordered(lines)
    if not merged:
        return []
    if not reference:
        raise ValueError("a return needs the reference of what it comes from")
    with transaction.atomic():
        # Lock in SKU id order, as the other stock use cases do, so they never deadlock.
        present = set(
            Stock.objects.select_for_update()
            .filter(sku_id__in=[sku_id for sku_id, _ in merged])
            .order_by("sku_id")
            .values_list("sku_id", flat=True)
        )
        if StockMovement.objects.filter(reason=StockMovement.Reason.RETURN, reference=reference).exists():
            return []
        returned = [(sku_id, qty) for sku_id, qty in merged if sku_id in present]
        for sku_id, qty in returned:
            Stock.objects.filter(sku_id=sku_id).update(on_hand=F("on_hand") + qty, version=F("version") + 1)
            _moved(sku_id, on_hand=qty, reserved=0, reason=StockMovement.Reason.RETURN, reference=reference)
            _announce(sku_id, available_change=qty)
    business_log("stock_returned", reference=reference, lines=returned)
    return returned
