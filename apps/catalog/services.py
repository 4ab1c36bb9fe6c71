"""Catalog use cases: the tree, brands, products and SKUs, images, reviews.

Each function is one transaction and keeps the product's read-model fields (price
range, in stock, rating, search text) and the cache in step with the change.
"""

import dataclasses
import io
import os
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Max, Min
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.catalog import cache as catalog_cache
from apps.catalog.domain.events import ProductPublished
from apps.catalog.domain.exceptions import (
    AlreadyReviewed,
    DuplicateCombination,
    ImageTooLarge,
    InvalidImage,
    InvalidSkuAttributes,
    ProductNotPublishable,
    ReviewNotAllowed,
)
from apps.catalog.models import (
    SKU,
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductImage,
    Purchase,
    Review,
)
from apps.core.domain.money import to_money
from apps.core.observability import business_log
from apps.core.outbox import publish

IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
THUMBNAIL_SIZE = (300, 300)
MEDIUM_SIZE = (800, 800)

# --- Tree and brands ----------------------------------------------------------------------


def category_create(*, name: str, parent: Category | None = None, slug: str = "", description: str = "") -> Category:
    fields = {"name": name, "slug": slug or unique_slug(Category, name), "description": description}
    if parent is None:
        category = Category.objects.add_root(create_kwargs=fields)
    else:
        category = Category.objects.add_child(parent, create_kwargs=fields)
    catalog_cache.invalidate_listings()
    return category


def brand_create(*, name: str, slug: str = "", description: str = "") -> Brand:
    brand = Brand.objects.create(name=name, slug=slug or unique_slug(Brand, name), description=description)
    catalog_cache.invalidate_listings()
    return brand


def attribute_value_get_or_create(*, attribute: str, value: str) -> AttributeValue:
    attr, _ = Attribute.objects.get_or_create(slug=slugify(attribute, allow_unicode=True), defaults={"name": attribute})
    found, _ = AttributeValue.objects.get_or_create(
        attribute=attr, slug=slugify(value, allow_unicode=True) or value, defaults={"value": value}
    )
    return found


def unique_slug(model, text: str) -> str:
    base = slugify(text, allow_unicode=True)[:100] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Products and SKUs --------------------------------------------------------------------


def product_create(*, name: str, category: Category, slug: str = "", **fields) -> Product:
    with transaction.atomic():
        product = Product(name=name, category=category, slug=slug or unique_slug(Product, name), **fields)
        product.full_clean(exclude=["status"])
        product.save()
        product_refresh(product=product)
    return product


def product_update(*, product: Product, **fields) -> Product:
    with transaction.atomic():
        for name, value in fields.items():
            setattr(product, name, value)
        product.full_clean()
        product.save()
        product_refresh(product=product)
    return product


def product_publish(*, product: Product) -> Product:
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if not product.skus.filter(is_active=True).exists():
            raise ProductNotPublishable()
        if product.status != Product.Status.PUBLISHED:
            product.status = Product.Status.PUBLISHED
            product.published_at = product.published_at or timezone.now()
            product.save(update_fields=["status", "published_at", "updated_at"])
            publish(ProductPublished(product_id=product.pk, slug=product.slug))
            catalog_cache.invalidate_product(product.pk)
            business_log("product_published", product_id=product.pk)
    return product


def product_unpublish(*, product: Product, archive: bool = False) -> Product:
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        product.status = Product.Status.ARCHIVED if archive else Product.Status.DRAFT
        product.save(update_fields=["status", "updated_at"])
        catalog_cache.invalidate_product(product.pk)
    return product


def sku_create(
    *,
    product: Product,
    code: str,
    price: Decimal | str,
    compare_at_price: Decimal | str | None = None,
    weight_grams: int = 0,
    is_active: bool = True,
    attribute_values: Iterable[AttributeValue] = (),
) -> SKU:
    values = list(attribute_values)
    with transaction.atomic():
        _check_combination(product=product, values=values)
        sku = SKU(
            product=product,
            code=code,
            price=to_money(price),
            compare_at_price=to_money(compare_at_price) if compare_at_price is not None else None,
            weight_grams=weight_grams,
            is_active=is_active,
        )
        sku.full_clean(exclude=["product"])
        sku.save()
        sku.attribute_values.set(values)
        product_refresh(product=product)
    return sku


