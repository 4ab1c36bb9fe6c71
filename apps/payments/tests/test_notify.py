"""The notify endpoints: verified before anything changes, idempotent, every refusal
stored and logged, and always answered in the provider's own format."""

import json
import logging
from decimal import Decimal

import pytest
from django.test import Client

from apps.core.models import OutboxMessage
from apps.orders.models import Order
from apps.payments.models import Payment, PaymentNotification
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    ALIPAY_NOTIFY,
    ORDER_PAID,
    PAYMENT_SUCCEEDED,
    WECHAT_NOTIFY,
    alipay_params,
    fen,
    payment_keys_dir,
    post_alipay,
    post_wechat,
    unpaid_order,
    wechat_notification,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]


@pytest.fixture
def provider_client():
    """The provider calls without a session or a CSRF token; the check is on, as in production."""
    return Client(enforce_csrf_checks=True)


def _start(user, provider: str, **order) -> Payment:
    order = unpaid_order(user, **order)
    return services.payment_create(user=user, order_number=order.number, provider=provider).payment


def _unchanged(payment: Payment) -> None:
    payment.refresh_from_db()
    assert (payment.status, payment.provider_trade_no, payment.paid_at) == ("pending", "", None)
    assert not OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).exists()
    assert Order.objects.get(number=payment.order_number).status == "pending_payment"


def _stored(**expected) -> None:
    notification = PaymentNotification.objects.get()
    assert {name: getattr(notification, name) for name in expected} == expected


# --- Alipay -------------------------------------------------------------------------------


def test_a_valid_alipay_notification_settles_the_payment(provider_client, user):
    # given a pending Alipay payment of 109.00
    payment = _start(user, "alipay")

    # when Alipay notifies that it was paid
    response = post_alipay(
        provider_client, alipay_params(out_trade_no=payment.out_trade_no, amount="109.00", trade_no="2088A")
    )

    # then the shop answers the plain text "success", the payment succeeded, and one event is out
    assert (response.status_code, response.content, response["Content-Type"]) == (
        200,
        b"success",
        "text/plain; charset=utf-8",
    )
    payment.refresh_from_db()
    assert (payment.status, payment.provider_trade_no) == ("succeeded", "2088A")
    assert payment.paid_at is not None
    event = OutboxMessage.objects.get(topic=PAYMENT_SUCCEEDED)
    assert event.payload == {
        "payment_id": payment.pk,
        "order_number": payment.order_number,
        "user_id": user.pk,
        "provider": "alipay",
        "amount": "109.00",
        "paid_at": payment.paid_at.isoformat(),
    }
    _stored(payment=payment, outcome="accepted", reason="", out_trade_no=payment.out_trade_no, provider="alipay")


def test_one_notification_delivered_five_times_pays_once(
    provider_client, user, eager_celery, django_capture_on_commit_callbacks
):
    payment = _start(user, "alipay")
    params = alipay_params(out_trade_no=payment.out_trade_no, amount="109.00")

    # when Alipay retries the same notification five times (the relay runs after each commit)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post_alipay(provider_client, params).content for _ in range(5)]

    # then every retry is acknowledged, but the money counts once and the order is paid once
    assert answers == [b"success"] * 5
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1
    assert OutboxMessage.objects.filter(topic=ORDER_PAID).count() == 1
    assert Order.objects.get(number=payment.order_number).status == "paid"
    assert list(PaymentNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "duplicate",
        "duplicate",
        "duplicate",
        "duplicate",
    ]


def test_a_forged_alipay_signature_changes_nothing(provider_client, user, caplog):
    payment = _start(user, "alipay")
    params = alipay_params(out_trade_no=payment.out_trade_no, amount="109.00")
    params["sign"] = params["sign"][:-8] + "AAAAAAA="

    with caplog.at_level(logging.INFO, logger="shop.business"):
        response = post_alipay(provider_client, params)

    assert (response.status_code, response.content) == (200, b"failure")
    _unchanged(payment)
    _stored(payment=None, outcome="rejected", reason="bad_signature", out_trade_no=payment.out_trade_no)
    assert any(
        r.getMessage().startswith("payment_notification_rejected") and "reason=bad_signature" in r.getMessage()
        for r in caplog.records
    )


def test_an_amount_changed_after_signing_changes_nothing(provider_client, user):
    payment = _start(user, "alipay")
    params = {**alipay_params(out_trade_no=payment.out_trade_no, amount="109.00"), "total_amount": "0.01"}

    response = post_alipay(provider_client, params)

    assert response.content == b"failure"
    _unchanged(payment)
    _stored(outcome="rejected", reason="bad_signature")


