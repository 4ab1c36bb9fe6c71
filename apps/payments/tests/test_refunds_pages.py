"""The customer's refund page, linked from the order page."""

from decimal import Decimal

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.payments.models import Refund
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = pytest.mark.django_db


def _page(number: str) -> str:
    return f"/orders/{number}/refunds/"


def test_the_order_page_links_to_its_refunds_once_paid(client, fake_gateway):
    order, _payment = paid_order()
    client.force_login(order.user)

    response = client.get(f"/orders/{order.number}/")

    assert response.status_code == 200
    assert f'href="{_page(order.number)}"' in response.text


def test_a_customer_asks_for_a_refund_on_the_page(client, fake_gateway):
    # given the customer's paid order of 109.00
    order, _payment = paid_order()
    client.force_login(order.user)

    # when they open the page and ask for 20.00 back
    page = client.get(_page(order.number))
    response = client.post(_page(order.number), {"amount": "20.00", "reason": "Wrong colour"}, follow=True)

    # then the page offered up to 109.00, and the request is listed, waiting
    assert page.status_code == 200
    assert "¥109.00" in page.text
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.status) == (Decimal("20.00"), "Wrong colour", Refund.Status.REQUESTED)
    assert response.redirect_chain == [(_page(order.number), 302)]
    assert refund.out_refund_no in response.text
    assert "¥89.00" in response.text
    assert "Your refund request is sent." in response.text


def test_asking_for_more_than_is_left_shows_an_error(client, fake_gateway):
    order, _payment = paid_order()
    client.force_login(order.user)

    response = client.post(_page(order.number), {"amount": "109.01", "reason": "x"})

    assert response.status_code == 200
    assert "At most ¥109.00 is left to refund." in response.text
    assert not Refund.objects.exists()


def test_a_second_return_of_the_same_goods_shows_the_rule_that_said_no(client, fake_gateway):
    # given 100.00 of a 109.00 order held by an earlier request without goods
    order, _payment = paid_order()
    client.force_login(order.user)
    services.refund_request(order_number=order.number, user=order.user, amount=Decimal("100.00"), reason="a")

    # when the customer asks for 5.00 with the goods sent back, then for 1.00 more with the goods
    client.post(_page(order.number), {"amount": "5.00", "reason": "b", "return_goods": "on"})
    response = client.post(_page(order.number), {"amount": "1.00", "reason": "c", "return_goods": "on"})

    # then the second return is refused: every item is on its way back already
    assert response.status_code == 200
    assert "Every item of this order has been returned already." in response.text
    assert Refund.objects.count() == 2


def test_a_fully_refunded_order_shows_its_refunds_and_no_form(client, fake_gateway):
    order, _payment = paid_order()
    client.force_login(order.user)
    services.refund_create_by_staff(
        order_number=order.number, amount=order.total, reason="x", staff=UserFactory(is_staff=True)
    )
    type(order).objects.filter(pk=order.pk).update(status="refunded")

    page = client.get(_page(order.number))
    posted = client.post(_page(order.number), {"amount": "1.00", "reason": "x"}, follow=True)

    assert page.status_code == 200
    assert "Nothing is left to refund on this order." in page.text
    assert 'name="amount"' not in page.text
    assert "This order cannot be refunded." in posted.text
    assert Refund.objects.count() == 1


def test_another_customers_order_is_a_404(client, fake_gateway, other_user):
    order, _payment = paid_order()
    client.force_login(other_user)

    assert client.get(_page(order.number)).status_code == 404
    assert client.post(_page(order.number), {"amount": "1.00", "reason": "x"}).status_code == 404
    assert not Refund.objects.exists()


def test_signing_in_is_required(client, fake_gateway):
    order, _payment = paid_order()

    response = client.get(_page(order.number))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
