"""Catalog's front door for the apps to its right (inventory, cart, orders, ...)."""

import dataclasses
from decimal import Decimal

from apps.catalog.models import SKU


@dataclasses.dataclass(frozen=True)
class SkuSnapshot:
    """What an order line or a cart line needs to know of a SKU, as plain values."""

    id: int
    code: str
    product_id: int
    product_name: str
    product_slug: str
    price: Decimal
    attributes: str
    is_buyable: bool
    thumbnail_url: str


def sku_snapshots(*, sku_ids: list[int]) -> dict[int, SkuSnapshot]:
    skus = (
        SKU.objects.filter(pk__in=sku_ids)
        .select_related("product")
        .prefetch_related("attribute_values__attribute", "product__images")
    )
    snapshots = {}
    for sku in skus:
        images = list(sku.product.images.all())
        snapshots[sku.pk] = SkuSnapshot(
            id=sku.pk,
            code=sku.code,
            product_id=sku.product_id,
            product_name=sku.product.name,
            product_slug=sku.product.slug,
            price=sku.price,
            attributes=" / ".join(v.value for v in sku.attribute_values.all()),
            is_buyable=sku.is_active and sku.product.is_published,
            thumbnail_url=images[0].thumbnail.url if images and images[0].thumbnail else "",
        )
    return snapshots
