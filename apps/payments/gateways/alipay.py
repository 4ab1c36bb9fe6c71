"""Alipay, the merchant's side, as an SDK would do it (RSA2, app id, form notifications).

Requests are the open API's form parameters signed with the shop's application key;
answers and notifications are checked with Alipay's public key. `_send` is the one
call that leaves the shop: here it reaches the simulated Alipay (apps/payments/sandbox);
a real SDK-backed class POSTs to https://openapi.alipay.com/gateway.do instead.

`create_payment`, `query`, `close` and `refund` raise PaymentProviderUnavailable when
Alipay cannot be asked or answers with something that does not verify;
`verify_notification` raises InvalidNotification with a stable reason.
"""

import json
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.payments.domain.exceptions import PaymentProviderUnavailable
from apps.payments.gateways import crypto
from apps.payments.gateways.base import (
    CashierSession,
    InvalidNotification,
    NotificationAnswer,
    RefundOutcome,
    TradeQuery,
    VerifiedNotification,
)
from apps.payments.gateways.keys import PaymentKeysMissing, payment_keys
from apps.payments.sandbox import alipay as alipay_server

_AMOUNT = re.compile(r"^\d{1,10}\.\d{2}$")
SUCCEEDED_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
QUERY_STATUS = {"WAIT_BUYER_PAY": "pending", "TRADE_SUCCESS": "succeeded", "TRADE_FINISHED": "succeeded"}


def parse_amount(value) -> Decimal | None:
    """Alipay's amounts are yuan with two decimals ("88.00"); anything else is refused."""
    if not isinstance(value, str) or not _AMOUNT.match(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


class AlipayGateway:
    name = "alipay"

    @property
    def merchant_id(self) -> str:
        return settings.PAYMENT_ALIPAY_APP_ID

    def notify_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("payment-notify-alipay")

    # --- calls to Alipay -------------------------------------------------------------

    def _send(self, params: dict[str, str]) -> str:
        return alipay_server.handle(params)

    def _call(self, method: str, biz: dict, **extra: str) -> dict:
        """One open API call: the verified `<method>_response` object."""
        try:
            keys = payment_keys()
        except PaymentKeysMissing as exc:
            raise PaymentProviderUnavailable("keys_missing", str(exc)) from exc
        params = {
            "app_id": self.merchant_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": f"{timezone.localtime():%Y-%m-%d %H:%M:%S}",
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = crypto.rsa_sign(
            crypto.load_private_key(keys.alipay_app_private), crypto.alipay_sign_content(params)
        )
        try:
            answer = json.loads(self._send(params))
            response = answer[method.replace(".", "_") + "_response"]
            signature = answer["sign"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PaymentProviderUnavailable("bad_answer") from exc
        platform = crypto.load_public_key(keys.alipay_platform_public)
        content = alipay_server.canonical_json(response).encode("utf-8")
        if not isinstance(signature, str) or not crypto.rsa_verify(platform, content, signature):
            raise PaymentProviderUnavailable("bad_answer_signature")
        return response

    def create_payment(self, *, out_trade_no: str, amount: Decimal, subject: str, return_url: str) -> CashierSession:
        response = self._call(
            "alipay.trade.precreate",
            {"out_trade_no": out_trade_no, "total_amount": str(amount), "subject": subject},
            notify_url=self.notify_url(),
            return_url=return_url,
        )
        if response.get("code") != "10000" or not response.get("qr_code"):
            raise PaymentProviderUnavailable(response.get("sub_code") or "create_refused")
        return CashierSession(cashier_url=response["qr_code"])

    def query(self, *, out_trade_no: str) -> TradeQuery:
        response = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if response.get("code") != "10000":
            if response.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return TradeQuery(status="not_found")
            raise PaymentProviderUnavailable(response.get("sub_code") or "query_refused")
        amount = parse_amount(response.get("total_amount"))
        if response.get("out_trade_no") != out_trade_no or amount is None:
            raise PaymentProviderUnavailable("bad_answer")
        return TradeQuery(
            status=QUERY_STATUS.get(response.get("trade_status"), "closed"),
            provider_trade_no=response.get("trade_no", ""),
            amount=amount,
        )

    def close(self, *, out_trade_no: str) -> bool:
        """Close an unpaid trade at Alipay; False when it could not be closed (paid meanwhile)."""
        response = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        return response.get("code") == "10000" or response.get("sub_code") == "ACQ.TRADE_NOT_EXIST"

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: Decimal, total: Decimal) -> RefundOutcome:
        response = self._call(
            "alipay.trade.refund",
            {"out_trade_no": out_trade_no, "refund_amount": str(amount), "out_request_no": out_refund_no},
        )
        if response.get("code") == "10000" and response.get("fund_change") == "Y":
            return RefundOutcome(succeeded=True, provider_refund_no=f"{response.get('trade_no', '')}/{out_refund_no}")
        return RefundOutcome(succeeded=False, failure_reason=response.get("sub_code") or "refund_refused")

    # --- notifications ---------------------------------------------------------------

    def verify_notification(self, *, headers: dict[str, str], body: bytes) -> VerifiedNotification:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidNotification("malformed") from exc
        params = dict(pairs)
        if len(params) != len(pairs):
            raise InvalidNotification("malformed")  # a parameter twice: which one was signed?
        if params.get("sign_type") != "RSA2":
            raise InvalidNotification("unsupported_sign_type")
        try:
            platform = crypto.load_public_key(payment_keys().alipay_platform_public)
        except PaymentKeysMissing as exc:
            raise InvalidNotification("keys_missing") from exc
        if not crypto.rsa_verify(platform, crypto.alipay_sign_content(params), params.get("sign", "")):
            raise InvalidNotification("bad_signature")
        status = params.get("trade_status", "")
        if status not in SUCCEEDED_STATUSES and status != "TRADE_CLOSED":
            raise InvalidNotification("unsupported_trade_status")
        amount = parse_amount(params.get("total_amount"))
        if amount is None or not params.get("out_trade_no") or not params.get("trade_no"):
            raise InvalidNotification("malformed")
        return VerifiedNotification(
            out_trade_no=params["out_trade_no"],
            provider_trade_no=params["trade_no"],
            amount=amount,
            succeeded=status in SUCCEEDED_STATUSES,
            merchant_id=params.get("app_id", ""),
        )

    def success_answer(self) -> NotificationAnswer:
        return NotificationAnswer(status=200, content_type="text/plain; charset=utf-8", body="success")

    def failure_answer(self) -> NotificationAnswer:
        # Anything but "success" makes Alipay retry; the status stays 200, as Alipay expects.
        return NotificationAnswer(status=200, content_type="text/plain; charset=utf-8", body="failure")
