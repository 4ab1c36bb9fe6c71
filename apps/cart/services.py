"""Cart use cases: add, change, remove, merge, and the priced view of a cart.

Lines are checked against catalog (buyable, price) and inventory (available units) at
every read, so a cart never lies about what can be bought; checkout relies on
`cart_view(...).ready_for_checkout` (see `cart_ensure_ready`).
"""

import dataclasses
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.core import signing

from apps.cart.domain.exceptions import (
    CartItemNotFound,
    CartNotReady,
    InvalidCartToken,
    InvalidQuantity,
    QuantityNotAvailable,
    SkuNotAvailable,
)
from apps.cart.domain.keys import GUEST_CART_DAYS, MAX_QUANTITY, guest_cart_key, is_guest_key
from apps.cart.store import CartItem, DatabaseCartStore, cart_store
from apps.catalog.public import SkuSnapshot, sku_snapshots
from apps.core.domain.money import format_money, to_money
from apps.core.observability import business_log
from apps.inventory.public import stock_available
from apps.promotions.public import (
    COUPON_ERRORS,
    Breakdown,
    CouponError,
    PricingLine,
    price_cart,
    shipping_method_get,
    shipping_methods,
)

TOKEN_SALT = "cart"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = GUEST_CART_DAYS * 24 * 60 * 60

UNAVAILABLE = "unavailable"
PRICE_CHANGED = "price_changed"
INSUFFICIENT_STOCK = "insufficient_stock"


@dataclasses.dataclass(frozen=True)
class LineProblem:
    code: str  # UNAVAILABLE, PRICE_CHANGED or INSUFFICIENT_STOCK
    available: int | None = None  # units that can be bought, for INSUFFICIENT_STOCK
    previous_price: Decimal | None = None  # the price when added, for PRICE_CHANGED


@dataclasses.dataclass(frozen=True)
class CartLineView:
    sku_id: int
    sku: SkuSnapshot | None  # None when the SKU no longer exists
    quantity: int
    added_price: Decimal
    unit_price: Decimal  # the price now (the added price for a SKU that is gone)
    line_total: Decimal
    available: int
    problems: tuple[LineProblem, ...]

    @property
    def problem_codes(self) -> tuple[str, ...]:
        return tuple(problem.code for problem in self.problems)


@dataclasses.dataclass(frozen=True)
class CartView:
    key: str
    lines: tuple[CartLineView, ...]
    breakdown: Breakdown  # of the lines that can be bought, at the quantities that can
    shipping_method: str

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_price_changes(self) -> bool:
        return any(PRICE_CHANGED in line.problem_codes for line in self.lines)

    @property
    def ready_for_checkout(self) -> bool:
        return bool(self.lines) and not any(line.problems for line in self.lines)


# --- keys and tokens -------------------------------------------------------------------


def guest_token_issue() -> tuple[str, str]:
    """A new guest cart: its key and the signed token a client carries for it."""
    guest_id = secrets.token_urlsafe(18)
    return guest_cart_key(guest_id), signing.dumps(guest_id, salt=TOKEN_SALT)


def guest_key_from_token(token: str) -> str:
    """The guest cart a token names; InvalidCartToken when forged, mangled or expired."""
    try:
        guest_id = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise InvalidCartToken() from exc
    if not isinstance(guest_id, str) or not guest_id:
        raise InvalidCartToken()
    return guest_cart_key(guest_id)


# --- changes -----------------------------------------------------------------------------


def _check_quantity(quantity) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity()


def _buyable_snapshot(sku_id: int) -> SkuSnapshot:
    snapshot = sku_snapshots(sku_ids=[sku_id]).get(sku_id)
    if snapshot is None or not snapshot.is_buyable:
        raise SkuNotAvailable()
    return snapshot


def _check_available(sku_id: int, quantity: int) -> None:
    available = stock_available(sku_ids=[sku_id])[sku_id]
    if quantity > available:
        raise QuantityNotAvailable(available)


