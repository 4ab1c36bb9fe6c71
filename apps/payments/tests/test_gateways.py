"""The signatures and encryption, and the two gateways against the simulated providers."""

import json
import os
import stat
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.payments.domain.exceptions import PaymentProviderUnavailable
from apps.payments.gateways import crypto
from apps.payments.gateways.alipay import AlipayGateway
from apps.payments.gateways.base import InvalidNotification
from apps.payments.gateways.keys import key_files, keys_generate
from apps.payments.gateways.wechat import WechatPayGateway
from apps.payments.models import SandboxRefund, SandboxTrade
from apps.payments.sandbox import alipay as alipay_server
from apps.payments.sandbox import trades
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    alipay_params,
    payment_keys_dir,
    wechat_notification,
)

pytestmark = pytest.mark.usefixtures("payment_keys_dir")

PAID_AT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def _verify_alipay(params: dict) -> object:
    from urllib.parse import urlencode

    return AlipayGateway().verify_notification(headers={}, body=urlencode(params).encode())


# --- the primitives -----------------------------------------------------------------------


def test_alipay_signs_the_sorted_non_empty_parameters_without_sign_and_sign_type():
    params = {"b": "2", "a": "1", "sign": "xyz", "sign_type": "RSA2", "empty": "", "c": "汉字"}

    assert crypto.alipay_sign_content(params) == "a=1&b=2&c=汉字".encode()


def test_an_rsa_sha256_signature_verifies_with_its_key_only():
    # given two key pairs
    mine, other = crypto.rsa_private_key_generate(), crypto.rsa_private_key_generate()
    signature = crypto.rsa_sign(crypto.load_private_key(mine), b"total_amount=88.00")

    # then only the signer's public key, over the same bytes, accepts it
    assert crypto.rsa_verify(crypto.load_public_key(crypto.rsa_public_pem(mine)), b"total_amount=88.00", signature)
    assert not crypto.rsa_verify(crypto.load_public_key(crypto.rsa_public_pem(mine)), b"total_amount=88.01", signature)
    assert not crypto.rsa_verify(crypto.load_public_key(crypto.rsa_public_pem(other)), b"total_amount=88.00", signature)
    assert not crypto.rsa_verify(crypto.load_public_key(crypto.rsa_public_pem(mine)), b"x", "not base64!")


def test_aes_256_gcm_round_trip_and_every_tampering_fails():
    key, other_key = b"k" * 32, b"o" * 32
    ciphertext = crypto.aes_gcm_encrypt(key=key, nonce="abcdefghijkl", plaintext=b'{"a":1}', associated_data="tx")

    assert crypto.aes_gcm_decrypt(key=key, nonce="abcdefghijkl", ciphertext=ciphertext, associated_data="tx") == (
        b'{"a":1}'
    )
    flipped = ciphertext[:-6] + ("A" if ciphertext[-6] != "A" else "B") + ciphertext[-5:]
    for attempt in (
        {"key": other_key, "nonce": "abcdefghijkl", "ciphertext": ciphertext, "associated_data": "tx"},
        {"key": key, "nonce": "abcdefghijkm", "ciphertext": ciphertext, "associated_data": "tx"},
        {"key": key, "nonce": "abcdefghijkl", "ciphertext": ciphertext, "associated_data": "other"},
        {"key": key, "nonce": "abcdefghijkl", "ciphertext": flipped, "associated_data": "tx"},
        {"key": key, "nonce": "abcdefghijkl", "ciphertext": "***", "associated_data": "tx"},
    ):
        with pytest.raises(ValueError, match=r"decrypted|nonce"):
            crypto.aes_gcm_decrypt(**attempt)


# --- Alipay notifications -----------------------------------------------------------------


def test_alipay_accepts_a_notification_signed_by_alipay():
    verified = _verify_alipay(alipay_params(out_trade_no="T1", amount="88.00", trade_no="2088X"))

    assert (verified.out_trade_no, verified.provider_trade_no, verified.amount) == ("T1", "2088X", Decimal("88.00"))
    assert verified.succeeded is True
    assert verified.merchant_id == "2021000000000001"


def test_alipay_reads_trade_closed_as_not_succeeded():
    verified = _verify_alipay(alipay_params(out_trade_no="T1", amount="88.00", trade_status="TRADE_CLOSED"))

    assert verified.succeeded is False


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda p: {**p, "total_amount": "0.01"}, "bad_signature"),  # the amount changed after signing
        (lambda p: {**p, "out_trade_no": "T2"}, "bad_signature"),
        (lambda p: {**p, "sign": p["sign"][:-4] + "AAAA"}, "bad_signature"),
        (lambda p: {k: v for k, v in p.items() if k != "sign"}, "bad_signature"),
        (lambda p: {**p, "sign_type": "RSA"}, "unsupported_sign_type"),
    ],
)
def test_alipay_refuses_a_tampered_notification(tamper, reason):
    params = tamper(alipay_params(out_trade_no="T1", amount="88.00"))

    with pytest.raises(InvalidNotification) as refused:
        _verify_alipay(params)

    assert refused.value.reason == reason


