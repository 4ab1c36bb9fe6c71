from django.urls import path

from apps.payments.api import refunds

urlpatterns = [
    path("orders/<str:number>/refunds/", refunds.OrderRefundsApi.as_view(), name="order-refunds"),
]