def cart_add(*, key: str, sku_id: int, quantity: int = 1) -> int:
    """Adds units of a SKU (to what the cart already holds); returns the line's quantity."""
    _check_quantity(quantity)
    snapshot = _buyable_snapshot(sku_id)
    store = cart_store()
    current = store.get(key).get(sku_id)
    new_quantity = quantity + (current.quantity if current else 0)
    if new_quantity > MAX_QUANTITY:
        raise InvalidQuantity()
    _check_available(sku_id, new_quantity)
    store.set_quantity(key, sku_id, new_quantity, snapshot.price)
    return new_quantity


def cart_set_quantity(*, key: str, sku_id: int, quantity: int) -> None:
    """Sets a line's quantity. Lowering it is always allowed, so a short line can be fixed."""
    _check_quantity(quantity)
    store = cart_store()
    current = store.get(key).get(sku_id)
    if current is None:
        raise CartItemNotFound()
    if quantity > current.quantity:
        _buyable_snapshot(sku_id)
        _check_available(sku_id, quantity)
    store.set_quantity(key, sku_id, quantity, current.added_price)


def cart_remove(*, key: str, sku_id: int) -> None:
    if not cart_store().remove(key, sku_id):
        raise CartItemNotFound()


def cart_clear(*, key: str) -> None:
    cart_store().clear(key)


def cart_purge_expired_guests(*, now: datetime) -> int:
    """Deletes the database's guest carts untouched for GUEST_CART_DAYS; returns carts and lines deleted."""
    return DatabaseCartStore().purge_guest_carts(untouched_since=now - timedelta(days=GUEST_CART_DAYS))


def cart_accept_prices(*, key: str) -> None:
    """The customer has seen the new prices: they become the lines' reference prices."""
    store = cart_store()
    items = store.get(key)
    snapshots = sku_snapshots(sku_ids=list(items))
    changed = {
        sku_id: CartItem(item.quantity, snapshots[sku_id].price)
        for sku_id, item in items.items()
        if sku_id in snapshots and snapshots[sku_id].price != item.added_price
    }
    store.set_items(key, changed)


def cart_merge(*, guest_key: str, user_key: str) -> None:
    """Moves a guest cart into a user's: quantities summed and capped at what can be bought.

    A guest line for a SKU that cannot be bought at all is dropped; the user's own
    lines are left as they are (a read shows their problems). The guest cart is emptied.
    """
    if not is_guest_key(guest_key) or guest_key == user_key:
        raise InvalidCartToken()
    store = cart_store()
    guest_items = store.get(guest_key)
    if not guest_items:
        return
    user_items = store.get(user_key)
    sku_ids = list(guest_items)
    snapshots = sku_snapshots(sku_ids=sku_ids)
    available = stock_available(sku_ids=sku_ids)
    merged = {}
    for sku_id, guest_item in guest_items.items():
        snapshot = snapshots.get(sku_id)
        if snapshot is None or not snapshot.is_buyable:
            continue
        user_item = user_items.get(sku_id)
        wanted = guest_item.quantity + (user_item.quantity if user_item else 0)
        quantity = min(wanted, available[sku_id], MAX_QUANTITY)
        if quantity <= 0 or (user_item and quantity <= user_item.quantity):
            continue
        merged[sku_id] = CartItem(quantity, user_item.added_price if user_item else guest_item.added_price)
    store.set_items(user_key, merged)
    store.clear(guest_key)
    business_log("cart_merged", user_cart=user_key, lines=len(merged))


# --- the priced view ---------------------------------------------------------------------


def _price(lines: list[PricingLine], coupon_code: str | None, user_id: int | None, shipping_method: str) -> Breakdown:
    return price_cart(lines=lines, coupon_code=coupon_code, user_id=user_id, shipping_method=shipping_method)