def test_alipay_refuses_a_notification_signed_with_another_key():
    # given a notification signed with a key that is not Alipay's (the shop's own app key, say)
    params = alipay_params(out_trade_no="T1", amount="88.00")
    forger = crypto.load_private_key(crypto.rsa_private_key_generate())
    params["sign"] = crypto.rsa_sign(forger, crypto.alipay_sign_content(params))

    with pytest.raises(InvalidNotification) as refused:
        _verify_alipay(params)

    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"a=1&a=2", b"no-equals-sign"])
def test_alipay_refuses_malformed_bodies(body):
    with pytest.raises(InvalidNotification):
        AlipayGateway().verify_notification(headers={}, body=body)


def test_alipay_refuses_a_signed_amount_that_is_not_yuan_and_fen():
    with pytest.raises(InvalidNotification) as refused:
        _verify_alipay(alipay_params(out_trade_no="T1", amount="88.5"))

    assert refused.value.reason == "malformed"


# --- WeChat Pay notifications -------------------------------------------------------------


def test_wechat_decrypts_and_accepts_a_signed_notification():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800, transaction_id="4200X")

    verified = WechatPayGateway().verify_notification(headers=headers, body=body)

    assert (verified.out_trade_no, verified.provider_trade_no, verified.amount) == ("T1W01", "4200X", Decimal("88.00"))
    assert (verified.succeeded, verified.merchant_id) == (True, "1900000001")


def test_wechat_header_names_are_case_insensitive():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=100)

    verified = WechatPayGateway().verify_notification(headers={k.upper(): v for k, v in headers.items()}, body=body)

    assert verified.amount == Decimal("1.00")


def _wechat_refusal(headers, body) -> str:
    with pytest.raises(InvalidNotification) as refused:
        WechatPayGateway().verify_notification(headers=headers, body=body)
    return refused.value.reason


def test_wechat_refuses_a_changed_body():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800)
    changed = body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESs")

    assert _wechat_refusal(headers, changed) == "bad_signature"


def test_wechat_refuses_a_signature_by_another_key():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800)
    forger = crypto.load_private_key(crypto.rsa_private_key_generate())
    content = crypto.wechat_sign_content(
        timestamp=headers["Wechatpay-Timestamp"], nonce=headers["Wechatpay-Nonce"], body=body
    )

    assert _wechat_refusal({**headers, "Wechatpay-Signature": crypto.rsa_sign(forger, content)}, body) == (
        "bad_signature"
    )


def test_wechat_refuses_its_own_signature_probes():
    # WeChat Pay sends such probes to check that merchants really verify.
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800)

    probe = {**headers, "Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]}

    assert _wechat_refusal(probe, body) == "signature_probe"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_wechat_refuses_timestamps_more_than_five_minutes_off(offset):
    # a correctly signed notification, but signed (or replayed) too far from now
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800, timestamp=str(int(time.time()) + offset))

    assert _wechat_refusal(headers, body) == "stale_timestamp"


def test_wechat_accepts_a_timestamp_within_five_minutes():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800, timestamp=str(int(time.time()) - 290))

    assert WechatPayGateway().verify_notification(headers=headers, body=body).out_trade_no == "T1W01"


def test_wechat_refuses_an_unknown_platform_serial():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800)

    assert _wechat_refusal({**headers, "Wechatpay-Serial": "0" * 40}, body) == "unknown_serial"


def test_wechat_refuses_a_resource_encrypted_with_another_apiv3_key():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800, apiv3_key=b"x" * 32)

    assert _wechat_refusal(headers, body) == "undecryptable"


def test_wechat_refuses_another_app_id():
    headers, body = wechat_notification(out_trade_no="T1W01", fen=8800, appid="wx0000000000000000")

    assert _wechat_refusal(headers, body) == "merchant_mismatch"


@pytest.mark.parametrize("body", [b"", b"[]", b"{}", b'{"resource": 3}', b"\xff"])
def test_wechat_refuses_malformed_bodies(body):
    from apps.payments.sandbox.wechat import signed_headers

    assert _wechat_refusal({"Content-Type": "application/json", **signed_headers(body)}, body) in (
        "malformed",
        "unsupported_event",
    )


