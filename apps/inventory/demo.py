"""Demo stock for `manage.py seed_demo`: goods received for every SKU that has no stock yet.

Most SKUs get 5 to 200 units, a few are low (5 or fewer), and about 8% are sold out:
every SKU of one product in 25, plus a few single SKUs. Quantities come from the SKU
code, so a run gives the same numbers whichever SKUs it finds without stock.

Each change goes through the stock services, which publish StockChanged; catalog's
handler mirrors the availability on the SKU and the product's "in stock" flag once
this app's demo transaction has committed.
"""

import random

from django.apps import apps

from apps.inventory import services
from apps.inventory.models import Stock

SOLD_OUT_PRODUCT_EVERY = 25
SOLD_OUT_SKU_SHARE = 0.04
LOW_SKU_SHARE = 0.05
REFERENCE = "demo"


def seed(*, stdout, verbosity: int = 1, **options) -> list[str]:
    # Catalog's public API has no "all SKU ids" read; reading the ids straight from its
    # model (never writing) keeps inventory's import of catalog to public.py.
    sku_model = apps.get_model("catalog", "SKU")
    skus = list(sku_model.objects.order_by("product_id", "pk").values_list("pk", "product_id", "code"))
    stocked = set(Stock.objects.values_list("sku_id", flat=True))
    product_rank = {product_id: rank for rank, product_id in enumerate(sorted({p for _, p, _ in skus}))}

    received = sold_out = 0
    for sku_id, product_id, code in skus:
        if sku_id in stocked:
            continue
        units = demo_units(code=code, product_rank=product_rank[product_id])
        if units:
            services.stock_adjust(sku_id=sku_id, delta=units, reason="receive", reference=REFERENCE)
            received += 1
        else:
            # A stock row with nothing on hand: the warehouse knows the SKU, it is sold out.
            services.stock_set_threshold(sku_id=sku_id, threshold=Stock._meta.get_field("low_stock_threshold").default)
            sold_out += 1
    if verbosity:
        stdout.write(f"Stock: {received} SKUs received, {sold_out} sold out.")
    return []


def demo_units(*, code: str, product_rank: int) -> int:
    """Units on hand for a demo SKU: 0 (sold out), 1-5 (low) or 5-200, mostly under 80."""
    if product_rank % SOLD_OUT_PRODUCT_EVERY == SOLD_OUT_PRODUCT_EVERY // 2:
        return 0
    rng = random.Random(f"stock:{code}")
    draw = rng.random()
    if draw < SOLD_OUT_SKU_SHARE:
        return 0
    if draw < SOLD_OUT_SKU_SHARE + LOW_SKU_SHARE:
        return rng.randint(1, 5)
    return min(200, max(5, round(rng.lognormvariate(3.7, 0.7))))