def cart_view(
    *, key: str, coupon_code: str | None = None, user_id: int | None = None, shipping_method: str = "standard"
) -> CartView:
    """The cart as it stands now, every line checked, priced by promotions.

    A fixed number of queries whatever the number of lines: the store, the SKU
    snapshots and the stock are each read in one go.
    """
    items = cart_store().get(key)
    sku_ids = list(items)
    snapshots = sku_snapshots(sku_ids=sku_ids) if sku_ids else {}
    available_units = stock_available(sku_ids=sku_ids) if sku_ids else {}
    lines = []
    pricing_lines = []
    for sku_id, item in items.items():
        snapshot = snapshots.get(sku_id)
        available = available_units.get(sku_id, 0)
        problems = []
        if snapshot is None or not snapshot.is_buyable:
            problems.append(LineProblem(UNAVAILABLE))
        else:
            if snapshot.price != item.added_price:
                problems.append(LineProblem(PRICE_CHANGED, previous_price=item.added_price))
            if item.quantity > available:
                problems.append(LineProblem(INSUFFICIENT_STOCK, available=available))
        unit_price = snapshot.price if snapshot else item.added_price
        lines.append(
            CartLineView(
                sku_id=sku_id,
                sku=snapshot,
                quantity=item.quantity,
                added_price=item.added_price,
                unit_price=unit_price,
                line_total=to_money(unit_price * item.quantity),
                available=available,
                problems=tuple(problems),
            )
        )
        billable = min(item.quantity, available)
        if snapshot is not None and snapshot.is_buyable and billable > 0:
            pricing_lines.append(
                PricingLine(
                    sku_id=sku_id,
                    product_id=snapshot.product_id,
                    category_path=snapshot.category_path,
                    brand_id=snapshot.brand_id,
                    unit_price=snapshot.price,
                    quantity=billable,
                )
            )
    breakdown = _price(pricing_lines, coupon_code or None, user_id, shipping_method)
    return CartView(key=key, lines=tuple(lines), breakdown=breakdown, shipping_method=shipping_method)


def cart_ensure_ready(*, view: CartView) -> None:
    """Checkout's gate: refuses an empty cart or one with a line that has a problem."""
    if not view.ready_for_checkout:
        raise CartNotReady()


# --- shipping methods and coupons ----------------------------------------------------------


def shipping_choices() -> list[tuple[str, str]]:
    """(code, label with fee) of the shipping methods, for a choice field."""
    return [(method.code, f"{method.label} ({format_money(method.fee)})") for method in shipping_methods()]


def shipping_method_check(code: str) -> str:
    return shipping_method_get(code=code).code  # UnknownShippingMethod (400) from promotions


def shipping_method_or_default(code: str | None) -> str:
    """A remembered choice that still exists, else the first (the default) method."""
    methods = [method.code for method in shipping_methods()]
    return code if code in methods else methods[0]


@dataclasses.dataclass(frozen=True)
class CouponQuote:
    with_coupon: Breakdown
    without_coupon: Breakdown


def coupon_quote(*, key: str, coupon_code: str, user_id: int | None, shipping_method: str = "standard") -> CouponQuote:
    """What a code would do to a cart; promotions' CouponError saying why when it would do nothing."""
    with_coupon = cart_view(key=key, coupon_code=coupon_code, user_id=user_id, shipping_method=shipping_method)
    breakdown = with_coupon.breakdown
    if breakdown.coupon_error or not breakdown.coupon_code:
        raise COUPON_ERRORS.get(breakdown.coupon_error, CouponError)()
    without_coupon = cart_view(key=key, user_id=user_id, shipping_method=shipping_method)
    return CouponQuote(with_coupon=breakdown, without_coupon=without_coupon.breakdown)


def coupon_error_detail(code: str) -> str:
    """The message (untranslated) for a Breakdown.coupon_error code."""
    return COUPON_ERRORS.get(code, CouponError)().detail
