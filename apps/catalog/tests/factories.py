"""Catalog test data, built through the catalog services so that read-model fields
(min_price, in_stock, search text) are what the running shop would have."""

from decimal import Decimal

import factory

from apps.catalog import services
from apps.catalog.models import SKU, Brand, Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    """A root category, or a child with `parent=...` (the tree needs treebeard's add_*)."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None

    @classmethod
    def _create(cls, model_class, *, name, parent=None, **fields):
        return services.category_create(name=name, parent=parent, **fields)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")

    @classmethod
    def _create(cls, model_class, *, name, **fields):
        return services.brand_create(name=name, **fields)


class ProductFactory(factory.django.DjangoModelFactory):
    """A draft product without SKUs; see SKUFactory and services.product_publish."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)

    @classmethod
    def _create(cls, model_class, *, name, category, **fields):
        return services.product_create(name=name, category=category, **fields)


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("99.00")

    @classmethod
    def _create(cls, model_class, *, product, code, price, **fields):
        return services.sku_create(product=product, code=code, price=price, **fields)


# --- storefront helpers -------------------------------------------------------------------


def image_upload(*, colour: str = "#c8102e", size: tuple[int, int] = (64, 64), name: str = "picture.png"):
    """A small PNG made in memory, as an uploaded file for services.product_image_add."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def published_product(*, category, name: str, skus=(("99.00", 10),), **fields) -> Product:
    """A published product built through the services.

    `skus` holds (price, available units) or (price, available units, attribute values)
    per SKU; the units go through catalog's stock mirror (sku_stock_sync), as inventory's
    StockChanged event would deliver them.
    """
    product = services.product_create(name=name, category=category, **fields)
    for position, (price, available, *values) in enumerate(skus):
        sku = services.sku_create(
            product=product, code=f"P{product.pk}-{position}", price=price, attribute_values=values[0] if values else ()
        )
        if available:
            services.sku_stock_sync(sku_id=sku.pk, available=available, version=1)
    services.product_publish(product=product)
    product.refresh_from_db()
    return product


def buyer_of(product: Product, user=None):
    """`user` (a new customer if None) having bought `product`, as catalog.record_purchase
    records a completed order: only buyers may review (REVIEWS_REQUIRE_PURCHASE)."""
    if user is None:
        from apps.accounts.tests.factories import UserFactory

        user = UserFactory()
    services.purchase_record(user_id=user.pk, product_ids=[product.pk], reference=f"SO-{user.pk}-{product.pk}")
    return user
