"""The simulated Alipay open platform.

`handle(params)` is one call to `https://openapi.alipay.com/gateway.do`: the merchant's
form parameters in (common parameters, `biz_content` JSON, RSA2 `sign` by the app key),
the JSON answer out (`<method>_response` plus Alipay's `sign` over it). Methods:
`alipay.trade.precreate` (its `qr_code` is the cashier's address), `alipay.trade.query`,
`alipay.trade.close` and `alipay.trade.refund`.

`notification(trade)` builds the asynchronous notification Alipay POSTs as a form to the
merchant's `notify_url`, signed with Alipay's key.
"""

import json
import re
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from apps.payments.gateways import crypto
from apps.payments.gateways.keys import payment_keys
from apps.payments.models import SandboxTrade
from apps.payments.sandbox import trades

PROVIDER = "alipay"
SUCCESS = {"code": "10000", "msg": "Success"}
# Alipay's fixed seller (the merchant's account) and a buyer for the notifications.
SELLER_ID = "2088000000000001"
BUYER_ID = "2088000000000002"
_AMOUNT = re.compile(r"^\d{1,10}(\.\d{1,2})?$")

TRADE_STATUS = {
    SandboxTrade.Status.PENDING: "WAIT_BUYER_PAY",
    SandboxTrade.Status.SUCCEEDED: "TRADE_SUCCESS",
    SandboxTrade.Status.FAILED: "TRADE_CLOSED",
    SandboxTrade.Status.CLOSED: "TRADE_CLOSED",
}


