from django.urls import path

from apps.cart.api import views

urlpatterns = [
    path("cart/", views.CartGetApi.as_view(), name="cart"),
    path("cart/items/", views.CartItemAddApi.as_view(), name="cart-items"),
    path("cart/items/<int:sku_id>/", views.CartItemApi.as_view(), name="cart-item"),
    path("cart/merge/", views.CartMergeApi.as_view(), name="cart-merge"),
    path("coupons/validate/", views.CouponValidateApi.as_view(), name="coupon-validate"),
]
