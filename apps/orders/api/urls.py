from django.urls import path

from apps.orders.api import views

urlpatterns = [
    path("orders/", views.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<slug:number>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<slug:number>/cancel/", views.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<slug:number>/confirm-receipt/", views.OrderConfirmReceiptApi.as_view(), name="order-confirm-receipt"),
]