def sku_update(*, sku: SKU, attribute_values: Iterable[AttributeValue] | None = None, **fields) -> SKU:
    with transaction.atomic():
        for name in ("price", "compare_at_price"):
            if fields.get(name) is not None:
                fields[name] = to_money(fields[name])
        for name, value in fields.items():
            setattr(sku, name, value)
        sku.full_clean(exclude=["product"])
        sku.save()
        if attribute_values is not None:
            values = list(attribute_values)
            _check_combination(product=sku.product, values=values, exclude_sku=sku)
            sku.attribute_values.set(values)
        product_refresh(product=sku.product)
    return sku


def _check_combination(*, product: Product, values: list[AttributeValue], exclude_sku: SKU | None = None) -> None:
    attribute_ids = [v.attribute_id for v in values]
    if len(attribute_ids) != len(set(attribute_ids)):
        raise InvalidSkuAttributes()
    wanted = {v.pk for v in values}
    siblings = product.skus.exclude(pk=getattr(exclude_sku, "pk", None)).prefetch_related("attribute_values")
    if any({v.pk for v in sibling.attribute_values.all()} == wanted for sibling in siblings):
        raise DuplicateCombination()


def sku_stock_sync(*, sku_id: int, available: int, version: int) -> bool:
    """Take inventory's report of a SKU's available units, unless a newer one came first."""
    with transaction.atomic():
        updated = SKU.objects.filter(pk=sku_id, stock_version__lt=version).update(
            stock_available=available, stock_version=version
        )
        if not updated:
            return False
        product = Product.objects.select_related("brand", "category").get(skus__pk=sku_id)
        was_in_stock = product.in_stock
        product_refresh(product=product, invalidate=False)
        # A count that changes without crossing zero only touches the product page.
        catalog_cache.invalidate_product(product.pk, listings=product.in_stock != was_in_stock)
    return True


def product_refresh(*, product: Product, invalidate: bool = True) -> None:
    """Recompute the read-model fields from SKUs, stock, reviews and names."""
    active = SKU.objects.filter(product=product, is_active=True)
    prices = active.aggregate(low=Min("price"), high=Max("price"))
    in_stock = active.filter(stock_available__gt=0).exists()
    brand_name = product.brand.name if product.brand_id else ""
    parts = [product.name, brand_name, product.category.name, product.description]
    # Whitespace collapsed (and no gap for a missing brand), so phrases match as typed.
    document = " ".join(" ".join(parts).split()).lower()
    Product.objects.filter(pk=product.pk).update(
        min_price=prices["low"], max_price=prices["high"], in_stock=in_stock, search_document=document
    )
    product.min_price, product.max_price, product.in_stock = prices["low"], prices["high"], in_stock
    product.search_document = document
    if invalidate:
        catalog_cache.invalidate_product(product.pk)


# --- Images -------------------------------------------------------------------------------


def product_image_add(*, product: Product, upload, alt: str = "", position: int | None = None) -> ProductImage:
    """Validate an upload with Pillow and store it with its thumbnails (made once, here)."""
    checked = product_image_check(upload=upload)
    with transaction.atomic():
        if position is None:
            position = product.images.count()
        image = ProductImage(product=product, alt=alt[:200], position=position)
        _image_files_store(image=image, checked=checked)
        image.save()
        catalog_cache.invalidate_product(product.pk)
    return image


def _resized(picture: Image.Image, size: tuple[int, int]) -> ContentFile:
    copy = picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB")
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="WEBP", quality=82, method=4)
    return ContentFile(out.getvalue())


def product_image_delete(*, image: ProductImage) -> None:
    with transaction.atomic():
        product_id = image.product_id
        for field in (image.image, image.thumbnail, image.medium):
            if field:
                field.delete(save=False)
        image.delete()
        catalog_cache.invalidate_product(product_id)


# --- Reviews ------------------------------------------------------------------------------


def review_allowed(*, user, product: Product) -> bool:
    """The one rule for who may review: a published product, and a customer who may."""
    return product.is_published and customer_may_review(user=user, product_id=product.pk)


def customer_may_review(*, user, product_id: int) -> bool:
    """Signed in and, with REVIEWS_REQUIRE_PURCHASE (the default), a buyer of the product.

    The Purchase table is filled by catalog's handler of orders' OrderCompleted event.
    The product page calls this directly: it already knows the product is published.
    """
    if not user.is_authenticated:
        return False
    if settings.REVIEWS_REQUIRE_PURCHASE:
        return Purchase.objects.filter(user=user, product_id=product_id).exists()
    return True


