"""The refunds back office: read-only, approve / reject by action, create through the service."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages

from apps.accounts.tests.factories import UserFactory
from apps.payments.models import Refund
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = pytest.mark.django_db

REFUNDS = "/admin/payments/refund/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def finance(client):
    """A staff member in the Finance role, signed in to the back office."""
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    client.force_login(user)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _requested(amount: str = "10.00", **kwargs) -> Refund:
    order, _payment = paid_order(**kwargs)
    return services.refund_request(order_number=order.number, user=order.user, amount=Decimal(amount), reason="x")


def test_the_roles_hold_the_refund_permissions():
    def codenames(role):
        return set(
            Permission.objects.filter(group__name=role, content_type__app_label="payments")
            .filter(codename__endswith="refund")
            .values_list("codename", flat=True)
        )

    assert codenames("Finance") == {"view_refund", "add_refund", "approve_refund"}
    assert codenames("Customer Service") == {"view_refund"}
    assert codenames("Operations") == set()


def test_finance_lists_refunds_filtered_by_status(client, finance, fake_gateway):
    waiting = _requested()
    done = _requested()
    services.refund_approve(refund_id=done.pk, staff=finance)

    response = client.get(REFUNDS, {"status__exact": "requested"})

    assert response.status_code == 200
    assert waiting.out_refund_no in response.text
    assert done.out_refund_no not in response.text
    assert "Approve and refund" in response.text


def test_a_refund_page_is_read_only(client, finance, fake_gateway):
    refund = _requested()

    page = client.get(f"{REFUNDS}{refund.pk}/change/")
    posted = client.post(f"{REFUNDS}{refund.pk}/change/", {"amount": "1.00", "status": "succeeded"})
    deleted = client.post(f"{REFUNDS}{refund.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert 'name="amount"' not in page.text
    assert posted.status_code == 403
    assert deleted.status_code == 403
    refund.refresh_from_db()
    assert (refund.amount, refund.status) == (Decimal("10.00"), Refund.Status.REQUESTED)


def test_approve_and_refund_sends_the_selected_requests_and_logs_who(client, finance, fake_gateway, caplog):
    # given two requests, one rejected already
    first, second = _requested("10.00"), _requested("20.00")
    services.refund_reject(refund_id=second.pk, staff=finance)

    # when Finance approves both
    with caplog.at_level("INFO", logger="shop.business"):
        response = client.post(
            REFUNDS, {"action": "approve_and_refund", "_selected_action": [first.pk, second.pk]}, follow=True
        )

    # then the waiting one is refunded, the rejected one skipped
    first.refresh_from_db()
    assert (first.status, first.approved_by) == (Refund.Status.SUCCEEDED, finance)
    assert Refund.objects.get(pk=second.pk).status == Refund.Status.REJECTED
    assert "Refunded 1 refund." in _messages(response)
    assert any(second.out_refund_no in m and "Skipped 1 refund" in m for m in _messages(response))
    # and the admin log and the business log name the staff member
    entry = LogEntry.objects.get(object_id=str(first.pk))
    assert (entry.user, entry.action_flag) == (finance, CHANGE)
    assert any(
        r.getMessage().startswith("refund_approved") and f"staff_user_id={finance.pk}" in r.getMessage()
        for r in caplog.records
    )


def test_a_refund_the_provider_refuses_is_reported(client, finance, fake_gateway):
    refund = _requested()
    fake_gateway.answer = "fail"

    response = client.post(REFUNDS, {"action": "approve_and_refund", "_selected_action": [refund.pk]}, follow=True)

    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.FAILED
    assert any("refused by the provider: TRADE_HAS_CLOSE" in m for m in _messages(response))


def test_reject_asks_for_a_note_then_rejects(client, finance, fake_gateway):
    refund = _requested()
    selected = {"action": "reject", "_selected_action": [refund.pk]}

    asked = client.post(REFUNDS, selected)
    done = client.post(REFUNDS, {**selected, "apply": "1", "note": "Used item"}, follow=True)

    assert asked.status_code == 200
    assert "Reject refund requests" in asked.text
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == (Refund.Status.REJECTED, "Used item")
    assert "Rejected 1 refund." in _messages(done)
    assert LogEntry.objects.filter(object_id=str(refund.pk), user=finance, action_flag=CHANGE).exists()
    assert fake_gateway.calls == []


def test_finance_creates_a_refund_that_goes_out_at_once(client, finance, fake_gateway):
    # given a shipped order
    order, _payment = paid_order(status="shipped")

    # when Finance refunds 25.00 of it in the back office
    form = client.get(f"{REFUNDS}add/", {"order_number": order.number})
    response = client.post(
        f"{REFUNDS}add/",
        {"order_number": order.number, "amount": "25.00", "reason": "late", "return_goods": "on"},
        follow=True,
    )

    # then the form was pre-filled, and the refund went to the provider and succeeded
    assert form.status_code == 200
    assert f'value="{order.number}"' in form.text
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.return_goods) == (Decimal("25.00"), Refund.Status.SUCCEEDED, True)
    assert (refund.requested_by, refund.approved_by) == (order.user, finance)
    assert response.redirect_chain[-1][0] == f"{REFUNDS}{refund.pk}/change/"
    assert LogEntry.objects.filter(object_id=str(refund.pk), user=finance, action_flag=ADDITION).exists()


def test_creating_more_than_is_left_shows_the_error_in_the_form(client, finance, fake_gateway):
    order, _payment = paid_order()

    response = client.post(f"{REFUNDS}add/", {"order_number": order.number, "amount": "500.00", "reason": "x"})

    assert response.status_code == 200
    assert "more than what is left to refund" in response.text
    assert not Refund.objects.exists()


def test_an_unknown_order_shows_not_found_in_the_form(client, finance, fake_gateway):
    response = client.post(f"{REFUNDS}add/", {"order_number": "nope", "amount": "5.00", "reason": "x"})

    assert response.status_code == 200
    assert "Not found." in response.text


def test_staff_without_the_approval_permission_can_only_look(client, fake_gateway):
    # given a Customer Service member (view only)
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Customer Service"))
    client.force_login(user)
    refund = _requested()

    listed = client.get(REFUNDS)
    approve = client.post(REFUNDS, {"action": "approve_and_refund", "_selected_action": [refund.pk]})
    add = client.get(f"{REFUNDS}add/")

    assert listed.status_code == 200
    assert "Approve and refund" not in listed.text
    assert approve.status_code in (200, 302)  # Django answers "no action selected"
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.REQUESTED
    assert add.status_code == 403
    assert fake_gateway.calls == []


def test_finance_filters_refunds_by_date(client, finance, fake_gateway):
    # given a refund from March and one from today
    old, new = _requested(), _requested()
    Refund.objects.filter(pk=old.pk).update(created_at=datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))

    # when the list is narrowed to March
    response = client.get(REFUNDS, {"created_at__range__gte": "2026-03-01", "created_at__range__lte": "2026-03-31"})

    # then only the March refund is listed
    assert response.status_code == 200
    assert old.out_refund_no in response.text
    assert new.out_refund_no not in response.text
