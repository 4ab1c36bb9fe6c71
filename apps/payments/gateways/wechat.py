"""WeChat Pay API v3, the merchant's side, as an SDK would do it.

Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=...,signature=...` made
with the shop's merchant key; answers and notifications carry the platform's
`Wechatpay-Timestamp/-Nonce/-Signature/-Serial` headers, an RSA-SHA256 signature over
"timestamp\\nnonce\\nbody\\n". A notification's `resource` is AEAD_AES_256_GCM
ciphertext under the APIv3 key. `_send` is the one call that leaves the shop: here it
reaches the simulated WeChat Pay (apps/payments/sandbox); a real SDK-backed class calls
https://api.mch.weixin.qq.com instead.

Refused like any bad signature: a signature starting with `WECHATPAY/SIGNTEST/`
(WeChat's deliberate probes), an unknown platform serial, and a timestamp more than five
minutes away from our clock.
"""

import json
import time
from decimal import Decimal
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse

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
from apps.payments.gateways.keys import PaymentKeys, PaymentKeysMissing, payment_keys
from apps.payments.sandbox import wechat as wechat_server

MAX_CLOCK_SKEW = 5 * 60
SIGNATURE_PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
QUERY_STATUS = {"NOTPAY": "pending", "USERPAYING": "pending", "SUCCESS": "succeeded", "PAYERROR": "failed"}


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def _fen(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


class WechatPayGateway:
    name = "wechat"

    @property
    def merchant_id(self) -> str:
        return settings.PAYMENT_WECHAT_MCHID

    def notify_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("payment-notify-wechat")

    def _keys(self) -> PaymentKeys:
        try:
            return payment_keys()
        except PaymentKeysMissing as exc:
            raise PaymentProviderUnavailable("keys_missing", str(exc)) from exc

    # --- platform signatures (answers and notifications) ------------------------------

    def check_platform_signature(self, *, headers: dict[str, str], body: bytes, keys: PaymentKeys) -> str:
        """Why the platform signature over `body` is refused ("" when it verifies)."""
        signature = _header(headers, "Wechatpay-Signature")
        if signature.startswith(SIGNATURE_PROBE_PREFIX):
            return "signature_probe"
        platform = crypto.load_public_key(keys.wechat_platform_public)
        if _header(headers, "Wechatpay-Serial") != crypto.key_serial(platform):
            return "unknown_serial"
        timestamp, nonce = _header(headers, "Wechatpay-Timestamp"), _header(headers, "Wechatpay-Nonce")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            return "stale_timestamp"
        if not nonce.isascii():
            return "bad_signature"
        content = crypto.wechat_sign_content(timestamp=timestamp, nonce=nonce, body=body)
        if not crypto.rsa_verify(platform, content, signature):
            return "bad_signature"
        return ""

    # --- calls to WeChat Pay ---------------------------------------------------------

    def _send(
        self, *, method: str, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        return wechat_server.handle(method=method, url=url, body=body, headers=headers)

    def _request(self, method: str, url: str, payload: dict | None = None) -> tuple[int, dict]:
        """One API call: (status, verified JSON answer, {} when empty)."""
        keys = self._keys()
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        timestamp, nonce = str(int(time.time())), wechat_server.nonce()
        merchant = crypto.load_private_key(keys.wechat_merchant_private)
        content = crypto.wechat_request_sign_content(
            method=method, url=url, timestamp=timestamp, nonce=nonce, body=body
        )
        serial = crypto.key_serial(crypto.load_public_key(keys.wechat_merchant_public))
        authorization = (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.merchant_id}",nonce_str="{nonce}",'
            f'signature="{crypto.rsa_sign(merchant, content)}",timestamp="{timestamp}",serial_no="{serial}"'
        )
        try:
            status, answer_headers, answer = self._send(
                method=method,
                url=url,
                body=body,
                headers={"Authorization": authorization, "Content-Type": "application/json"},
            )
        except OSError as exc:
            raise PaymentProviderUnavailable("unreachable") from exc
        refused = self.check_platform_signature(headers=answer_headers, body=answer, keys=keys)
        if refused:
            raise PaymentProviderUnavailable(f"answer_{refused}")
        try:
            data = json.loads(answer) if answer else {}
        except ValueError as exc:
            raise PaymentProviderUnavailable("bad_answer") from exc
        if not isinstance(data, dict):
            raise PaymentProviderUnavailable("bad_answer")
        return status, data

    def create_payment(self, *, out_trade_no: str, amount: Decimal, subject: str, return_url: str) -> CashierSession:
        status, data = self._request(
            "POST",
            "/v3/pay/transactions/h5",
            {
                "appid": settings.PAYMENT_WECHAT_APPID,
                "mchid": self.merchant_id,
                "description": subject[:127],
                "out_trade_no": out_trade_no,
                "notify_url": self.notify_url(),
                "amount": {"total": to_fen(amount), "currency": "CNY"},
                "scene_info": {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
            },
        )
        if status != 200 or not isinstance(data.get("h5_url"), str):
            raise PaymentProviderUnavailable(str(data.get("code") or "create_refused"))
        # As with WeChat's H5 payments, the merchant appends where the browser returns to.
        return CashierSession(cashier_url=f"{data['h5_url']}&redirect_url={quote(return_url, safe='')}")

    def query(self, *, out_trade_no: str) -> TradeQuery:
        query = urlencode({"mchid": self.merchant_id})
        url = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?{query}"
        status, data = self._request("GET", url)
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            return TradeQuery(status="not_found")
        fen = _fen((data.get("amount") or {}).get("total"))
        if status != 200 or data.get("out_trade_no") != out_trade_no or fen is None:
            raise PaymentProviderUnavailable(str(data.get("code") or "bad_answer"))
        return TradeQuery(
            status=QUERY_STATUS.get(data.get("trade_state"), "closed"),
            provider_trade_no=data.get("transaction_id", ""),
            amount=from_fen(fen),
        )

    def close(self, *, out_trade_no: str) -> bool:
        """Close an unpaid trade; False when it could not be closed (paid meanwhile)."""
        url = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close"
        status, _data = self._request("POST", url, {"mchid": self.merchant_id})
        return status in (204, 404)

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: Decimal, total: Decimal) -> RefundOutcome:
        status, data = self._request(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "amount": {"refund": to_fen(amount), "total": to_fen(total), "currency": "CNY"},
            },
        )
        if status == 200 and data.get("status") in ("SUCCESS", "PROCESSING"):
            return RefundOutcome(succeeded=True, provider_refund_no=str(data.get("refund_id", "")))
        return RefundOutcome(succeeded=False, failure_reason=str(data.get("status") or data.get("code") or "refused"))

    # --- notifications ---------------------------------------------------------------

    def verify_notification(self, *, headers: dict[str, str], body: bytes) -> VerifiedNotification:
        try:
            keys = payment_keys()
        except PaymentKeysMissing as exc:
            raise InvalidNotification("keys_missing") from exc
        refused = self.check_platform_signature(headers=headers, body=body, keys=keys)
        if refused:
            raise InvalidNotification(refused)
        try:
            event = json.loads(body)
            resource = event["resource"]
            kind = (event.get("event_type"), resource.get("algorithm"))
            nonce, ciphertext = str(resource["nonce"]), str(resource["ciphertext"])
            associated_data = str(resource.get("associated_data") or "")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidNotification("malformed") from exc
        if kind != ("TRANSACTION.SUCCESS", "AEAD_AES_256_GCM"):
            raise InvalidNotification("unsupported_event")
        try:
            plaintext = crypto.aes_gcm_decrypt(
                key=keys.wechat_apiv3_key, nonce=nonce, ciphertext=ciphertext, associated_data=associated_data
            )
        except ValueError as exc:  # wrong key, nonce, associated data, ciphertext or tag
            raise InvalidNotification("undecryptable") from exc
        try:
            transaction = json.loads(plaintext)
            amount = transaction["amount"]
            fen = _fen(amount["total"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNotification("malformed") from exc
        if fen is None or amount.get("currency", "CNY") != "CNY" or not transaction.get("out_trade_no"):
            raise InvalidNotification("malformed")
        if transaction.get("appid") != settings.PAYMENT_WECHAT_APPID:
            raise InvalidNotification("merchant_mismatch")
        return VerifiedNotification(
            out_trade_no=str(transaction["out_trade_no"]),
            provider_trade_no=str(transaction.get("transaction_id") or ""),
            amount=from_fen(fen),
            succeeded=transaction.get("trade_state") == "SUCCESS",
            merchant_id=str(transaction.get("mchid") or ""),
        )

    def success_answer(self) -> NotificationAnswer:
        return NotificationAnswer(status=200, content_type="application/json", body='{"code": "SUCCESS"}')

    def failure_answer(self) -> NotificationAnswer:
        # Any 4xx/5xx makes WeChat Pay retry; the body says why, in its format.
        body = json.dumps({"code": "FAIL", "message": "The notification was not accepted."})
        return NotificationAnswer(status=400, content_type="application/json", body=body)
