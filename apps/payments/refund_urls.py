"""The customer's refund page, under the order it belongs to."""

from django.urls import path

from apps.payments import views_refunds

app_name = "refunds"

urlpatterns = [
    path("orders/<slug:number>/refunds/", views_refunds.order_refunds, name="order_refunds"),
]
