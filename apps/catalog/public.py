"""Catalog's front door for the apps to its right (inventory, cart, orders, ...)."""

import dataclasses
from decimal import Decimal

from apps.catalog.models import SKU, Category


@dataclasses.dataclass(frozen=True)
class SkuSnapshot:
    """What an order line or a cart line needs to know of a SKU, as plain values."""

    id: int
    code: str
    product_id: int
    product_name: str
    product_slug: str
    category_id: int
    category_path: str  # materialised path: a category's subtree shares its prefix
    brand_id: int | None
    price: Decimal
    attributes: str
    is_buyable: bool
    thumbnail_url: str


def category_path(*, category_id: int) -> str | None:
    """The materialised path of a category (promotions scope by subtree)."""
    return Category.objects.filter(pk=category_id).values_list("path", flat=True).first()


def sku_snapshots(*, sku_ids: list[int]) -> dict[int, SkuSnapshot]:
    skus = (
        SKU.objects.filter(pk__in=sku_ids)
        .select_related("product__category")
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
            category_id=sku.product.category_id,
            category_path=sku.product.category.path,
            brand_id=sku.product.brand_id,
            price=sku.price,
            attributes=" / ".join(v.value for v in sku.attribute_values.all()),
            is_buyable=sku.is_active and sku.product.is_published,
            thumbnail_url=images[0].thumbnail.url if images and images[0].thumbnail else "",
        )
    return snapshots