def test_a_signed_notification_with_a_wrong_amount_changes_nothing(provider_client, user, caplog):
    # given a notification Alipay really signed, but for 0.01 instead of 109.00
    payment = _start(user, "alipay")

    with caplog.at_level(logging.INFO, logger="shop.business"):
        response = post_alipay(provider_client, alipay_params(out_trade_no=payment.out_trade_no, amount="0.01"))

    assert response.content == b"failure"
    _unchanged(payment)
    _stored(payment=payment, outcome="rejected", reason="amount_mismatch")
    assert any(
        "payment_notification_rejected" in r.getMessage() and "amount_mismatch" in r.getMessage()
        for r in caplog.records
    )


def test_a_signed_notification_for_another_app_id_changes_nothing(provider_client, user):
    payment = _start(user, "alipay")

    response = post_alipay(
        provider_client,
        alipay_params(out_trade_no=payment.out_trade_no, amount="109.00", app_id="2021000000009999"),
    )

    assert response.content == b"failure"
    _unchanged(payment)
    _stored(outcome="rejected", reason="merchant_mismatch")


def test_a_signed_notification_for_an_unknown_trade_changes_nothing(provider_client, user):
    payment = _start(user, "alipay")

    response = post_alipay(provider_client, alipay_params(out_trade_no="2026010100000000A01", amount="109.00"))

    assert response.content == b"failure"
    _unchanged(payment)
    _stored(payment=None, outcome="rejected", reason="unknown_trade", out_trade_no="2026010100000000A01")


def test_a_notification_for_another_orders_payment_changes_nothing(provider_client, user, other_user):
    # given two pending payments of the same amount, and Alipay's trade of the first one paid
    mine = _start(user, "alipay")
    theirs = _start(other_user, "alipay")
    post_alipay(provider_client, alipay_params(out_trade_no=mine.out_trade_no, amount="109.00", trade_no="2088MINE"))

    # when the (signed) notification of that paid trade arrives naming the other order's payment
    response = post_alipay(
        provider_client, alipay_params(out_trade_no=theirs.out_trade_no, amount="109.00", trade_no="2088MINE")
    )

    # then it is refused: one provider trade pays one payment, never two
    assert response.content == b"failure"
    theirs.refresh_from_db()
    assert (theirs.status, theirs.provider_trade_no) == ("pending", "")
    assert Order.objects.get(number=theirs.order_number).status == "pending_payment"
    events = OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED)
    assert [event.payload["payment_id"] for event in events] == [mine.pk]
    assert PaymentNotification.objects.order_by("-id").values_list("reason", flat=True)[0] == "trade_no_conflict"


def test_a_notification_on_the_wrong_providers_endpoint_changes_nothing(provider_client, user):
    # a WeChat payment's trade number, in a (signed) Alipay notification
    payment = _start(user, "wechat")

    response = post_alipay(provider_client, alipay_params(out_trade_no=payment.out_trade_no, amount="109.00"))

    assert response.content == b"failure"
    _unchanged(payment)
    _stored(outcome="rejected", reason="provider_mismatch")


def test_trade_closed_fails_a_pending_payment(provider_client, user):
    payment = _start(user, "alipay")

    response = post_alipay(
        provider_client,
        alipay_params(out_trade_no=payment.out_trade_no, amount="109.00", trade_status="TRADE_CLOSED"),
    )

    payment.refresh_from_db()
    assert response.content == b"success"
    assert payment.status == "failed"
    assert not OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).exists()


def test_trade_closed_after_success_leaves_the_payment_paid(provider_client, user):
    # Alipay sends TRADE_CLOSED once a paid trade is fully refunded: it is no payment failure.
    payment = _start(user, "alipay")
    post_alipay(provider_client, alipay_params(out_trade_no=payment.out_trade_no, amount="109.00", trade_no="2088A"))

    response = post_alipay(
        provider_client,
        alipay_params(
            out_trade_no=payment.out_trade_no, amount="109.00", trade_no="2088A", trade_status="TRADE_CLOSED"
        ),
    )

    payment.refresh_from_db()
    assert response.content == b"success"
    assert payment.status == "succeeded"
    assert PaymentNotification.objects.order_by("-id").values_list("outcome", "reason")[0] == (
        "duplicate",
        "already_settled",
    )


# --- WeChat Pay ---------------------------------------------------------------------------


def test_a_valid_wechat_notification_settles_the_payment(provider_client, user):
    payment = _start(user, "wechat")
    headers, body = wechat_notification(out_trade_no=payment.out_trade_no, fen=10900, transaction_id="4200W")

    response = post_wechat(provider_client, headers, body)

    assert response.status_code == 200
    assert response.json() == {"code": "SUCCESS"}
    payment.refresh_from_db()
    assert (payment.status, payment.provider_trade_no) == ("succeeded", "4200W")
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1
    notification = PaymentNotification.objects.get()
    assert (notification.outcome, notification.payment) == ("accepted", payment)
    assert notification.headers["Wechatpay-Serial"] == headers["Wechatpay-Serial"]
    assert json.loads(notification.body)["event_type"] == "TRANSACTION.SUCCESS"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc"}, "signature_probe"),
        ({"Wechatpay-Timestamp": "1000000000"}, "stale_timestamp"),
        ({"Wechatpay-Serial": "ABC"}, "unknown_serial"),
        ({"Wechatpay-Nonce": "other"}, "bad_signature"),
    ],
)
def test_wechat_refusals_answer_fail_and_change_nothing(provider_client, user, change, reason):
    payment = _start(user, "wechat")
    headers, body = wechat_notification(out_trade_no=payment.out_trade_no, fen=10900)

    response = post_wechat(provider_client, {**headers, **change}, body)

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "The notification was not accepted."}
    _unchanged(payment)
    _stored(payment=None, outcome="rejected", reason=reason)


