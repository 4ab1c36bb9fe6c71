from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from apps.core.models import MoneyField, TimeStampedModel


class Category(MP_Node):
    """A node of the category tree (materialised path: a subtree is one prefix query)."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=160, blank=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Brand(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Product(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="products", verbose_name=_("brand")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=160, blank=True)

    # Read-model fields, kept current by apps.catalog.services (never edited by hand):
    # they let lists filter and sort without joining SKUs, stock or reviews.
    min_price = MoneyField(_("lowest price"), null=True, blank=True, editable=False)
    max_price = MoneyField(_("highest price"), null=True, blank=True, editable=False)
    in_stock = models.BooleanField(_("in stock"), default=False, editable=False)
    rating_avg = models.DecimalField(_("average rating"), max_digits=3, decimal_places=2, default=0, editable=False)
    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    sales_count = models.PositiveIntegerField(_("units sold"), default=0, editable=False)
    search_document = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="product_newest_idx"),
            models.Index(fields=["status", "min_price"], name="product_price_idx"),
            models.Index(fields=["status", "-rating_avg"], name="product_rating_idx"),
            models.Index(fields=["status", "-sales_count"], name="product_bestselling_idx"),
            models.Index(fields=["status", "is_featured"], name="product_featured_idx"),
            models.Index(fields=["category", "status"], name="product_category_idx"),
            models.Index(fields=["brand", "status"], name="product_brand_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Attribute(models.Model):
    """A dimension a product varies in: colour, size, capacity, ..."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, allow_unicode=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=50)
    slug = models.SlugField(_("slug"), max_length=60, allow_unicode=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        ordering = ["attribute__position", "attribute_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["attribute", "slug"], name="attribute_value_slug_unique")]

    def __str__(self):
        return f"{self.attribute.name}: {self.value}"


class SKU(TimeStampedModel):
    """One buyable combination of attribute values of a product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("product"))
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    price = MoneyField(_("price"))
    compare_at_price = MoneyField(_("compare-at price"), null=True, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    attribute_values = models.ManyToManyField(
        AttributeValue, related_name="skus", blank=True, verbose_name=_("attribute values")
    )
    # Units that can be bought now, as last reported by inventory (StockChanged);
    # stock_version orders those reports so a late one never overwrites a newer one.
    stock_available = models.IntegerField(_("available"), default=0, editable=False)
    stock_version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product_id", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="sku_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=F("price")),
                name="sku_compare_at_not_below_price",
            ),
        ]

    def __str__(self):
        return self.code


def product_image_path(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    image = models.ImageField(_("image"), upload_to=product_image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=product_image_path, editable=False)
    medium = models.ImageField(_("medium size"), upload_to=product_image_path, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt = models.CharField(_("alternative text"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "position"], name="product_image_order_idx")]

    def __str__(self):
        return self.alt or self.image.name


class Review(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("customer")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    title = models.CharField(_("title"), max_length=100, blank=True)
    body = models.TextField(_("review"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="one_review_per_customer"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"], name="review_listing_idx")]

    def __str__(self):
        return f"{self.product} {self.rating}★"


class Purchase(models.Model):
    """Who bought what: catalog's own read table, filled from orders' events.

    It backs the "only buyers may review" rule without catalog importing orders.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    first_order_reference = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="purchase_once")]

    def __str__(self):
        return f"{self.user_id} bought {self.product_id}"