# --- the gateways' calls to the simulated providers ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("gateway_class", [AlipayGateway, WechatPayGateway])
def test_create_query_close_against_the_sandbox(gateway_class):
    gateway = gateway_class()

    # when the shop opens a trade
    session = gateway.create_payment(
        out_trade_no="2026112600000001A01", amount=Decimal("88.00"), subject="Order 1", return_url="http://x/r/"
    )

    # then the provider holds it, and says so when asked
    trade = SandboxTrade.objects.get(out_trade_no="2026112600000001A01")
    assert (trade.provider, trade.amount, trade.status) == (gateway.name, Decimal("88.00"), "pending")
    assert f"/payments/sandbox/2026112600000001A01/?t={trade.token}" in session.cashier_url
    assert gateway.query(out_trade_no=trade.out_trade_no).status == "pending"
    # the same request again shows the same cashier; another amount is refused
    again = gateway.create_payment(
        out_trade_no="2026112600000001A01", amount=Decimal("88.00"), subject="Order 1", return_url="http://x/r/"
    )
    assert again.cashier_url == session.cashier_url
    with pytest.raises(PaymentProviderUnavailable):
        gateway.create_payment(
            out_trade_no="2026112600000001A01", amount=Decimal("1.00"), subject="Order 1", return_url="http://x/r/"
        )
    # closing makes it unpayable
    assert gateway.close(out_trade_no=trade.out_trade_no) is True
    assert gateway.query(out_trade_no=trade.out_trade_no).status == "closed"
    assert gateway.query(out_trade_no="nope").status == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("gateway_class", [AlipayGateway, WechatPayGateway])
def test_query_and_refund_a_paid_trade(gateway_class):
    gateway = gateway_class()
    gateway.create_payment(out_trade_no="T9A01", amount=Decimal("100.00"), subject="s", return_url="")
    trade = SandboxTrade.objects.get(out_trade_no="T9A01")
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=True)

    paid = gateway.query(out_trade_no="T9A01")
    first = gateway.refund(out_trade_no="T9A01", out_refund_no="R1", amount=Decimal("30.00"), total=Decimal("100.00"))
    replay = gateway.refund(out_trade_no="T9A01", out_refund_no="R1", amount=Decimal("30.00"), total=Decimal("100.00"))
    too_much = gateway.refund(
        out_trade_no="T9A01", out_refund_no="R2", amount=Decimal("70.01"), total=Decimal("100.00")
    )

    assert (paid.status, paid.amount, paid.provider_trade_no) == ("succeeded", Decimal("100.00"), trade.trade_no)
    assert first.succeeded
    assert replay.succeeded
    assert first.provider_refund_no == replay.provider_refund_no
    assert not too_much.succeeded
    assert list(SandboxRefund.objects.values_list("out_refund_no", "amount", "status")) == [
        ("R1", Decimal("30.00"), "succeeded")
    ]
    assert gateway.close(out_trade_no="T9A01") is False  # a paid trade cannot be closed


@pytest.mark.django_db
@pytest.mark.parametrize("gateway_class", [AlipayGateway, WechatPayGateway])
def test_a_sandbox_told_to_refuse_refunds_refuses_them(gateway_class):
    gateway = gateway_class()
    gateway.create_payment(out_trade_no="T8A01", amount=Decimal("50.00"), subject="s", return_url="")
    trade = SandboxTrade.objects.get(out_trade_no="T8A01")
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=True)
    SandboxTrade.objects.filter(pk=trade.pk).update(fail_refunds=True)

    outcome = gateway.refund(out_trade_no="T8A01", out_refund_no="R1", amount=Decimal("50.00"), total=Decimal("50.00"))

    assert outcome.succeeded is False
    assert outcome.failure_reason
    assert SandboxRefund.objects.get().status == "failed"


@pytest.mark.django_db
def test_the_sandbox_refuses_requests_signed_with_another_app_key(settings, tmp_path):
    # given a shop whose app key is not the one registered with Alipay
    impostor = tmp_path / "keys"
    keys_generate(impostor)
    for name in key_files():
        if name != "alipay_app_private.pem":
            (impostor / name).write_bytes((settings.PAYMENT_KEYS_DIR / name).read_bytes())
    settings.PAYMENT_KEYS_DIR = impostor
    from apps.payments.gateways.keys import payment_keys_cache_clear

    payment_keys_cache_clear()

    with pytest.raises(PaymentProviderUnavailable) as refused:
        AlipayGateway().create_payment(out_trade_no="T7A01", amount=Decimal("1.00"), subject="s", return_url="")

    assert refused.value.reason == "isv.invalid-signature"
    assert not SandboxTrade.objects.exists()


@pytest.mark.django_db
def test_an_alipay_answer_changed_on_the_way_is_not_trusted(monkeypatch):
    gateway = AlipayGateway()
    gateway.create_payment(out_trade_no="T6A01", amount=Decimal("10.00"), subject="s", return_url="")

    def tampered(params):
        answer = json.loads(alipay_server.handle(params))
        answer["alipay_trade_query_response"]["trade_status"] = "TRADE_SUCCESS"
        return json.dumps(answer)

    monkeypatch.setattr(gateway, "_send", tampered)

    with pytest.raises(PaymentProviderUnavailable) as refused:
        gateway.query(out_trade_no="T6A01")

    assert refused.value.reason == "bad_answer_signature"