def canonical_json(value: dict) -> str:
    """The text Alipay's answer signature covers (the answer object, keys sorted, compact)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def handle(params: dict[str, str]) -> str:
    method = params.get("method", "")
    key = method.replace(".", "_") + "_response"
    answer = _answer(method, params)
    return json.dumps({key: answer, "sign": _sign(canonical_json(answer).encode("utf-8"))}, ensure_ascii=False)


def _answer(method: str, params: dict[str, str]) -> dict:
    keys = payment_keys()
    if params.get("app_id") != settings.PAYMENT_ALIPAY_APP_ID:
        return _error("40002", "Invalid Arguments", "isv.invalid-app-id")
    if params.get("sign_type") != "RSA2":
        return _error("40002", "Invalid Arguments", "isv.invalid-signature-type")
    app_key = crypto.load_public_key(keys.alipay_app_public)
    if not crypto.rsa_verify(app_key, crypto.alipay_sign_content(params), params.get("sign", "")):
        return _error("40002", "Invalid Arguments", "isv.invalid-signature")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return _error("40002", "Invalid Arguments", "isv.invalid-biz-content")
    if not isinstance(biz, dict) or not isinstance(biz.get("out_trade_no"), str):
        return _error("40002", "Invalid Arguments", "isv.missing-out-trade-no")
    handler = {
        "alipay.trade.precreate": _precreate,
        "alipay.trade.query": _query,
        "alipay.trade.close": _close,
        "alipay.trade.refund": _refund,
    }.get(method)
    if handler is None:
        return _error("40004", "Business Failed", "isv.invalid-method")
    return handler(params, biz)


def _precreate(params: dict, biz: dict) -> dict:
    amount = _amount(biz.get("total_amount"))
    if amount is None or amount <= 0:
        return _error("40004", "Business Failed", "ACQ.INVALID_PARAMETER")
    try:
        trade = trades.trade_create(
            provider=PROVIDER,
            merchant_id=params["app_id"],
            out_trade_no=biz["out_trade_no"],
            amount=amount,
            subject=str(biz.get("subject") or ""),
            notify_url=params.get("notify_url", ""),
            return_url=params.get("return_url", ""),
        )
    except trades.TradeConflict:
        return _error("40004", "Business Failed", "ACQ.CONTEXT_INCONSISTENT")
    if trade.status != SandboxTrade.Status.PENDING:
        return _error("40004", "Business Failed", "ACQ.TRADE_HAS_CLOSE")
    return {**SUCCESS, "out_trade_no": trade.out_trade_no, "qr_code": trades.cashier_url(trade)}


def _query(params: dict, biz: dict) -> dict:
    trade = trades.trade_get(provider=PROVIDER, merchant_id=params["app_id"], out_trade_no=biz["out_trade_no"])
    if trade is None:
        return _error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST")
    return {
        **SUCCESS,
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "trade_status": TRADE_STATUS[trade.status],
        "total_amount": str(trade.amount),
    }


def _close(params: dict, biz: dict) -> dict:
    trade = trades.trade_get(provider=PROVIDER, merchant_id=params["app_id"], out_trade_no=biz["out_trade_no"])
    if trade is None:
        return _error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST")
    if not trades.trade_close(trade=trade):
        return _error("40004", "Business Failed", "ACQ.TRADE_STATUS_ERROR")
    return {**SUCCESS, "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}


def _refund(params: dict, biz: dict) -> dict:
    trade = trades.trade_get(provider=PROVIDER, merchant_id=params["app_id"], out_trade_no=biz["out_trade_no"])
    if trade is None:
        return _error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST")
    amount = _amount(biz.get("refund_amount"))
    out_request_no = biz.get("out_request_no")
    if amount is None or not isinstance(out_request_no, str) or not out_request_no:
        return _error("40004", "Business Failed", "ACQ.INVALID_PARAMETER")
    try:
        refund = trades.trade_refund(trade=trade, out_refund_no=out_request_no, amount=amount)
    except trades.TradeNotRefundable as refused:
        sub_code = {
            "trade_not_paid": "ACQ.TRADE_STATUS_ERROR",
            "refund_exceeds_trade": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
        }.get(refused.reason, "ACQ.INVALID_PARAMETER")
        return _error("40004", "Business Failed", sub_code)
    if refund.status != refund.Status.SUCCEEDED:
        return _error("40004", "Business Failed", "ACQ.SELLER_BALANCE_NOT_ENOUGH")
    return {
        **SUCCESS,
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "out_request_no": refund.out_refund_no,
        "refund_fee": str(trades.trade_refunded_total(trade=trade)),
        "fund_change": "Y",
    }


def notification(trade: SandboxTrade) -> tuple[dict[str, str], bytes]:
    """The signed form Alipay POSTs to the notify URL: (headers, body)."""
    now = timezone.localtime()
    params = {
        "notify_time": f"{now:%Y-%m-%d %H:%M:%S}",
        "notify_type": "trade_status_sync",
        # The same id on every retry of one notification, as Alipay does.
        "notify_id": uuid.uuid5(uuid.NAMESPACE_URL, f"alipay:{trade.trade_no}:{trade.status}").hex,
        "app_id": trade.merchant_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": TRADE_STATUS[trade.status],
        "total_amount": str(trade.amount),
        "subject": trade.subject,
        "seller_id": SELLER_ID,
        "gmt_create": f"{timezone.localtime(trade.created_at):%Y-%m-%d %H:%M:%S}",
    }
    if trade.status == SandboxTrade.Status.SUCCEEDED:
        params.update(
            {
                "buyer_id": BUYER_ID,
                "receipt_amount": str(trade.amount),
                "buyer_pay_amount": str(trade.amount),
                "gmt_payment": f"{timezone.localtime(trade.paid_at):%Y-%m-%d %H:%M:%S}",
            }
        )
    params["sign"] = sign_params(params)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return headers, urlencode(params).encode("ascii")


def return_query(trade: SandboxTrade) -> str:
    """The signed parameters Alipay adds to the return URL (the shop ignores them: the
    return page reads the payment from the database)."""
    params = {
        "app_id": trade.merchant_id,
        "method": "alipay.trade.page.pay.return",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": f"{timezone.localtime():%Y-%m-%d %H:%M:%S}",
        "version": "1.0",
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "total_amount": str(trade.amount),
        "seller_id": SELLER_ID,
    }
    params["sign"] = sign_params(params)
    return urlencode(params)


def sign_params(params: dict[str, str]) -> str:
    """Alipay's RSA2 signature of a parameter set (what its notifications carry)."""
    return _sign(crypto.alipay_sign_content(params))


def _sign(content: bytes) -> str:
    return crypto.rsa_sign(crypto.load_private_key(payment_keys().alipay_platform_private), content)


def _amount(value) -> Decimal | None:
    if not isinstance(value, str) or not _AMOUNT.match(value):
        return None
    try:
        return Decimal(value).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _error(code: str, msg: str, sub_code: str) -> dict:
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_code}
