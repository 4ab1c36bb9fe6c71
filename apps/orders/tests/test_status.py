import pytest

from apps.orders.domain.status import TRANSITIONS, IllegalTransition, OrderStatus, can_transition, ensure_transition

S = OrderStatus
ALLOWED = {
    (S.PENDING_PAYMENT, S.PAID),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.PAID, S.SHIPPED),
    (S.PAID, S.REFUNDED),
    (S.PAID, S.PARTIALLY_REFUNDED),
    (S.SHIPPED, S.COMPLETED),
    (S.SHIPPED, S.REFUNDED),
    (S.SHIPPED, S.PARTIALLY_REFUNDED),
    (S.COMPLETED, S.REFUNDED),
    (S.COMPLETED, S.PARTIALLY_REFUNDED),
    # a partly refunded order still ships and completes, and may be refunded again
    (S.PARTIALLY_REFUNDED, S.SHIPPED),
    (S.PARTIALLY_REFUNDED, S.COMPLETED),
    (S.PARTIALLY_REFUNDED, S.PARTIALLY_REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
}
EVERY_PAIR = [(current, target) for current in S for target in S]


def test_the_table_holds_exactly_the_designed_transitions():
    table = {(current, target) for current, targets in TRANSITIONS.items() for target in targets}

    assert table == ALLOWED
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_an_allowed_transition_passes(current, target):
    ensure_transition(current, target)

    assert can_transition(current.value, target.value) is True


@pytest.mark.parametrize(("current", "target"), [pair for pair in EVERY_PAIR if pair not in ALLOWED])
def test_every_other_transition_is_refused_with_409(current, target):
    with pytest.raises(IllegalTransition) as caught:
        ensure_transition(current, target)

    assert caught.value.code == "illegal_transition"
    assert caught.value.http_status == 409
    assert (caught.value.current, caught.value.target) == (current, target)


def test_the_values_are_the_stored_strings():
    assert [status.value for status in S] == [
        "pending_payment",
        "paid",
        "shipped",
        "completed",
        "cancelled",
        "refunded",
        "partially_refunded",
    ]
