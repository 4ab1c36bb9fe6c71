"""The refund cap under real concurrency: threads with their own PostgreSQL connections.
SQLite serialises writers, so it cannot show the race.

20 threads at once (one connection each, closed when the thread ends), well under the
shared server's max_connections.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from apps.accounts.tests.factories import UserFactory
from apps.core.models import OutboxMessage
from apps.payments.domain.exceptions import RefundExceedsPaid
from apps.payments.domain.status import OPEN_OR_DONE_REFUNDS
from apps.payments.models import Payment, Refund
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 20
TEN = Decimal("10.00")


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def _race(work) -> list:
    """Run work(0) .. work(THREADS - 1) on THREADS threads that start together; one outcome
    each: work's result, "exceeds", or the repr of any other exception."""
    start = threading.Barrier(THREADS)
    outcomes: list = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            start.wait(timeout=30)
            try:
                outcome = work(n)
            except RefundExceedsPaid:
                outcome = "exceeds"
            except Exception as exc:  # anything else is a failure the assertions must show
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return outcomes


def _payment_of_100():
    order, payment = paid_order(lines=((("90.00", 5), 1),))  # 90.00 and 10.00 shipping
    assert payment.amount == Decimal("100.00")
    return order, payment


def _held_by_refunds(payment: Payment) -> Decimal:
    return Refund.objects.filter(payment=payment, status__in=OPEN_OR_DONE_REFUNDS).aggregate(s=Sum("amount"))["s"]


def test_twenty_customer_requests_of_ten_on_a_100_payment_hold_exactly_100(fake_gateway):
    # given a payment of 100.00
    order, payment = _payment_of_100()

    # when 20 requests for 10.00 arrive at once
    outcomes = _race(
        lambda n: (
            services.refund_request(
                order_number=order.number, user=order.user, amount=TEN, reason=f"request {n}"
            ).status
        )
    )

    # then exactly 10 are held and the other 10 are told it is more than is left
    assert sorted(outcomes) == ["exceeds"] * 10 + ["requested"] * 10
    payment.refresh_from_db()
    assert (payment.refund_held, payment.refunded) == (Decimal("100.00"), Decimal("0.00"))
    assert _held_by_refunds(payment) == Decimal("100.00")


def test_twenty_staff_refunds_of_ten_on_a_100_payment_refund_exactly_100(fake_gateway):
    # given a payment of 100.00
    order, payment = _payment_of_100()
    staff = UserFactory(is_staff=True)

    # when 20 staff refunds of 10.00 go out at once, each through the provider
    outcomes = _race(
        lambda n: (
            services.refund_create_by_staff(
                order_number=order.number, amount=TEN, reason=f"refund {n}", staff=staff
            ).status
        )
    )

    # then exactly 10 were refunded: 100.00, never more
    assert sorted(outcomes) == ["exceeds"] * 10 + ["succeeded"] * 10
    payment.refresh_from_db()
    assert (payment.refund_held, payment.refunded) == (Decimal("100.00"), Decimal("100.00"))
    succeeded = Refund.objects.filter(payment=payment, status=Refund.Status.SUCCEEDED)
    assert succeeded.aggregate(s=Sum("amount"))["s"] == Decimal("100.00")
    assert len(fake_gateway.calls) == 10


def test_approving_the_same_requests_twice_at_once_refunds_each_once(fake_gateway):
    # given 10 requests of 10.00 holding all of a 100.00 payment
    order, payment = _payment_of_100()
    refunds = [
        services.refund_request(order_number=order.number, user=order.user, amount=TEN, reason=f"r{n}")
        for n in range(10)
    ]
    staff = UserFactory(is_staff=True)

    # when two staff members approve every one of them at the same moment (20 approvals)
    outcomes = _race(lambda n: services.refund_approve(refund_id=refunds[n % 10].pk, staff=staff).status)

    # then each approval either refunded or found the refund decided by the other one
    late = "RefundNotAllowed('The refund cannot change to that status now.')"
    assert set(outcomes) <= {"succeeded", late}
    assert outcomes.count("succeeded") >= 10
    # and every refund succeeded once: the payment is refunded exactly in full, one event each
    payment.refresh_from_db()
    assert (payment.refund_held, payment.refunded) == (Decimal("100.00"), Decimal("100.00"))
    assert set(Refund.objects.values_list("status", flat=True)) == {Refund.Status.SUCCEEDED}
    assert OutboxMessage.objects.filter(topic="payments.refund_succeeded.v1").count() == 10
