"""Refunds: a customer asks, staff approve, reject or create one, the provider answers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.core.models import OutboxMessage
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.domain import exceptions
from apps.payments.models import Payment, Refund
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = pytest.mark.django_db

REFUND_SUCCEEDED = "payments.refund_succeeded.v1"


def _held(payment: Payment) -> tuple[Decimal, Decimal]:
    payment.refresh_from_db()
    return payment.refund_held, payment.refunded


def _events() -> list[dict]:
    return list(OutboxMessage.objects.filter(topic=REFUND_SUCCEEDED).order_by("id").values_list("payload", flat=True))


# --- A customer asks ---------------------------------------------------------------------------


def test_a_customer_request_holds_its_amount_and_waits_for_staff(fake_gateway):
    # given a paid order of 109.00 (99.00 and 10.00 shipping)
    order, payment = paid_order()
    assert payment.amount == Decimal("109.00")

    # when its customer asks for 12.30 back
    refund = services.refund_request(
        order_number=order.number, user=order.user, amount=Decimal("12.30"), reason="  scratched lid  "
    )

    # then the refund waits for staff, holding 12.30 of the payment; nothing went to the provider
    assert (refund.status, refund.amount, refund.reason) == (Refund.Status.REQUESTED, Decimal("12.30"), "scratched lid")
    assert (refund.requested_by, refund.approved_by, refund.approved_at) == (order.user, None, None)
    assert (refund.payment, refund.order_number, refund.return_goods, refund.lines) == (
        payment,
        order.number,
        False,
        [],
    )
    assert refund.out_refund_no.startswith("R")
    assert len(refund.out_refund_no) == 19
    assert _held(payment) == (Decimal("12.30"), Decimal("0.00"))
    assert fake_gateway.calls == []
    assert _events() == []
    assert services.refundable_amount(order_number=order.number) == Decimal("96.70")


def test_a_request_above_what_is_left_is_refused_and_changes_nothing(fake_gateway):
    # given a 109.00 payment with 100.00 held by a first request
    order, payment = paid_order()
    services.refund_request(order_number=order.number, user=order.user, amount=Decimal("100.00"), reason="broken")

    # when the customer asks for 9.01 more
    with pytest.raises(exceptions.RefundExceedsPaid) as caught:
        services.refund_request(order_number=order.number, user=order.user, amount=Decimal("9.01"), reason="more")

    # then it is a 409 that says what is left, and only the first refund exists
    assert (caught.value.code, caught.value.http_status, caught.value.refundable) == (
        "refund_exceeds_paid",
        409,
        Decimal("9.00"),
    )
    assert Refund.objects.count() == 1
    assert _held(payment) == (Decimal("100.00"), Decimal("0.00"))
    # and exactly what is left is still fine
    services.refund_request(order_number=order.number, user=order.user, amount=Decimal("9.00"), reason="rest")
    assert _held(payment) == (Decimal("109.00"), Decimal("0.00"))


@pytest.mark.parametrize("amount", ["0", "0.00", "-1.00", "1.001", "NaN", "Infinity", "1E+40"])
def test_an_amount_that_is_not_whole_fen_above_zero_is_refused(fake_gateway, amount):
    order, payment = paid_order()

    with pytest.raises(exceptions.InvalidRefundAmount):
        services.refund_request(order_number=order.number, user=order.user, amount=Decimal(amount), reason="x")

    assert Refund.objects.count() == 0
    assert _held(payment) == (Decimal("0.00"), Decimal("0.00"))


def test_a_float_amount_is_a_programming_error(fake_gateway):
    order, _payment = paid_order()

    with pytest.raises(TypeError):
        services.refund_request(order_number=order.number, user=order.user, amount=1.5, reason="x")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_refund_needs_a_reason_of_at_most_200_characters(fake_gateway, reason):
    order, _payment = paid_order()

    with pytest.raises(exceptions.InvalidRefundReason):
        services.refund_request(order_number=order.number, user=order.user, amount=Decimal("1.00"), reason=reason)

    assert Refund.objects.count() == 0


def test_an_unpaid_or_cancelled_order_is_not_refundable(fake_gateway, user):
    # given an unpaid order and a cancelled one
    address = AddressFactory(user=user)
    sku = sku_in_stock(price="50.00", units=5)
    unpaid = order_services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    cancelled = order_services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    order_services.order_cancel(order=cancelled)

    # when the customer asks for money back on either, then it is refused with a 409
    for order in (unpaid, cancelled):
        with pytest.raises(exceptions.OrderNotRefundable) as caught:
            services.refund_request(order_number=order.number, user=user, amount=Decimal("1.00"), reason="x")
        assert (caught.value.code, caught.value.http_status) == ("order_not_refundable", 409)
    assert Refund.objects.count() == 0


def test_someone_elses_order_is_not_found(fake_gateway, other_user):
    order, payment = paid_order()

    with pytest.raises(exceptions.OrderNotFound) as caught:
        services.refund_request(order_number=order.number, user=other_user, amount=Decimal("1.00"), reason="x")

    assert (caught.value.code, caught.value.http_status) == ("not_found", 404)
    assert _held(payment) == (Decimal("0.00"), Decimal("0.00"))


def test_an_order_refunded_in_full_takes_no_more_requests(fake_gateway):
    order, _payment = paid_order()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)

    with pytest.raises(exceptions.OrderNotRefundable):
        services.refund_request(order_number=order.number, user=order.user, amount=Decimal("1.00"), reason="x")


# --- Staff approve or reject ---------------------------------------------------------------------


def test_approving_sends_the_refund_to_the_provider_and_publishes_refund_succeeded(fake_gateway):
    # given a request for 12.30 of a 109.00 payment
    order, payment = paid_order(provider="wechat")
    staff = UserFactory(is_staff=True)
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("12.30"), reason="x")

    # when staff approve it
    refund = services.refund_approve(refund_id=refund.pk, staff=staff)

    # then the provider was asked once, for this trade and this refund number
    assert fake_gateway.calls == [
        {
            "out_trade_no": payment.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "amount": Decimal("12.30"),
            "total": Decimal("109.00"),
        }
    ]
    # and the refund succeeded, approved by the staff member
    refund.refresh_from_db()
    assert (refund.status, refund.approved_by, refund.provider_refund_no) == (
        Refund.Status.SUCCEEDED,
        staff,
        "PR000001",
    )
    assert refund.approved_at is not None
    assert refund.succeeded_at is not None
    assert _held(payment) == (Decimal("12.30"), Decimal("12.30"))
    # and one RefundSucceeded says what the other apps need
    assert _events() == [
        {
            "refund_id": refund.pk,
            "payment_id": payment.pk,
            "order_number": order.number,
            "user_id": order.user_id,
            "amount": "12.30",
            "refunded_total": "12.30",
            "fully_refunded": False,
            "return_goods": False,
            "lines": [],
        }
    ]


def test_the_last_refund_says_the_payment_is_fully_refunded(fake_gateway):
    order, payment = paid_order()
    staff = UserFactory(is_staff=True)
    first = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("9.00"), reason="a")
    services.refund_approve(refund_id=first.pk, staff=staff)

    rest = services.refund_create_by_staff(
        order_number=order.number, amount=Decimal("100.00"), reason="b", return_goods=False, staff=staff
    )

    assert rest.status == Refund.Status.SUCCEEDED
    assert _held(payment) == (Decimal("109.00"), Decimal("109.00"))
    assert [(e["amount"], e["refunded_total"], e["fully_refunded"]) for e in _events()] == [
        ("9.00", "9.00", False),
        ("100.00", "109.00", True),
    ]


def test_a_refund_the_provider_refuses_fails_and_frees_its_amount(fake_gateway):
    # given a request for 50.00, and a provider that says no
    order, payment = paid_order()
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("50.00"), reason="x")
    fake_gateway.answer = "fail"

    # when staff approve it
    refund = services.refund_approve(refund_id=refund.pk, staff=UserFactory(is_staff=True))

    # then it failed, with the provider's reason, and holds nothing
    assert (refund.status, refund.failure_reason) == (Refund.Status.FAILED, "TRADE_HAS_CLOSE")
    assert _held(payment) == (Decimal("0.00"), Decimal("0.00"))
    assert _events() == []
    # and the whole payment may be asked for again
    assert services.refundable_amount(order_number=order.number) == Decimal("109.00")


def test_a_provider_out_of_reach_leaves_the_refund_processing_until_it_is_sent_again(fake_gateway):
    # given an approved refund whose provider did not answer
    order, payment = paid_order()
    staff = UserFactory(is_staff=True)
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("20.00"), reason="x")
    fake_gateway.answer = "raise"
    refund = services.refund_approve(refund_id=refund.pk, staff=staff)
    assert refund.status == Refund.Status.PROCESSING
    assert _held(payment) == (Decimal("20.00"), Decimal("0.00"))

    # when it is approved again once the provider is back
    fake_gateway.answer = "succeed"
    refund = services.refund_approve(refund_id=refund.pk, staff=staff)

    # then the same refund number went out twice and refunded once
    assert [call["out_refund_no"] for call in fake_gateway.calls] == [refund.out_refund_no] * 2
    assert refund.status == Refund.Status.SUCCEEDED
    assert _held(payment) == (Decimal("20.00"), Decimal("20.00"))
    assert len(_events()) == 1


def test_the_resend_sweep_sends_refunds_left_processing(fake_gateway):
    # given one refund left processing for ten minutes and one that just went out
    order, payment = paid_order()
    staff = UserFactory(is_staff=True)
    fake_gateway.answer = "raise"
    old = services.refund_create_by_staff(order_number=order.number, amount=Decimal("5.00"), reason="a", staff=staff)
    new = services.refund_create_by_staff(order_number=order.number, amount=Decimal("6.00"), reason="b", staff=staff)
    Refund.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    # when the sweep runs with the provider back
    fake_gateway.answer = "succeed"
    answered = services.refunds_resend_processing()

    # then only the old one was sent again, and it succeeded
    assert answered == 1
    assert Refund.objects.get(pk=old.pk).status == Refund.Status.SUCCEEDED
    assert Refund.objects.get(pk=new.pk).status == Refund.Status.PROCESSING
    assert _held(payment) == (Decimal("11.00"), Decimal("5.00"))


def test_rejecting_frees_the_amount_and_a_decided_refund_cannot_be_approved(fake_gateway):
    # given a request for 30.00
    order, payment = paid_order()
    staff = UserFactory(is_staff=True)
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("30.00"), reason="x")

    # when staff reject it with a note
    refund = services.refund_reject(refund_id=refund.pk, staff=staff, note="Outside the return window")

    # then it holds nothing and keeps the note
    assert (refund.status, refund.failure_reason) == (Refund.Status.REJECTED, "Outside the return window")
    assert _held(payment) == (Decimal("0.00"), Decimal("0.00"))
    # and neither approving nor rejecting it again is allowed
    for decide in (services.refund_approve, services.refund_reject):
        with pytest.raises(exceptions.RefundNotAllowed) as caught:
            decide(refund_id=refund.pk, staff=staff)
        assert (caught.value.code, caught.value.http_status, caught.value.current) == (
            "refund_not_allowed",
            409,
            "rejected",
        )
    assert fake_gateway.calls == []


def test_a_succeeded_refund_cannot_be_rejected(fake_gateway):
    order, _payment = paid_order()
    staff = UserFactory(is_staff=True)
    refund = services.refund_create_by_staff(order_number=order.number, amount=Decimal("5.00"), reason="x", staff=staff)

    with pytest.raises(exceptions.RefundNotAllowed):
        services.refund_reject(refund_id=refund.pk, staff=staff)

    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.SUCCEEDED


def test_staff_create_a_refund_that_goes_out_at_once(fake_gateway):
    # given a shipped order
    order, payment = paid_order(status="shipped")
    staff = UserFactory(is_staff=True)

    # when staff refund 15.00 of it in the back office
    refund = services.refund_create_by_staff(
        order_number=order.number, amount=Decimal("15.00"), reason="late delivery", staff=staff
    )

    # then it is requested by the customer, approved by the staff member and refunded
    assert (refund.requested_by, refund.approved_by, refund.status) == (order.user, staff, Refund.Status.SUCCEEDED)
    assert len(fake_gateway.calls) == 1
    assert _held(payment) == (Decimal("15.00"), Decimal("15.00"))


def test_staff_cannot_refund_more_than_is_left_either(fake_gateway):
    order, payment = paid_order()
    staff = UserFactory(is_staff=True)
    services.refund_request(order_number=order.number, user=order.user, amount=Decimal("100.00"), reason="x")

    with pytest.raises(exceptions.RefundExceedsPaid):
        services.refund_create_by_staff(order_number=order.number, amount=Decimal("10.00"), reason="y", staff=staff)

    assert fake_gateway.calls == []
    assert _held(payment) == (Decimal("100.00"), Decimal("0.00"))


# --- Returned goods ---------------------------------------------------------------------------------


def test_returned_goods_are_every_item_of_the_order_not_returned_yet(fake_gateway):
    # given a shipped order of 2 cups and 1 pot
    order, _payment = paid_order(lines=((("40.00", 5), 2), (("30.00", 5), 1)), status="shipped")
    cup, pot = order.lines.order_by("id")

    # when the customer asks to send the goods back with a partial refund
    first = services.refund_request(
        order_number=order.number, user=order.user, amount=Decimal("50.00"), reason="x", return_goods=True
    )

    # then the refund carries every line to return
    assert (first.return_goods, first.lines) == (
        True,
        [{"sku_id": cup.sku_id, "quantity": 2}, {"sku_id": pot.sku_id, "quantity": 1}],
    )
    # and a second return has nothing left to send back
    with pytest.raises(exceptions.NothingToReturn) as caught:
        services.refund_request(
            order_number=order.number, user=order.user, amount=Decimal("5.00"), reason="y", return_goods=True
        )
    assert (caught.value.code, caught.value.http_status) == ("nothing_to_return", 409)
    # until the first one is rejected: then the items may come back again
    services.refund_reject(refund_id=first.pk, staff=UserFactory(is_staff=True))
    again = services.refund_request(
        order_number=order.number, user=order.user, amount=Decimal("5.00"), reason="y", return_goods=True
    )
    assert again.lines == first.lines


def test_refunding_all_of_an_order_that_never_shipped_puts_its_goods_back(fake_gateway):
    # given a paid order that has not shipped, and a shipped one
    unshipped, _ = paid_order()
    shipped, _ = paid_order(status="shipped")

    # when each is refunded in full without "return goods"
    staff = UserFactory(is_staff=True)
    kept = services.refund_create_by_staff(
        order_number=unshipped.number, amount=unshipped.total, reason="changed my mind", staff=staff
    )
    gone = services.refund_create_by_staff(
        order_number=shipped.number, amount=shipped.total, reason="lost parcel", staff=staff
    )

    # then the unshipped order's units go back on hand (they never left), the shipped one's do not
    line = unshipped.lines.get()
    assert (kept.return_goods, kept.lines) == (True, [{"sku_id": line.sku_id, "quantity": 1}])
    assert (gone.return_goods, gone.lines) == (False, [])


# --- A payment for a cancelled order ------------------------------------------------------------------


def test_a_payment_for_a_cancelled_order_is_refunded_in_full_by_the_system(fake_gateway):
    # given an order cancelled after its window, whose payment came in anyway
    user = UserFactory()
    sku = sku_in_stock(price="88.00", units=3)
    order = order_services.order_place(user=user, lines=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk)
    order_services.order_cancel(order=order, reason=order_services.CANCELLED_BY_TIMEOUT)
    payment = Payment.objects.create(
        order=order,
        order_number=order.number,
        user=user,
        provider="alipay",
        amount=order.total,
        status=Payment.Status.SUCCEEDED,
        out_trade_no="T-late-1",
        paid_at=timezone.now(),
        refund_held=Decimal("0.00"),
        refunded=Decimal("0.00"),
    )

    # when the payments app refunds it, twice (a retried notification)
    refund = services.refund_for_cancelled_order(payment.pk)
    again = services.refund_for_cancelled_order(payment_id=payment.pk)

    # then one refund of the whole payment went out, asked by the customer, approved by nobody
    assert again.pk == refund.pk
    assert Refund.objects.count() == 1
    assert (refund.amount, refund.reason, refund.status) == (order.total, "order cancelled", Refund.Status.SUCCEEDED)
    assert (refund.requested_by, refund.approved_by, refund.return_goods) == (user, None, False)
    assert len(fake_gateway.calls) == 1
    assert _held(payment) == (order.total, order.total)
    assert [e["fully_refunded"] for e in _events()] == [True]


def test_a_payment_that_did_not_succeed_is_not_refunded(fake_gateway):
    _order, payment = paid_order()
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)

    with pytest.raises(exceptions.PaymentNotRefundable):
        services.refund_for_cancelled_order(payment.pk)

    assert Refund.objects.count() == 0


def test_a_second_payment_of_a_paid_order_goes_back_without_touching_the_order(fake_gateway):
    # given an order paid by one payment, and a second payment of it that came in too
    order, kept = paid_order()
    stray = Payment.objects.create(
        order=order,
        order_number=order.number,
        user=order.user,
        provider="wechat",
        amount=order.total,
        status=Payment.Status.SUCCEEDED,
        out_trade_no="T-twice-1",
        paid_at=kept.paid_at - timedelta(seconds=1),  # even if the provider stamped it earlier
        refund_held=Decimal("0.00"),
        refunded=Decimal("0.00"),
    )

    # when the payments app sends the second one back
    refund = services.refund_for_cancelled_order(stray.pk, reason="order paid twice")

    # then it is refunded in full, without RefundSucceeded (the order keeps its status and points)
    assert (refund.status, refund.reason, refund.payment) == (Refund.Status.SUCCEEDED, "order paid twice", stray)
    assert _held(stray) == (order.total, order.total)
    assert _events() == []
    # and the customer's refunds draw on the payment the order kept
    assert services.refund_payment_for_order(order_number=order.number) == kept
    assert services.refundable_amount(order_number=order.number) == order.total
    asked = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("5.00"), reason="x")
    assert asked.payment == kept
