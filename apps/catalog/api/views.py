"""The catalog API: public reads of the published catalog, reviews, and staff writes.

Public lists use the storefront's ProductFilter, so the shop pages and the API filter
alike. Staff writes call the catalog services and are checked by model permissions.
"""

from django.core.cache import cache
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog import cache as catalog_cache
from apps.catalog import selectors, services
from apps.catalog.api.permissions import PublicReadStaffWrite, StaffChange
from apps.catalog.api.serializers import (
    BrandOutput,
    CategoryNodeOutput,
    ImageOutput,
    ImageUploadInput,
    ProductDetailOutput,
    ProductListItemOutput,
    ProductUnpublishInput,
    ProductWriteInput,
    ProductWriteOutput,
    ReviewInput,
    ReviewOutput,
    SkuWriteInput,
    SkuWriteOutput,
)
from apps.catalog.filters import ProductFilter
from apps.catalog.models import SKU, AttributeValue, Brand, Product, ProductImage, Review
from apps.core.api.idempotency import idempotent

ERROR = {"$ref": "#/components/schemas/Error"}
# Reads of PublicReadStaffWrite views need no credentials (drf-spectacular only sees AllowAny).
PUBLIC_READ = [{"jwtAuth": []}, {"cookieAuth": []}, {}]
# Product slugs may be Unicode (allow_unicode); \w also keeps control characters out of lookups.
SLUG_PATTERN = r"[-\w]+"
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The product's slug.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Up to 255 printable ASCII characters; a retry with the same key and body is replayed.",
)

# The API's documentation of ProductFilter parameters whose type cannot be read from it:
# `value` is a repeated attribute:value string, `brand` is matched on the brand's slug.
extend_schema_field(OpenApiTypes.STR)(ProductFilter.base_filters["value"])
extend_schema_field(OpenApiTypes.STR)(ProductFilter.base_filters["brand"])


def _refuse_nul_characters(request) -> None:
    """PostgreSQL answers a lookup of text with a NUL character with an error (a 500), and
    the filters look slugs up; such a value can match nothing, so it is a 400 here."""
    bad = sorted({name for name, values in request.query_params.lists() if any("\x00" in v for v in values)})
    if bad:
        raise ValidationError({name: [_("Null characters are not allowed.")] for name in bad})


def _product_for_staff(slug: str) -> Product:
    """Any product, drafts included: staff change what customers cannot see yet."""
    return get_object_or_404(Product.objects.select_related("brand", "category"), slug=slug)


def _published_product(slug: str) -> Product:
    return get_object_or_404(selectors.published_products().prefetch_related(None), slug=slug)


def _sku_with_values(sku_id: int) -> SKU:
    values = AttributeValue.objects.select_related("attribute")
    return SKU.objects.select_related("product").prefetch_related(Prefetch("attribute_values", values)).get(pk=sku_id)


@extend_schema(tags=["catalog"])
class CategoryTreeApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="categories_tree",
        summary="The whole category tree, roots in name order, each with its children",
        responses=CategoryNodeOutput(many=True),
    )
    def get(self, request):
        return Response(CategoryNodeOutput(selectors.category_tree(), many=True).data)


@extend_schema_view(get=extend_schema(operation_id="brands_list", summary="Brands, by name"))
@extend_schema(tags=["catalog"])
class BrandListApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = BrandOutput
    queryset = Brand.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.brands_all()


