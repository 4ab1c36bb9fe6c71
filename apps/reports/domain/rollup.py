"""The sales roll-up's arithmetic, in plain Python: what one paid order adds to the
roll-up, and how a refund is spread over the products it gives money back for.

The same functions serve the event handlers (one order at a time) and the rebuild
(from the orders and refunds tables), so both produce the same rows.

Definitions (docs/reports.md):
- revenue: goods sold after discounts (the order lines' totals), shipping excluded;
- discounts: what promotions and coupons took off the goods (list price x quantity
  minus the line totals);
- refunds: money given back, on the day the refund succeeded, spread over the order's
  products in proportion to their revenue (a refunded shipping fee included).
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from apps.core.domain.money import ZERO, allocate, to_money

# A product whose category is unknown (deleted since) rolls up under category 0, and an
# order without a recorded provider under "": the roll-up's key has no NULLs, so the
# unique key really is unique.
UNKNOWN_CATEGORY = 0
UNKNOWN_PROVIDER = ""


@dataclasses.dataclass(frozen=True)
class ProductSale:
    """One product's part of one paid order."""

    product_id: int
    category_id: int
    quantity: int
    revenue: Decimal
    discount: Decimal

    def as_row(self) -> list:
        """JSON primitives, for the paid-order record (reports.PaidOrder.sales)."""
        return [self.product_id, self.category_id, self.quantity, str(self.revenue), str(self.discount)]

    @classmethod
    def from_row(cls, row: Sequence) -> "ProductSale":
        product_id, category_id, quantity, revenue, discount = row
        return cls(int(product_id), int(category_id), int(quantity), Decimal(revenue), Decimal(discount))


@dataclasses.dataclass(frozen=True)
class OrderSale:
    """What one paid order adds to its paid day."""

    products: tuple[ProductSale, ...]
    revenue: Decimal
    discounts: Decimal
    units: int
    shipping: Decimal  # the total minus the goods: the shipping fee after its discount


def order_sale(*, total: Decimal, lines: Iterable[Mapping], categories: Mapping[int, int]) -> OrderSale:
    """An order's lines merged per product (sorted by product id).

    `lines` hold product_id, quantity, unit_price and line_total (Decimal or str, as
    OrderPaid's payload and the order lines have them); `categories` maps product ids
    to category ids (a product missing there goes to UNKNOWN_CATEGORY).
    """
    merged: dict[int, list] = {}
    for line in lines:
        product_id = int(line["product_id"])
        quantity = int(line["quantity"])
        line_total = to_money(line["line_total"])
        discount = to_money(to_money(line["unit_price"]) * quantity - line_total)
        entry = merged.setdefault(product_id, [0, ZERO, ZERO])
        entry[0] += quantity
        entry[1] += line_total
        entry[2] += discount
    products = tuple(
        ProductSale(
            product_id=product_id,
            category_id=int(categories.get(product_id) or UNKNOWN_CATEGORY),
            quantity=quantity,
            revenue=revenue,
            discount=discount,
        )
        for product_id, (quantity, revenue, discount) in sorted(merged.items())
    )
    revenue = sum((p.revenue for p in products), ZERO)
    return OrderSale(
        products=products,
        revenue=revenue,
        discounts=sum((p.discount for p in products), ZERO),
        units=sum(p.quantity for p in products),
        shipping=to_money(total) - revenue,
    )


def refund_shares(amount: Decimal, products: Sequence[ProductSale]) -> list[tuple[ProductSale, Decimal]]:
    """`amount` spread over the order's products in proportion to their revenue, to the
    cent, adding up exactly (equal shares when every product was free)."""
    shares = allocate(to_money(amount), [p.revenue for p in products])
    return list(zip(products, shares, strict=True))
