"""The back office shows payments and the raw notifications read-only, with filters."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.payments.models import Payment, PaymentNotification
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    alipay_params,
    payment_keys_dir,
    post_alipay,
    unpaid_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]

PAYMENTS = "/admin/payments/payment/"
NOTIFICATIONS = "/admin/payments/paymentnotification/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _paid_payment(provider: str = "alipay") -> Payment:
    user = UserFactory()
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider=provider).payment
    if provider == "alipay":
        post_alipay(Client(), alipay_params(out_trade_no=payment.out_trade_no, amount=str(payment.amount)))
    return payment


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_payment_list_takes_as_many_queries_for_many_as_for_few(admin_client):
    _paid_payment()
    few = _queries(admin_client, PAYMENTS)

    for provider in ["alipay", "wechat"] * 6:
        _paid_payment(provider)
    many = _queries(admin_client, PAYMENTS)

    assert many == few
    assert len(admin_client.get(PAYMENTS).context["cl"].result_list) == 13


def test_the_notification_list_takes_as_many_queries_for_many_as_for_few(admin_client):
    _paid_payment()
    post_alipay(Client(), {"forged": "1"})
    few = _queries(admin_client, NOTIFICATIONS)

    for _ in range(6):
        _paid_payment()
        post_alipay(Client(), {"forged": "1"})
    many = _queries(admin_client, NOTIFICATIONS)

    assert many == few
    assert PaymentNotification.objects.count() == 14


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"provider__exact": "wechat"}, ["wechat"]),
        ({"status__exact": "succeeded"}, ["alipay"]),
        ({}, ["wechat", "alipay"]),
    ],
)
def test_the_payment_list_filters_by_provider_and_status(admin_client, query, expected):
    _paid_payment("alipay")
    _paid_payment("wechat")  # stays pending

    response = admin_client.get(PAYMENTS, query)

    assert [payment.provider for payment in response.context["cl"].result_list] == expected


def test_the_payment_list_filters_by_date(admin_client):
    payment = _paid_payment()
    day = timezone.localtime(payment.created_at).date()  # the shop's time zone, as the filter reads it

    inside = admin_client.get(PAYMENTS, {"created_at__range__gte": day.isoformat()})
    outside = admin_client.get(PAYMENTS, {"created_at__range__lte": "2020-01-01"})

    assert list(inside.context["cl"].result_list) == [payment]
    assert list(outside.context["cl"].result_list) == []


def test_a_payment_shows_its_notifications_and_nothing_can_be_changed(admin_client):
    payment = _paid_payment()

    page = admin_client.get(f"{PAYMENTS}{payment.pk}/change/")
    html = page.content.decode()

    assert page.status_code == 200
    assert payment.out_trade_no in html
    assert "accepted" in html  # the notification inline
    assert 'name="_save"' not in html
    assert admin_client.post(f"{PAYMENTS}{payment.pk}/change/", {"status": "failed"}).status_code == 403
    assert admin_client.get(f"{PAYMENTS}add/").status_code == 403
    assert admin_client.post(f"{PAYMENTS}{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_refused_notifications_are_listed_with_their_reason(admin_client):
    post_alipay(Client(), {"out_trade_no": "X1", "sign_type": "RSA2", "sign": "forged"})

    response = admin_client.get(NOTIFICATIONS, {"outcome__exact": "rejected"})

    notification = PaymentNotification.objects.get()
    assert list(response.context["cl"].result_list) == [notification]
    assert (notification.reason, notification.out_trade_no) == ("bad_signature", "X1")
    assert admin_client.get(f"{NOTIFICATIONS}{notification.pk}/change/").status_code == 200


def test_staff_with_the_view_permission_may_look_but_not_touch(client):
    payment = _paid_payment()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="payments", codename__in=["view_payment"])
    )
    client.force_login(staff)

    page = client.get(f"{PAYMENTS}{payment.pk}/change/")

    assert page.status_code == 200
    assert "accepted" in page.content.decode()  # the notifications come with the payment
    assert client.get(NOTIFICATIONS).status_code == 403  # their own list needs their own permission
