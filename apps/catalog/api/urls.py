from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from apps.catalog.api import views

SLUG_PATTERN = views.SLUG_PATTERN

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="product")

urlpatterns = [
    path("categories/", views.CategoryTreeApi.as_view(), name="category-tree"),
    path("brands/", views.BrandListApi.as_view(), name="brand-list"),
    re_path(
        rf"^products/(?P<slug>{SLUG_PATTERN})/skus/$", views.ProductSkuCreateApi.as_view(), name="product-sku-create"
    ),
    re_path(
        rf"^products/(?P<slug>{SLUG_PATTERN})/images/$",
        views.ProductImageUploadApi.as_view(),
        name="product-image-upload",
    ),
    re_path(
        rf"^products/(?P<slug>{SLUG_PATTERN})/reviews/$", views.ProductReviewsApi.as_view(), name="product-reviews"
    ),
    path("skus/<int:id>/", views.SkuUpdateApi.as_view(), name="sku-update"),
    *router.urls,
]