def test_a_changed_wechat_body_changes_nothing(provider_client, user):
    payment = _start(user, "wechat")
    headers, body = wechat_notification(out_trade_no=payment.out_trade_no, fen=10900)

    response = post_wechat(provider_client, headers, body.replace(b"encrypt-resource", b"encrypt-resourcE"))

    assert response.status_code == 400
    _unchanged(payment)
    _stored(outcome="rejected", reason="bad_signature")


@pytest.mark.parametrize(
    ("notification", "reason"),
    [
        ({"fen": 1}, "amount_mismatch"),
        ({"mchid": "1900009999"}, "merchant_mismatch"),
        ({"out_trade_no": "2026010100000000W01"}, "unknown_trade"),
    ],
)
def test_signed_wechat_notifications_that_do_not_match_change_nothing(provider_client, user, notification, reason):
    payment = _start(user, "wechat")
    headers, body = wechat_notification(**{"out_trade_no": payment.out_trade_no, "fen": 10900, **notification})

    response = post_wechat(provider_client, headers, body)

    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    _unchanged(payment)
    _stored(outcome="rejected", reason=reason)


def test_the_same_wechat_notification_twice_settles_once(provider_client, user):
    payment = _start(user, "wechat")
    headers, body = wechat_notification(out_trade_no=payment.out_trade_no, fen=fen(payment.amount))

    answers = [post_wechat(provider_client, headers, body).json() for _ in range(2)]

    assert answers == [{"code": "SUCCESS"}, {"code": "SUCCESS"}]
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1


# --- never a 500 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "body", "expected_status", "expected_body"),
    [
        (ALIPAY_NOTIFY, "application/x-www-form-urlencoded", b"\xff\xfe\x00", 200, b"failure"),
        (ALIPAY_NOTIFY, "application/json", b"{}", 200, b"failure"),
        (ALIPAY_NOTIFY, "application/x-www-form-urlencoded", b"out_trade_no=%00A01&sign=x", 200, b"failure"),
        (ALIPAY_NOTIFY, "application/x-www-form-urlencoded", b"x=" + b"a" * 70000, 200, b"failure"),
        (WECHAT_NOTIFY, "application/json", b"{not json", 400, None),
        (WECHAT_NOTIFY, "text/plain", b"hello", 400, None),
        (WECHAT_NOTIFY, "application/json", b"", 400, None),
    ],
)
def test_garbage_gets_the_providers_failure_answer(
    provider_client, path, content_type, body, expected_status, expected_body
):
    response = provider_client.post(path, data=body, content_type=content_type)

    assert response.status_code == expected_status
    if expected_body is not None:
        assert response.content == expected_body
    else:
        assert response.json()["code"] == "FAIL"
    notification = PaymentNotification.objects.get()
    assert notification.outcome == "rejected"
    assert notification.reason


def test_a_get_on_a_notify_endpoint_is_refused_in_the_providers_format(provider_client):
    alipay = provider_client.get(ALIPAY_NOTIFY)
    wechat = provider_client.get(WECHAT_NOTIFY)

    assert (alipay.status_code, alipay.content) == (405, b"failure")
    assert (wechat.status_code, wechat.json()["code"]) == (405, "FAIL")


def test_an_unexpected_error_is_logged_and_answered_in_the_providers_format(provider_client, user, monkeypatch):
    payment = _start(user, "alipay")

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "notification_receive", broken)

    response = post_alipay(provider_client, alipay_params(out_trade_no=payment.out_trade_no, amount="109.00"))

    assert (response.status_code, response.content) == (200, b"failure")
    _unchanged(payment)


def test_notifications_are_throttled_per_address_in_the_providers_format(provider_client, settings):
    settings.PAYMENT_NOTIFY_THROTTLE = "2/min"

    answers = [provider_client.post(WECHAT_NOTIFY, data=b"{}", content_type="application/json") for _ in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert answers[2].json()["code"] == "FAIL"
    assert int(answers[2]["Retry-After"]) > 0
    assert PaymentNotification.objects.count() == 2  # the throttled one never reached the database


def test_the_stored_amount_is_the_orders_total(user):
    payment = _start(user, "alipay", price="88.88", quantity=2)

    assert payment.amount == Decimal("187.76")  # 2 x 88.88 + 10.00 shipping
