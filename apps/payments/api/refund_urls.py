from django.urls import path

from apps.payments.api import refunds

urlpatterns = [
    path("orders/<slug:number>/refunds/", refunds.OrderRefundsApi.as_view(), name="order-refunds"),
]
