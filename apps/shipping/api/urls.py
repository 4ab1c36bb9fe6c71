from django.urls import path

from apps.shipping.api import views

urlpatterns = [
    path("orders/<slug:number>/tracking/", views.OrderTrackingApi.as_view(), name="order-tracking"),
    path("shipping/webhook/<slug:carrier>/", views.CarrierWebhookApi.as_view(), name="shipping-webhook"),
]
