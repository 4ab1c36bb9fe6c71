"""POST/GET /api/v1/payments/: a payment only for one's own unpaid order, for its total."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders import services as order_services
from apps.payments.models import Payment, SandboxTrade
from apps.payments.sandbox import trades
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]

URL = "/api/v1/payments/"


def test_creating_a_payment_returns_it_with_its_cashier(auth_client, user):
    # given an order of 2 x 49.50 plus 10.00 shipping
    order = unpaid_order(user, price="49.50", quantity=2)

    # when
    response = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    # then a pending payment for the order's total, with a cashier at the (simulated) provider
    assert response.status_code == 201
    body = response.json()
    assert body["out_trade_no"] == f"{order.number}A01"
    assert {k: body[k] for k in ("order", "provider", "amount", "status", "provider_trade_no", "paid_at")} == {
        "order": order.number,
        "provider": "alipay",
        "amount": "109.00",
        "status": "pending",
        "provider_trade_no": "",
        "paid_at": None,
    }
    trade = SandboxTrade.objects.get(out_trade_no=body["out_trade_no"])
    assert body["cashier_url"] == f"http://127.0.0.1:8000/payments/sandbox/{order.number}A01/?t={trade.token}"
    assert (trade.amount, trade.status) == (Decimal("109.00"), "pending")
    assert trade.notify_url == "http://127.0.0.1:8000/api/v1/payments/notify/alipay/"
    assert trade.return_url == f"http://127.0.0.1:8000/payments/return/{order.number}A01/"


def test_a_wechat_cashier_carries_the_return_address(auth_client, user):
    order = unpaid_order(user)

    response = auth_client.post(URL, {"order": order.number, "provider": "wechat"}, format="json")

    assert response.status_code == 201
    assert response.json()["out_trade_no"] == f"{order.number}W01"
    assert response.json()["cashier_url"].endswith(
        f"&redirect_url=http%3A%2F%2F127.0.0.1%3A8000%2Fpayments%2Freturn%2F{order.number}W01%2F"
    )


def test_asking_again_while_pending_returns_the_same_payment(auth_client, user):
    order = unpaid_order(user)
    first = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    again = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")
    other_provider = auth_client.post(URL, {"order": order.number, "provider": "wechat"}, format="json")

    assert (first.status_code, again.status_code, other_provider.status_code) == (201, 200, 201)
    assert again.json()["out_trade_no"] == first.json()["out_trade_no"]
    assert again.json()["cashier_url"] == first.json()["cashier_url"]
    assert other_provider.json()["out_trade_no"] == f"{order.number}W01"
    assert Payment.objects.count() == 2


def test_a_pending_payment_that_failed_at_the_provider_is_replaced(auth_client, user):
    # given a WeChat payment whose trade failed at the cashier (WeChat sends no notification for that)
    order = unpaid_order(user)
    first = auth_client.post(URL, {"order": order.number, "provider": "wechat"}, format="json").json()
    trade = SandboxTrade.objects.get(out_trade_no=first["out_trade_no"])
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=False)

    # when the customer asks to pay again
    again = auth_client.post(URL, {"order": order.number, "provider": "wechat"}, format="json")

    # then the old payment is settled as failed and a new one starts
    assert again.status_code == 201
    assert again.json()["out_trade_no"] == f"{order.number}W02"
    assert Payment.objects.get(out_trade_no=first["out_trade_no"]).status == "failed"


def test_a_pending_payment_paid_meanwhile_is_settled_and_not_repeated(
    auth_client, user, eager_celery, django_capture_on_commit_callbacks
):
    # given an Alipay trade paid whose notification has not arrived yet
    order = unpaid_order(user)
    first = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json").json()
    trade = SandboxTrade.objects.get(out_trade_no=first["out_trade_no"])
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=True)

    # when the customer presses Pay again
    with django_capture_on_commit_callbacks(execute=True):
        again = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    # then the shop asked Alipay, learnt it is paid, and sends the customer to the return page
    assert again.status_code == 200
    assert again.json()["status"] == "succeeded"
    assert again.json()["cashier_url"].endswith(f"/payments/return/{first['out_trade_no']}/")
    order.refresh_from_db()
    assert order.status == "paid"
    assert Payment.objects.count() == 1


def test_another_customers_order_is_not_found(auth_client, other_user):
    order = unpaid_order(other_user)

    response = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert not Payment.objects.exists()


def test_an_unknown_order_is_not_found(auth_client, user):
    response = auth_client.post(URL, {"order": "2026010199999999", "provider": "alipay"}, format="json")

    assert (response.status_code, response.json()["code"]) == (404, "order_not_found")


@pytest.mark.parametrize("status", ["paid", "cancelled"])
def test_an_order_that_is_not_waiting_for_payment_cannot_be_paid(auth_client, user, status):
    order = unpaid_order(user)
    if status == "paid":
        order_services.order_mark_paid(order_number=order.number, amount=order.total, provider="alipay")
    else:
        order_services.order_cancel(order=order)

    response = auth_client.post(URL, {"order": order.number, "provider": "wechat"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_payable"
    assert not Payment.objects.exists()


def test_an_order_with_nothing_to_pay_is_refused(auth_client, user):
    from apps.orders.models import Order

    order = unpaid_order(user)
    Order.objects.filter(pk=order.pk).update(total=0)  # discounts that covered everything

    response = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "nothing_to_pay")
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order": "1", "provider": "paypal"}, "provider"),
        ({"provider": "alipay"}, "order"),
        ({"order": "1", "provider": "alipay", "amount": "0.01"}, "amount"),
    ],
)
def test_bad_input_is_a_400(auth_client, body, field):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_payments_need_a_signed_in_customer(api_client):
    assert api_client.post(URL, {"order": "1", "provider": "alipay"}, format="json").status_code == 401
    assert api_client.get(URL).status_code == 401


def test_a_provider_that_cannot_be_reached_is_a_502(auth_client, user, settings, tmp_path):
    from apps.payments.gateways.keys import payment_keys_cache_clear

    order = unpaid_order(user)
    settings.PAYMENT_KEYS_DIR = tmp_path / "missing"
    payment_keys_cache_clear()

    response = auth_client.post(URL, {"order": order.number, "provider": "alipay"}, format="json")

    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_unavailable"


def test_one_payment_is_retrieved_by_its_owner_only(auth_client, api_client, user, other_user):
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay").payment
    theirs = services.payment_create(
        user=other_user, order_number=unpaid_order(other_user).number, provider="alipay"
    ).payment

    mine = auth_client.get(f"{URL}{payment.out_trade_no}/")
    not_mine = auth_client.get(f"{URL}{theirs.out_trade_no}/")

    assert mine.status_code == 200
    assert mine.json()["out_trade_no"] == payment.out_trade_no
    assert "cashier_url" not in mine.json()
    assert (not_mine.status_code, not_mine.json()["code"]) == (404, "not_found")


def test_the_list_shows_my_payments_in_a_constant_number_of_queries(auth_client, user, other_user):
    def make(count, owner):
        for _ in range(count):
            services.payment_create(user=owner, order_number=unpaid_order(owner).number, provider="alipay")

    make(2, user)
    make(1, other_user)
    with CaptureQueriesContext(connection) as few:
        small = auth_client.get(URL)
    make(6, user)
    with CaptureQueriesContext(connection) as many:
        large = auth_client.get(URL)

    assert small.json()["count"] == 2
    assert large.json()["count"] == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_filters_by_order(auth_client, user, django_assert_num_queries):
    order = unpaid_order(user)
    services.payment_create(user=user, order_number=order.number, provider="alipay")
    services.payment_create(user=user, order_number=order.number, provider="wechat")
    services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")

    with django_assert_num_queries(3):  # the user (JWT), the count, the page
        response = auth_client.get(URL, {"order": order.number})

    assert sorted(p["out_trade_no"] for p in response.json()["results"]) == [
        f"{order.number}A01",
        f"{order.number}W01",
    ]
