"""The simulated WeChat Pay API v3.

`handle(method=, url=, body=, headers=)` is one HTTPS call to `api.mch.weixin.qq.com`:
the merchant's `Authorization: WECHATPAY2-SHA256-RSA2048 ...` header is checked against
its key, and the answer carries the platform's `Wechatpay-*` signature headers. Routes:
`POST /v3/pay/transactions/h5` (its `h5_url` is the cashier's address),
`GET /v3/pay/transactions/out-trade-no/{out_trade_no}`,
`POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` and
`POST /v3/refund/domestic/refunds`.

`notification(trade)` builds the `TRANSACTION.SUCCESS` notification: JSON whose
`resource` is encrypted with AEAD_AES_256_GCM under the APIv3 key, signed in headers.
(WeChat Pay notifies only successful payments; a failed one is found by querying.)
"""

import json
import re
import secrets
import string
import time
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils import timezone

from apps.payments.gateways import crypto
from apps.payments.gateways.keys import payment_keys
from apps.payments.models import SandboxTrade
from apps.payments.sandbox import trades

PROVIDER = "wechat"
MAX_CLOCK_SKEW = 5 * 60
_AUTH = re.compile(r'(\w+)="([^"]*)"')
_NONCE_ALPHABET = string.ascii_uppercase + string.digits
_QUERY = re.compile(r"^/v3/pay/transactions/out-trade-no/([^/?]+)$")
_CLOSE = re.compile(r"^/v3/pay/transactions/out-trade-no/([^/?]+)/close$")

TRADE_STATE = {
    SandboxTrade.Status.PENDING: "NOTPAY",
    SandboxTrade.Status.SUCCEEDED: "SUCCESS",
    SandboxTrade.Status.FAILED: "PAYERROR",
    SandboxTrade.Status.CLOSED: "CLOSED",
}


def nonce(length: int = 32) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def signed_headers(body: bytes, *, timestamp: str | None = None, nonce_str: str | None = None) -> dict[str, str]:
    """The platform's signature headers over a body (answers and notifications)."""
    keys = payment_keys()
    timestamp = timestamp or str(int(time.time()))
    nonce_str = nonce_str or nonce()
    private = crypto.load_private_key(keys.wechat_platform_private)
    content = crypto.wechat_sign_content(timestamp=timestamp, nonce=nonce_str, body=body)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce_str,
        "Wechatpay-Signature": crypto.rsa_sign(private, content),
        "Wechatpay-Serial": crypto.key_serial(crypto.load_public_key(keys.wechat_platform_public)),
    }


