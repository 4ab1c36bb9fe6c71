from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("pay/<slug:number>/", views.pay_order, name="pay"),
    path("return/<slug:out_trade_no>/", views.payment_return, name="return"),
    # The simulated providers' cashier (apps/payments/sandbox).
    path("sandbox/<slug:out_trade_no>/", views.sandbox_cashier, name="sandbox_cashier"),
    path("sandbox/<slug:out_trade_no>/settle/", views.sandbox_settle, name="sandbox_settle"),
    path("sandbox/<slug:out_trade_no>/refunds/", views.sandbox_refunds, name="sandbox_refunds"),
]
