"""The framework's ceiling: a page as large as a category page, rendered with no database.

It runs behind the same middleware as every page (request id and request log, sessions,
CSRF, locale, auth, messages) and renders a Django template with the same tags and
filters as a product list, from data built once at import. Whatever a storefront page
does beyond this costs it the difference between its req/s and this one's.
"""

from decimal import Decimal

from django.shortcuts import render
from django.views.decorators.http import require_safe

CARDS = 24  # a category page shows 24 products


def _cards() -> list[dict]:
    cards = []
    for n in range(1, CARDS + 1):
        price = Decimal(1000 + 37 * n) - Decimal("0.10")
        cards.append(
            {
                "name": f"华星 Spark {n} Pro 5G 手机",
                "url": f"/p/huaxing-smartphone-{n}/",
                "brand": "华星 Huaxing",
                "image": f"/media/products/{n}/huaxing-smartphone-{n}-1-thumb.webp",
                "price": price,
                "compare_at_price": price + 300 if n % 3 == 0 else None,
                "rating": Decimal("4.50"),
                "reviews": n,
                "in_stock": n % 7 != 0,
            }
        )
    return cards


PAGE = {
    "cards": _cards(),
    "categories": [f"类目 Category {n}" for n in range(1, 21)],
    "brands": [f"品牌 Brand {n}" for n in range(1, 21)],
}


@require_safe
def ceiling(request):
    return render(request, "bench/ceiling.html", PAGE)
