from django.urls import path

from apps.orders import views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/summary/", views.checkout_summary, name="checkout_summary"),
    path("orders/", views.order_list, name="list"),
    path("orders/<slug:number>/", views.order_detail, name="detail"),
    path("orders/<slug:number>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<slug:number>/confirm-receipt/", views.order_confirm_receipt, name="confirm_receipt"),
]
