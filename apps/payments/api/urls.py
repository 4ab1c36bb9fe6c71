from django.urls import path

from apps.payments.api import views

urlpatterns = [
    path("payments/", views.PaymentListCreateApi.as_view(), name="payment-list"),
    path("payments/notify/alipay/", views.AlipayNotifyApi.as_view(), name="payment-notify-alipay"),
    path("payments/notify/wechat/", views.WechatNotifyApi.as_view(), name="payment-notify-wechat"),
    path("payments/<slug:out_trade_no>/", views.PaymentDetailApi.as_view(), name="payment-detail"),
]
