from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import SKU, Attribute, AttributeValue, Brand, Category, Product, ProductImage, Review
from apps.core.api.serializers import StrictSerializer


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def _absolute_url(serializer: serializers.Serializer, field) -> str | None:
    if not field:
        return None
    request = serializer.context.get("request")
    return request.build_absolute_uri(field.url) if request else field.url


# --- Outputs ------------------------------------------------------------------------------


class CategoryRefOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class BrandRefOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CategoryNodeOutput(serializers.Serializer):
    """One node of selectors.category_tree(): {"category": Category, "children": [...]}."""

    id = serializers.IntegerField(source="category.pk")
    slug = serializers.CharField(source="category.slug")
    name = serializers.CharField(source="category.name")
    description = serializers.CharField(source="category.description")
    children = serializers.SerializerMethodField()

    def get_children(self, node) -> list:
        return CategoryNodeOutput(node["children"], many=True, context=self.context).data


# The tree is recursive; the schema can only name the node serializer once it exists.
extend_schema_field(CategoryNodeOutput(many=True))(CategoryNodeOutput.get_children)


class BrandOutput(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "slug", "name", "description"]
        read_only_fields = fields


class ImageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The original upload.")
    medium = serializers.SerializerMethodField(help_text="At most 800 x 800 (WebP).")
    thumbnail = serializers.SerializerMethodField(help_text="At most 300 x 300 (WebP).")

    class Meta:
        model = ProductImage
        fields = ["id", "url", "medium", "thumbnail", "alt", "width", "height", "position"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image) -> str | None:
        return _absolute_url(self, image.image)

    @extend_schema_field(OpenApiTypes.URI)
    def get_medium(self, image) -> str | None:
        return _absolute_url(self, image.medium)

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail(self, image) -> str | None:
        return _absolute_url(self, image.thumbnail)


class ProductListItemOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    brand = BrandRefOutput(allow_null=True)
    category = CategoryRefOutput()
    min_price = _money(allow_null=True, help_text="The cheapest active SKU; null without one.")
    max_price = _money(allow_null=True)
    in_stock = serializers.BooleanField(help_text="Some active SKU has units that can be bought now.")
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2, help_text="Of approved reviews; 0 for none.")
    rating_count = serializers.IntegerField()
    thumbnail = serializers.SerializerMethodField(help_text="The first image's thumbnail, or null.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail(self, product) -> str | None:
        # images are prefetched in position order by the selectors
        images = product.images.all()
        return _absolute_url(self, images[0].thumbnail) if images else None


class AttributeValueOutput(serializers.Serializer):
    slug = serializers.CharField()
    value = serializers.CharField()


class ProductAttributeOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    values = AttributeValueOutput(many=True, help_text="The values the product's active SKUs have.")


def _sku_attributes(sku: SKU) -> dict[str, str]:
    return {value.attribute.slug: value.value for value in sku.attribute_values.all()}


class SkuOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    price = _money()
    compare_at_price = _money(allow_null=True, help_text="The 'was' price, if any.")
    attributes = serializers.SerializerMethodField(help_text='Attribute slug -> value, e.g. {"colour": "Red"}.')
    available = serializers.IntegerField(source="stock_available", help_text="Units that can be bought now.")

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_attributes(self, sku) -> dict[str, str]:
        return _sku_attributes(sku)


class ProductDetailOutput(ProductListItemOutput):
    description = serializers.CharField()
    seo_title = serializers.CharField()
    seo_description = serializers.CharField()
    published_at = serializers.DateTimeField()
    breadcrumbs = CategoryRefOutput(many=True, help_text="The category and its ancestors, root first.")
    images = ImageOutput(many=True)
    attributes = serializers.SerializerMethodField()
    skus = SkuOutput(source="active_skus", many=True, help_text="Active SKUs, cheapest first.")

    @extend_schema_field(ProductAttributeOutput(many=True))
    def get_attributes(self, product) -> list[dict]:
        values: dict[int, AttributeValue] = {}
        for sku in product.active_skus:
            for value in sku.attribute_values.all():
                values.setdefault(value.pk, value)
        by_attribute: dict[int, tuple[Attribute, list[AttributeValue]]] = {}
        for value in sorted(values.values(), key=lambda v: (v.attribute.position, v.attribute_id, v.position, v.pk)):
            by_attribute.setdefault(value.attribute_id, (value.attribute, []))[1].append(value)
        return [
            {"slug": attribute.slug, "name": attribute.name, "values": [{"slug": v.slug, "value": v.value} for v in vs]}
            for attribute, vs in by_attribute.values()
        ]


class ReviewOutput(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="The reviewer's display name (never the e-mail).")

    class Meta:
        model = Review
        fields = ["id", "rating", "title", "body", "author", "status", "created_at"]
        read_only_fields = fields

    def get_author(self, review) -> str:
        return review.user.display_name or gettext("Customer")


class ProductWriteOutput(serializers.Serializer):
    """What staff see of a product after a change (drafts included)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Product.Status.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    category = CategoryRefOutput()
    brand = BrandRefOutput(allow_null=True)
    description = serializers.CharField()
    seo_title = serializers.CharField()
    seo_description = serializers.CharField()
    is_featured = serializers.BooleanField()
    min_price = _money(allow_null=True)
    max_price = _money(allow_null=True)
    in_stock = serializers.BooleanField()


class SkuWriteOutput(SkuOutput):
    product = serializers.CharField(source="product.slug", help_text="The product's slug.")
    weight_grams = serializers.IntegerField()
    is_active = serializers.BooleanField()


# --- Inputs -------------------------------------------------------------------------------


class SlugReference(serializers.SlugRelatedField):
    """A related object by slug; text that cannot be a slug is refused before any query
    (PostgreSQL refuses NUL characters in a lookup with an error, not with "no rows")."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 120 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class ReviewInput(StrictSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=2000)


class ProductWriteInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=220, allow_unicode=True, required=False, help_text="Made from the name when left out."
    )
    category = SlugReference(slug_field="slug", queryset=Category.objects.all(), help_text="The category's slug.")
    brand = SlugReference(
        slug_field="slug", queryset=Brand.objects.all(), allow_null=True, required=False, help_text="The brand's slug."
    )
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    seo_title = serializers.CharField(max_length=70, required=False, allow_blank=True)
    seo_description = serializers.CharField(max_length=160, required=False, allow_blank=True)
    is_featured = serializers.BooleanField(required=False)


class ProductUnpublishInput(StrictSerializer):
    archive = serializers.BooleanField(
        required=False, default=False, help_text="Archive (retire for good) instead of going back to draft."
    )


class SkuWriteInput(StrictSerializer):
    code = serializers.CharField(max_length=64)
    price = _money(min_value=0)
    compare_at_price = _money(
        min_value=0, allow_null=True, required=False, help_text="The 'was' price; not below the price."
    )
    weight_grams = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    is_active = serializers.BooleanField(required=False)
    attributes = serializers.DictField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text='Attribute name -> value, e.g. {"colour": "Red", "size": "M"}; new names are created.',
    )

    def validate_attributes(self, attributes: dict[str, str]) -> dict[str, str]:
        if len(attributes) > 10:
            raise serializers.ValidationError(_("At most 10 attributes."), code="too_many")
        for name in attributes:
            if len(name) > 50 or "\x00" in name or not slugify(name, allow_unicode=True):
                raise serializers.ValidationError(
                    _("“%(name)s” is not a usable attribute name.") % {"name": name[:50]}, code="invalid_name"
                )
        return attributes


class ImageUploadInput(StrictSerializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP; at most 10 MB and 40 megapixels.")
    alt = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(
        min_value=0, max_value=32_767, required=False, help_text="Order among the images; the end when left out."
    )