def handle(*, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    status, answer = _answer(method=method, url=url, body=body, headers=headers)
    raw = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode("utf-8")
    return status, {"Request-ID": uuid.uuid4().hex, **signed_headers(raw)}, raw


def _answer(*, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict | None]:
    refused = _check_authorization(method=method, url=url, body=body, header=headers.get("Authorization", ""))
    if refused:
        return 401, {"code": "SIGN_ERROR", "message": refused}
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return 400, {"code": "PARAM_ERROR", "message": "the body is not JSON"}
    parts = urlsplit(url)
    if method == "POST" and parts.path == "/v3/pay/transactions/h5":
        return _create(data)
    if method == "GET" and (match := _QUERY.match(parts.path)):
        mchid = parse_qs(parts.query).get("mchid", [""])[0]
        return _query(mchid=mchid, out_trade_no=match.group(1))
    if method == "POST" and (match := _CLOSE.match(parts.path)):
        return _close(mchid=str(data.get("mchid", "")), out_trade_no=match.group(1))
    if method == "POST" and parts.path == "/v3/refund/domestic/refunds":
        return _refund(data)
    return 404, {"code": "NOT_FOUND", "message": f"no such API: {method} {parts.path}"}


def _check_authorization(*, method: str, url: str, body: bytes, header: str) -> str:
    """Why the merchant's request signature is refused ("" when it is good)."""
    scheme, _, rest = header.partition(" ")
    if scheme != "WECHATPAY2-SHA256-RSA2048":
        return "unknown authorization scheme"
    fields = dict(_AUTH.findall(rest))
    if fields.get("mchid") != settings.PAYMENT_WECHAT_MCHID:
        return "unknown merchant"
    merchant_key = crypto.load_public_key(payment_keys().wechat_merchant_public)
    if fields.get("serial_no") != crypto.key_serial(merchant_key):
        return "unknown merchant certificate serial"
    if not fields.get("timestamp", "").isdigit() or abs(time.time() - int(fields["timestamp"])) > MAX_CLOCK_SKEW:
        return "timestamp out of range"
    content = crypto.wechat_request_sign_content(
        method=method, url=url, timestamp=fields["timestamp"], nonce=fields.get("nonce_str", ""), body=body
    )
    if not crypto.rsa_verify(merchant_key, content, fields.get("signature", "")):
        return "signature does not verify"
    return ""


def _create(data: dict) -> tuple[int, dict]:
    amount = data.get("amount") or {}
    total, currency = amount.get("total"), amount.get("currency", "CNY")
    if (
        data.get("mchid") != settings.PAYMENT_WECHAT_MCHID
        or data.get("appid") != settings.PAYMENT_WECHAT_APPID
        or not isinstance(data.get("out_trade_no"), str)
        or not isinstance(total, int)
        or isinstance(total, bool)
        or total <= 0
        or currency != "CNY"
    ):
        return 400, {"code": "PARAM_ERROR", "message": "mchid, appid, out_trade_no and amount.total are required"}
    try:
        trade = trades.trade_create(
            provider=PROVIDER,
            merchant_id=data["mchid"],
            app_id=data["appid"],
            out_trade_no=data["out_trade_no"],
            amount=(Decimal(total) / 100).quantize(Decimal("0.01")),
            subject=str(data.get("description") or ""),
            notify_url=str(data.get("notify_url") or ""),
        )
    except trades.TradeConflict:
        return 400, {"code": "INVALID_REQUEST", "message": "out_trade_no was used with other parameters"}
    if trade.status != SandboxTrade.Status.PENDING:
        return 400, {"code": "ORDER_CLOSED", "message": "the trade is no longer open"}
    return 200, {"h5_url": trades.cashier_url(trade)}


def transaction_resource(trade: SandboxTrade) -> dict:
    """A trade as WeChat Pay describes it (the query answer, the notification resource)."""
    resource = {
        "appid": trade.app_id,
        "mchid": trade.merchant_id,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.trade_no,
        "trade_type": "MWEB",
        "trade_state": TRADE_STATE[trade.status],
        "trade_state_desc": TRADE_STATE[trade.status],
        "attach": "",
        "amount": {"total": to_fen(trade.amount), "currency": "CNY"},
    }
    if trade.status == SandboxTrade.Status.SUCCEEDED:
        resource["bank_type"] = "OTHERS"
        resource["success_time"] = timezone.localtime(trade.paid_at).isoformat(timespec="seconds")
        resource["payer"] = {"openid": "oSANDBOX" + trade.trade_no[-20:]}
        resource["amount"].update({"payer_total": to_fen(trade.amount), "payer_currency": "CNY"})
    return resource


def _query(*, mchid: str, out_trade_no: str) -> tuple[int, dict]:
    trade = trades.trade_get(provider=PROVIDER, merchant_id=mchid, out_trade_no=out_trade_no)
    if trade is None:
        return 404, {"code": "ORDER_NOT_EXIST", "message": "the order does not exist"}
    return 200, transaction_resource(trade)


def _close(*, mchid: str, out_trade_no: str) -> tuple[int, dict | None]:
    trade = trades.trade_get(provider=PROVIDER, merchant_id=mchid, out_trade_no=out_trade_no)
    if trade is None:
        return 404, {"code": "ORDER_NOT_EXIST", "message": "the order does not exist"}
    if not trades.trade_close(trade=trade):
        return 400, {"code": "ORDER_PAID", "message": "the order is paid or failed and cannot be closed"}
    return 204, None


def _refund(data: dict) -> tuple[int, dict]:
    amount = data.get("amount") or {}
    refund_fen, total_fen = amount.get("refund"), amount.get("total")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (refund_fen, total_fen)):
        return 400, {"code": "PARAM_ERROR", "message": "amount.refund and amount.total are required"}
    out_refund_no = data.get("out_refund_no")
    if not isinstance(out_refund_no, str) or not out_refund_no:
        return 400, {"code": "PARAM_ERROR", "message": "out_refund_no is required"}
    trade = trades.trade_get(
        provider=PROVIDER, merchant_id=settings.PAYMENT_WECHAT_MCHID, out_trade_no=str(data.get("out_trade_no"))
    )
    if trade is None:
        return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "the order does not exist"}
    if total_fen != to_fen(trade.amount):
        return 400, {"code": "INVALID_REQUEST", "message": "amount.total is not the order's amount"}
    try:
        refund = trades.trade_refund(
            trade=trade, out_refund_no=out_refund_no, amount=(Decimal(refund_fen) / 100).quantize(Decimal("0.01"))
        )
    except trades.TradeNotRefundable as refused:
        code = "NOT_ENOUGH" if refused.reason == "refund_exceeds_trade" else "INVALID_REQUEST"
        return 400, {"code": code, "message": refused.reason}
    succeeded = refund.status == refund.Status.SUCCEEDED
    return 200, {
        "refund_id": refund.refund_no,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "status": "SUCCESS" if succeeded else "ABNORMAL",
        "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
    }


def notification(trade: SandboxTrade, *, timestamp: str | None = None) -> tuple[dict[str, str], bytes]:
    """The signed TRANSACTION.SUCCESS notification for a paid trade: (headers, body)."""
    keys = payment_keys()
    resource_nonce = nonce(12)
    plaintext = json.dumps(transaction_resource(trade), ensure_ascii=False).encode("utf-8")
    event = {
        # The same id on every retry of one notification, as WeChat Pay does.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"wechat:{trade.trade_no}:{trade.status}")),
        "create_time": timezone.localtime().isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": crypto.aes_gcm_encrypt(
                key=keys.wechat_apiv3_key, nonce=resource_nonce, plaintext=plaintext, associated_data="transaction"
            ),
            "associated_data": "transaction",
            "nonce": resource_nonce,
        },
    }
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    return {"Content-Type": "application/json", **signed_headers(body, timestamp=timestamp)}, body
