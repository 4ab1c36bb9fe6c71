from django.urls import path

from apps.inventory.api import views

urlpatterns = [
    path("stock/", views.StockListApi.as_view(), name="stock-list"),
    path("stock/<int:sku_id>/", views.StockDetailApi.as_view(), name="stock-detail"),
    path("stock/<int:sku_id>/adjustments/", views.StockAdjustmentApi.as_view(), name="stock-adjust"),
]