def review_submit(*, user, product: Product, rating: int, body: str, title: str = "") -> Review:
    if not review_allowed(user=user, product=product):
        raise ReviewNotAllowed()
    try:
        with transaction.atomic():
            review = Review(product=product, user=user, rating=rating, title=title.strip(), body=body.strip())
            review.full_clean(exclude=["product", "user"], validate_unique=False, validate_constraints=False)
            review.save()
    except IntegrityError as exc:
        raise AlreadyReviewed() from exc
    return review


def review_moderate(*, review: Review, approve: bool, moderator) -> Review:
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        review.status = Review.Status.APPROVED if approve else Review.Status.REJECTED
        review.moderated_by = moderator
        review.moderated_at = timezone.now()
        review.save(update_fields=["status", "moderated_by", "moderated_at", "updated_at"])
        _refresh_rating(review.product_id)
    business_log("review_moderated", review_id=review.pk, status=review.status, moderator_id=moderator.pk)
    return review


def _refresh_rating(product_id: int) -> None:
    stats = Review.objects.filter(product_id=product_id, status=Review.Status.APPROVED).aggregate(
        avg=Avg("rating"), count=Count("id")
    )
    average = Decimal(stats["avg"] or 0).quantize(Decimal("0.01"))
    Product.objects.filter(pk=product_id).update(rating_avg=average, rating_count=stats["count"])
    catalog_cache.invalidate_product(product_id)


def purchase_record(*, user_id: int, product_ids: Iterable[int], reference: str) -> int:
    """Remember that a customer bought these products (from orders' events)."""
    existing = set(Product.objects.filter(pk__in=list(product_ids)).values_list("pk", flat=True))
    created = Purchase.objects.bulk_create(
        [Purchase(user_id=user_id, product_id=pid, first_order_reference=reference) for pid in existing],
        ignore_conflicts=True,
    )
    return len(created)


def product_sales_add(*, product_quantities: dict[int, int]) -> None:
    """Best-selling order: orders report units sold as they are paid."""
    for product_id, quantity in product_quantities.items():
        Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)
    catalog_cache.invalidate_listings()


# --- api/admin ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CheckedImage:
    """An upload that passed product_image_check: its bytes, format and decoded picture."""

    data: bytes
    format: str
    picture: Image.Image
    stem: str


def product_image_check(*, upload) -> CheckedImage:
    """The one image rule (JPEG, PNG or WebP; at most IMAGE_MAX_BYTES and IMAGE_MAX_PIXELS).

    The API and the admin's image form call it to report a bad file before anything is
    stored; product_image_add and product_image_replace call it again on what they store.
    """
    if upload.size > IMAGE_MAX_BYTES:
        raise ImageTooLarge()
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if width * height > IMAGE_MAX_PIXELS:
                raise ImageTooLarge()
            probe.verify()
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage() from exc
    if image_format not in IMAGE_FORMATS:
        raise InvalidImage()
    # Phone photos store their rotation in EXIF; the resized copies must stand upright.
    picture = ImageOps.exif_transpose(picture)
    stem = os.path.splitext(os.path.basename(getattr(upload, "name", "") or "image"))[0][:40] or "image"
    return CheckedImage(data=data, format=image_format, picture=picture, stem=stem)


def _image_files_store(*, image: ProductImage, checked: CheckedImage) -> None:
    """Put the original, the thumbnail and the medium size on `image` (not saved yet)."""
    name = f"{checked.stem}.{checked.format.lower()}"
    # A named ContentFile: Django reads width and height from the content it is given,
    # and skips that (leaving them None) for a nameless one.
    image.image.save(name, ContentFile(checked.data, name=name), save=False)
    image.thumbnail.save(f"{checked.stem}-thumb.webp", _resized(checked.picture, THUMBNAIL_SIZE), save=False)
    image.medium.save(f"{checked.stem}-medium.webp", _resized(checked.picture, MEDIUM_SIZE), save=False)


def product_image_replace(*, image: ProductImage, upload) -> ProductImage:
    """A new file for an existing image row; the old files go once the change is committed."""
    checked = product_image_check(upload=upload)
    storage = image.image.storage
    # From the row, not the instance: a form may already have put the new upload on it.
    stored = ProductImage.objects.filter(pk=image.pk).values_list("image", "thumbnail", "medium").get()
    old_names = [name for name in stored if name]
    with transaction.atomic():
        _image_files_store(image=image, checked=checked)
        image.save()
        transaction.on_commit(lambda: [storage.delete(name) for name in old_names])
        catalog_cache.invalidate_product(image.product_id)
    return image


def product_image_update(*, image: ProductImage, alt: str, position: int) -> ProductImage:
    with transaction.atomic():
        image.alt = alt[:200]
        image.position = position
        image.save(update_fields=["alt", "position"])
        catalog_cache.invalidate_product(image.product_id)
    return image