@extend_schema(tags=["products"])
class ProductViewSet(viewsets.GenericViewSet):
    """Published products for everyone; drafts exist here only for staff writes."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    permission_classes = [PublicReadStaffWrite]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter
    serializer_class = ProductListItemOutput
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Product.objects.none()  # the model for permissions and the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.published_products()

    @extend_schema(
        operation_id="products_list",
        summary="Published products, filtered and sorted as on the shop pages",
        description="`category` includes the whole subtree; `value` takes `attribute:value` slugs "
        "(e.g. `colour:red`); `ordering` is one of newest, price, -price, rating, bestselling. "
        "Unknown category or brand slugs and malformed values are a 400.",
        responses={
            200: ProductListItemOutput(many=True),
            400: OpenApiResponse(ERROR, description="`invalid`: see `fields` for the parameters refused."),
        },
        auth=PUBLIC_READ,
    )
    def list(self, request):
        _refuse_nul_characters(request)
        # The whole page is cached under the listing generation, which every change that
        # can move a product in or out of a list, or change what a card shows, bumps.
        # Absolute URLs (images, next/previous) depend on the host, so it is in the key.
        key = catalog_cache.listing_key(
            "api-products", catalog_cache.digest(request.build_absolute_uri("/"), sorted(request.query_params.lists()))
        )
        data = cache.get(key)
        if data is None:
            products = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(products)
            items = ProductListItemOutput(page, many=True, context={"request": request}).data
            data = self.get_paginated_response(items).data
            cache.set(key, data, catalog_cache.LISTING_TTL)
        return Response(data)

    @extend_schema(
        operation_id="products_retrieve",
        summary="A published product with its images, attributes and SKUs (and what can be bought now)",
        responses=ProductDetailOutput,
        auth=PUBLIC_READ,
    )
    def retrieve(self, request, slug):
        try:
            product = selectors.product_for_page(slug=slug)
        except Product.DoesNotExist as exc:
            raise NotFound() from exc
        product.breadcrumbs = selectors.category_breadcrumbs(product.category)
        return Response(ProductDetailOutput(product, context={"request": request}).data)

    @extend_schema(
        operation_id="products_create",
        summary="Create a draft product (staff with catalog.add_product)",
        parameters=[IDEMPOTENCY_KEY],
        request=ProductWriteInput,
        responses={
            201: ProductWriteOutput,
            409: OpenApiResponse(ERROR, description="`idempotency_key_in_progress`."),
            422: OpenApiResponse(ERROR, description="`idempotency_key_reused` with another body."),
        },
    )
    @idempotent
    def create(self, request):
        data = ProductWriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        return Response(ProductWriteOutput(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="products_update",
        summary="Change a product's details, drafts included (staff with catalog.change_product)",
        request=ProductWriteInput,
        responses=ProductWriteOutput,
    )
    def partial_update(self, request, slug):
        product = _product_for_staff(slug)
        data = ProductWriteInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = services.product_update(product=product, **data.validated_data)
        return Response(ProductWriteOutput(product).data)

    @extend_schema(
        operation_id="products_publish",
        summary="Publish a product (staff with catalog.change_product)",
        request=None,
        responses={
            200: ProductWriteOutput,
            409: OpenApiResponse(ERROR, description="`product_not_publishable`: no active SKU."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[StaffChange])
    def publish(self, request, slug):
        product = services.product_publish(product=_product_for_staff(slug))
        return Response(ProductWriteOutput(product).data)

    @extend_schema(
        operation_id="products_unpublish",
        summary="Take a product off the shop: back to draft, or archived (staff with catalog.change_product)",
        request=ProductUnpublishInput,
        responses=ProductWriteOutput,
    )
    @action(detail=True, methods=["post"], permission_classes=[StaffChange])
    def unpublish(self, request, slug):
        product = _product_for_staff(slug)
        data = ProductUnpublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_unpublish(product=product, archive=data.validated_data["archive"])
        return Response(ProductWriteOutput(product).data)


class ProductSkuCreateApi(APIView):
    permission_classes = [PublicReadStaffWrite]
    queryset = SKU.objects.none()  # tells the permission the model: catalog.add_sku

    @extend_schema(
        operation_id="product_skus_create",
        summary="Add a SKU to a product, drafts included (staff with catalog.add_sku)",
        parameters=[SLUG],
        request=SkuWriteInput,
        responses={
            201: SkuWriteOutput,
            409: OpenApiResponse(
                ERROR, description="`duplicate_sku_combination`: another SKU has these attribute values."
            ),
        },
        tags=["products"],
    )
    def post(self, request, slug):
        product = _product_for_staff(slug)
        data = SkuWriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        sku = services.sku_create_with_values(product=product, values=fields.pop("attributes", {}), **fields)
        return Response(SkuWriteOutput(_sku_with_values(sku.pk)).data, status=status.HTTP_201_CREATED)


class SkuUpdateApi(APIView):
    permission_classes = [PublicReadStaffWrite]
    queryset = SKU.objects.none()  # tells the permission the model: catalog.change_sku

    @extend_schema(
        operation_id="skus_update",
        summary="Change a SKU: price, code, weight, active, attribute values (staff with catalog.change_sku)",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The SKU's id.")],
        request=SkuWriteInput,
        responses={
            200: SkuWriteOutput,
            409: OpenApiResponse(
                ERROR, description="`duplicate_sku_combination`: another SKU has these attribute values."
            ),
        },
        tags=["products"],
    )
    def patch(self, request, id):
        sku = get_object_or_404(SKU.objects.select_related("product__brand", "product__category"), pk=id)
        data = SkuWriteInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        services.sku_update_with_values(sku=sku, values=fields.pop("attributes", None), **fields)
        return Response(SkuWriteOutput(_sku_with_values(sku.pk)).data)


class ProductImageUploadApi(APIView):
    permission_classes = [PublicReadStaffWrite]
    parser_classes = [MultiPartParser, FormParser]
    queryset = ProductImage.objects.none()  # tells the permission the model: catalog.add_productimage

    @extend_schema(
        operation_id="product_images_create",
        summary="Upload a product image; the thumbnail and medium sizes are made now (staff with "
        "catalog.add_productimage)",
        description="multipart/form-data. A file that is not a JPEG, PNG or WebP image is a 400 "
        "`invalid_image`; one over 10 MB or 40 megapixels is a 400 `image_too_large`.",
        parameters=[SLUG],
        request={"multipart/form-data": ImageUploadInput},
        responses={201: ImageOutput},
        tags=["products"],
    )
    def post(self, request, slug):
        product = _product_for_staff(slug)
        data = ImageUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        image = services.product_image_add(
            product=product,
            upload=data.validated_data["image"],
            alt=data.validated_data["alt"],
            position=data.validated_data.get("position"),
        )
        return Response(ImageOutput(image, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["reviews"], parameters=[SLUG])
class ProductReviewsApi(mixins.ListModelMixin, GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ReviewOutput
    filter_backends: list = []
    queryset = Review.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.reviews_approved(product=_published_product(self.kwargs["slug"]))

    @extend_schema(operation_id="product_reviews_list", summary="Approved reviews of a product, newest first")
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        operation_id="product_reviews_create",
        summary="Review a product; it shows once a moderator approves it",
        request=ReviewInput,
        responses={
            201: ReviewOutput,
            403: OpenApiResponse(ERROR, description="`review_not_allowed`: only buyers may review."),
            409: OpenApiResponse(ERROR, description="`already_reviewed`."),
        },
    )
    def post(self, request, slug):
        product = _published_product(slug)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_submit(user=request.user, product=product, **data.validated_data)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)