@pytest.mark.django_db
def test_a_wechat_answer_changed_on_the_way_is_not_trusted(monkeypatch):
    gateway = WechatPayGateway()
    gateway.create_payment(out_trade_no="T5W01", amount=Decimal("10.00"), subject="s", return_url="")
    original = gateway._send

    def tampered(**kwargs):
        status, headers, body = original(**kwargs)
        return status, headers, body.replace(b"NOTPAY", b"SUCCESS")

    monkeypatch.setattr(gateway, "_send", tampered)

    with pytest.raises(PaymentProviderUnavailable) as refused:
        gateway.query(out_trade_no="T5W01")

    assert refused.value.reason == "answer_bad_signature"


@pytest.mark.django_db
def test_missing_keys_make_the_provider_unavailable_not_a_crash(settings, tmp_path):
    settings.PAYMENT_KEYS_DIR = tmp_path / "none"
    from apps.payments.gateways.keys import payment_keys_cache_clear

    payment_keys_cache_clear()

    with pytest.raises(PaymentProviderUnavailable) as refused:
        WechatPayGateway().create_payment(out_trade_no="T4W01", amount=Decimal("1.00"), subject="s", return_url="")

    assert refused.value.reason == "keys_missing"


# --- keys ---------------------------------------------------------------------------------


def test_payment_keys_command_writes_private_files_once(tmp_path):
    from django.core.management import call_command

    directory = tmp_path / "keys"

    call_command("payment_keys", dir=str(directory), verbosity=0)
    first = {name: (directory / name).read_bytes() for name in key_files()}
    call_command("payment_keys", dir=str(directory), verbosity=0)

    assert sorted(os.listdir(directory)) == sorted(key_files())
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for name in key_files():
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o600, name
        assert (directory / name).read_bytes() == first[name], f"{name} was rewritten"
    assert len(first["wechat_apiv3.key"]) == 32
    # each public file is the public half of its private file
    for pair in ("alipay_app", "alipay_platform", "wechat_merchant", "wechat_platform"):
        assert crypto.rsa_public_pem(first[f"{pair}_private.pem"]) == first[f"{pair}_public.pem"]


def test_payment_keys_command_completes_a_half_written_folder(tmp_path):
    keys_generate(tmp_path)
    (tmp_path / "wechat_apiv3.key").unlink()
    (tmp_path / "alipay_app_public.pem").unlink()
    kept = (tmp_path / "alipay_app_private.pem").read_bytes()

    written = keys_generate(tmp_path)

    assert sorted(written) == ["alipay_app_public.pem", "wechat_apiv3.key"]
    assert (tmp_path / "alipay_app_private.pem").read_bytes() == kept
    assert crypto.rsa_public_pem(kept) == (tmp_path / "alipay_app_public.pem").read_bytes()


@pytest.mark.django_db
def test_seed_demo_makes_the_payment_keys(settings, tmp_path):
    from io import StringIO

    from apps.payments import demo

    settings.PAYMENT_KEYS_DIR = tmp_path / "demo-keys"

    out = StringIO()
    notes = demo.seed(stdout=out, verbosity=2)

    assert sorted(os.listdir(settings.PAYMENT_KEYS_DIR)) == sorted(key_files())
    assert notes == []
    assert out.getvalue().startswith(f"Payment keys written to {settings.PAYMENT_KEYS_DIR}: ")


def test_sandbox_notifications_are_signed_as_the_gateway_expects():
    # the sandbox's own notification builders (not the test helpers) round-trip through the gateways
    trade = SandboxTrade(
        provider="alipay",
        merchant_id="2021000000000001",
        out_trade_no="T3A01",
        trade_no="2088T3",
        amount=Decimal("12.30"),
        subject="s",
        status=SandboxTrade.Status.SUCCEEDED,
        paid_at=PAID_AT,
        created_at=PAID_AT,
    )
    _, alipay_body = alipay_server.notification(trade)
    trade.provider, trade.app_id, trade.merchant_id = "wechat", "wx8888888888888888", "1900000001"
    from apps.payments.sandbox import wechat as wechat_server

    wechat_headers, wechat_body = wechat_server.notification(trade)

    from_alipay = AlipayGateway().verify_notification(headers={}, body=alipay_body)
    from_wechat = WechatPayGateway().verify_notification(headers=wechat_headers, body=wechat_body)
    assert (from_alipay.out_trade_no, from_alipay.amount, from_alipay.succeeded) == ("T3A01", Decimal("12.30"), True)
    assert (from_wechat.out_trade_no, from_wechat.amount, from_wechat.succeeded) == ("T3A01", Decimal("12.30"), True)
