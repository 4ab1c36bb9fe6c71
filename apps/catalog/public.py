"""Catalog's front door for the apps to its right (inventory, cart, orders, ...)."""

import dataclasses
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Substr

from apps.catalog.models import SKU, Category, Product


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


# --- Reports ------------------------------------------------------------------------------


def product_categories(*, product_ids: Iterable[int]) -> dict[int, int]:
    """Each existing product's category id (the sales roll-up groups by category)."""
    product_ids = list(product_ids)
    if not product_ids:
        return {}
    return dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "category_id"))


@dataclasses.dataclass(frozen=True)
class ReportLabels:
    """Names for a sales report: products by id, and categories by id with the top-level
    category each belongs to (a report groups the tree's leaves under its sections)."""

    products: dict[int, str]
    categories: dict[int, tuple[int, str]]  # category id -> (top-level category id, its name)


_LABEL_PRODUCT, _LABEL_CATEGORY = 1, 2


def report_labels(*, product_ids: Iterable[int], category_ids: Iterable[int]) -> ReportLabels:
    """Product names and top-level categories in one query (a dashboard counts its queries).

    Unknown ids are simply missing from the answer.
    """
    product_ids, category_ids = list(product_ids), list(category_ids)
    parts = []
    if product_ids:
        parts.append(
            Product.objects.filter(pk__in=product_ids)
            .annotate(kind=Value(_LABEL_PRODUCT), top_id=Value(0), label=F("name"))
            .order_by()  # a part of a UNION takes no ORDER BY
            .values_list("kind", "pk", "top_id", "label")
        )
    if category_ids:
        top = Category.objects.filter(path=Substr(OuterRef("path"), 1, Category.steplen)).order_by()
        parts.append(
            Category.objects.filter(pk__in=category_ids)
            .annotate(
                kind=Value(_LABEL_CATEGORY),
                top_id=Subquery(top.values("pk")[:1]),
                label=Subquery(top.values("name")[:1]),
            )
            .order_by()
            .values_list("kind", "pk", "top_id", "label")
        )
    if not parts:
        return ReportLabels(products={}, categories={})
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    products: dict[int, str] = {}
    categories: dict[int, tuple[int, str]] = {}
    for kind, pk, top_id, label in rows:
        if kind == _LABEL_PRODUCT:
            products[pk] = label
        else:
            categories[pk] = (top_id, label)
    return ReportLabels(products=products, categories=categories)
