from django.urls import path

from apps.cart import views

app_name = "cart"

urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_add, name="add"),
    path("items/<int:sku_id>/", views.cart_item_update, name="item_update"),
    path("items/<int:sku_id>/remove/", views.cart_item_remove, name="item_remove"),
    path("options/", views.cart_options, name="options"),
    path("accept-prices/", views.cart_accept_prices, name="accept_prices"),
]
