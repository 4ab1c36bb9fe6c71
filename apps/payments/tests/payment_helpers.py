"""What the payment tests share: keys, orders to pay, the sandbox's notifications and the
way they travel.

Import the fixtures you use into the test module (`from ... import payment_keys  # noqa`),
as refund_helpers.py does. Notifications reach the shop through Django's test client
(`notify_via_test_client`): the whole middleware stack and URL routing, with CSRF checks
on, inside the test's transaction. test_sandbox_live.py keeps the real HTTP transport
against a live server.
"""

import json
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from apps.accounts.tests.factories import AddressFactory
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.gateways import crypto
from apps.payments.gateways.keys import keys_generate, payment_keys, payment_keys_cache_clear
from apps.payments.gateways.registry import gateway_cache_clear
from apps.payments.sandbox import alipay as alipay_server
from apps.payments.sandbox import delivery
from apps.payments.sandbox import wechat as wechat_server

ALIPAY_NOTIFY = "/api/v1/payments/notify/alipay/"
WECHAT_NOTIFY = "/api/v1/payments/notify/wechat/"
PAYMENT_SUCCEEDED = "payments.payment_succeeded.v1"
ORDER_PAID = "orders.order_paid.v1"


@pytest.fixture
def payment_keys_dir(settings, tmp_path_factory):
    """PAYMENT_KEYS_DIR for this test: keys generated once per test session (RSA is slow)."""
    directory = tmp_path_factory.getbasetemp() / "payment-keys"
    if not directory.exists():
        keys_generate(directory)
    settings.PAYMENT_KEYS_DIR = directory
    payment_keys_cache_clear()
    gateway_cache_clear()
    yield directory
    payment_keys_cache_clear()
    gateway_cache_clear()


def client_transport(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """Deliver a notification through Django's test client (CSRF checks on, as in production)."""
    parts = urlsplit(url)
    extra = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    response = Client(enforce_csrf_checks=True).post(
        parts.path, data=body, content_type=headers.get("Content-Type", ""), headers=extra
    )
    return response.status_code, response.content


@pytest.fixture
def notify_via_test_client():
    previous = delivery.transport_set(client_transport)
    yield
    delivery.transport_set(previous)


def unpaid_order(user, *, price: str = "99.00", units: int = 10, quantity: int = 1) -> Order:
    """A placed order waiting for payment: `quantity` of one SKU at `price`, plus ¥10 shipping."""
    sku = sku_in_stock(price=price, units=units, name=f"Item {price}")
    address = AddressFactory(user=user)
    return order_services.order_place(user=user, lines=[(sku.pk, quantity)], address_id=address.pk)


def post_alipay(client, params: dict[str, str]):
    return client.post(ALIPAY_NOTIFY, data=urlencode(params), content_type="application/x-www-form-urlencoded")


def alipay_params(*, out_trade_no: str, amount: str, trade_no: str = "2088202611260000000000000001", **overrides):
    """An Alipay notification signed with the (simulated) Alipay key: genuine as far as
    the signature goes, whatever it says."""
    params = {
        "notify_time": "2026-11-26 10:00:00",
        "notify_type": "trade_status_sync",
        "notify_id": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
        "app_id": "2021000000000001",
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade_no,
        "out_trade_no": out_trade_no,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": amount,
        "subject": "Order",
        "seller_id": alipay_server.SELLER_ID,
    }
    params.update(overrides)
    params["sign"] = alipay_server.sign_params(params)
    return params


def wechat_notification(
    *,
    out_trade_no: str,
    fen: int,
    transaction_id: str = "4200202611260000000000000001",
    mchid: str = "1900000001",
    appid: str = "wx8888888888888888",
    trade_state: str = "SUCCESS",
    timestamp: str | None = None,
    apiv3_key: bytes | None = None,
) -> tuple[dict[str, str], bytes]:
    """A WeChat Pay notification encrypted and signed with the (simulated) platform's keys."""
    resource = {
        "appid": appid,
        "mchid": mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "MWEB",
        "trade_state": trade_state,
        "success_time": "2026-11-26T10:00:00+08:00",
        "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    nonce = "a1b2c3d4e5f6"
    body = json.dumps(
        {
            "id": "EV-2026112610000001",
            "create_time": "2026-11-26T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": crypto.aes_gcm_encrypt(
                    key=apiv3_key or payment_keys().wechat_apiv3_key,
                    nonce=nonce,
                    plaintext=json.dumps(resource).encode(),
                    associated_data="transaction",
                ),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    ).encode()
    headers = {"Content-Type": "application/json", **wechat_server.signed_headers(body, timestamp=timestamp)}
    return headers, body


def post_wechat(client, headers: dict[str, str], body: bytes):
    extra = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    return client.post(WECHAT_NOTIFY, data=body, content_type=headers.get("Content-Type", ""), headers=extra)


def fen(amount: Decimal) -> int:
    return int(amount * 100)