def attribute_values_get_or_create(*, names: dict[str, str]) -> list[AttributeValue]:
    """{"colour": "Red", "size": "M"} -> the values, creating attributes and values not seen yet."""
    return [attribute_value_get_or_create(attribute=attribute, value=value) for attribute, value in names.items()]


def sku_create_with_values(*, product: Product, values: dict[str, str], **fields) -> SKU:
    """sku_create with attribute values given by name; new names are created with the SKU or not at all."""
    with transaction.atomic():
        return sku_create(product=product, attribute_values=attribute_values_get_or_create(names=values), **fields)


def sku_update_with_values(*, sku: SKU, values: dict[str, str] | None = None, **fields) -> SKU:
    with transaction.atomic():
        attribute_values = attribute_values_get_or_create(names=values) if values is not None else None
        return sku_update(sku=sku, attribute_values=attribute_values, **fields)


def sku_combinations_check(*, value_sets: Iterable[Iterable[AttributeValue]]) -> None:
    """The SKUs of one product, as their value sets: one value per attribute, no two alike."""
    seen: set[frozenset[int]] = set()
    for values in value_sets:
        values = list(values)
        if len({v.attribute_id for v in values}) != len(values):
            raise InvalidSkuAttributes()
        combination = frozenset(v.pk for v in values)
        if combination in seen:
            raise DuplicateCombination()
        seen.add(combination)


def product_sku_values_set(*, product: Product, values_by_sku: dict[SKU, list[AttributeValue]]) -> None:
    """Give several SKUs of a product their attribute values at once.

    The combination rule is checked on the end state, so swapping values between two
    SKUs (as a back-office form may) is not refused half way through.
    """
    with transaction.atomic():
        current = {
            sku.pk: list(sku.attribute_values.all())
            for sku in product.skus.prefetch_related("attribute_values").order_by("id")
        }
        for sku, values in values_by_sku.items():
            current[sku.pk] = list(values)
        sku_combinations_check(value_sets=current.values())
        for sku, values in values_by_sku.items():
            sku.attribute_values.set(values)
        product_refresh(product=product)


def product_save(*, product: Product) -> Product:
    """Save a product whose editable fields a back-office form has set, new or not.

    Status and the read-model fields are not among them: they change only through the
    services above, and the read model is recomputed here.
    """
    with transaction.atomic():
        product.full_clean(exclude=["status"])
        product.save()
        product_refresh(product=product)
    return product


def product_delete(*, product: Product) -> None:
    """Delete a product with its SKUs, images (and their files) and reviews."""
    with transaction.atomic():
        storage = ProductImage._meta.get_field("image").storage
        names = [
            name
            for image in product.images.all()
            for name in (image.image.name, image.thumbnail.name, image.medium.name)
            if name
        ]
        product_id = product.pk
        product.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
        catalog_cache.invalidate_product(product_id)


def brand_save(*, brand: Brand) -> Brand:
    """Save a brand edited in the back office; its products' search text carries its name."""
    with transaction.atomic():
        brand.full_clean()
        brand.save()
        for product in Product.objects.filter(brand=brand).select_related("brand", "category"):
            product_refresh(product=product, invalidate=False)
        catalog_cache.invalidate_listings()
    return brand


def category_products_refresh(*, category: Category) -> None:
    """After a category is renamed or moved: its products' search text, and every listing."""
    with transaction.atomic():
        for product in Product.objects.filter(category=category).select_related("brand", "category"):
            product_refresh(product=product, invalidate=False)
        catalog_cache.invalidate_listings()


def attribute_products_invalidate(*, attribute: Attribute) -> None:
    """After an attribute or its values change: the pages of products that show them."""
    product_ids = SKU.objects.filter(attribute_values__attribute=attribute).values_list("product_id", flat=True)
    for product_id in set(product_ids):
        catalog_cache.invalidate_product(product_id, listings=False)
    catalog_cache.invalidate_listings()


def brand_delete(*, brand: Brand) -> None:
    """Only a brand without products can go (products protect theirs)."""
    with transaction.atomic():
        brand.delete()
        catalog_cache.invalidate_listings()


def category_delete(*, category: Category) -> None:
    """Delete a category and its subtree; only possible while none of them has products."""
    with transaction.atomic():
        category.delete()
        catalog_cache.invalidate_listings()


def category_tree_changed() -> None:
    """After a node moved: listings by category cover other subtrees now."""
    catalog_cache.invalidate_listings()
