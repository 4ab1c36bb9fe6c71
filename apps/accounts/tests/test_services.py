import pytest
from django.db import IntegrityError

from apps.accounts import services
from apps.accounts.domain.exceptions import PointsBalanceTooLow
from apps.accounts.models import Address, PointsEntry
from apps.accounts.selectors import points_balance
from apps.accounts.tests.factories import AddressFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "recipient": "刘洋",
    "phone": "13600000000",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "street": "人民南路 4 段",
    "postcode": "610041",
}


def test_the_first_address_becomes_the_default(user):
    address = services.address_create(user=user, **ADDRESS)

    assert address.is_default is True


def test_making_another_default_moves_the_flag(user):
    first = services.address_create(user=user, **ADDRESS)
    second = services.address_create(user=user, **ADDRESS)

    services.address_set_default(address=second)

    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_deleting_the_default_promotes_the_newest_remaining(user):
    oldest = services.address_create(user=user, **ADDRESS)
    newest = services.address_create(user=user, **ADDRESS)
    services.address_delete(address=oldest)

    newest.refresh_from_db()
    assert newest.is_default is True


def test_the_database_refuses_two_defaults(user):
    AddressFactory(user=user, is_default=True)

    with pytest.raises(IntegrityError):
        Address.objects.create(user=user, is_default=True, **ADDRESS)


def test_address_phone_is_normalised(user):
    address = services.address_create(user=user, **{**ADDRESS, "phone": "+86 136 0000 0000"})

    assert address.phone == "13600000000"


def test_points_balance_is_the_sum_of_the_ledger(user):
    services.points_record(user=user, delta=120, reason="order_completed", reference="A1")
    services.points_record(user=user, delta=-20, reason="redeemed", reference="A2")

    assert points_balance(user=user) == 100


def test_points_are_recorded_once_per_reference(user):
    first = services.points_record(user=user, delta=50, reason="order_completed", reference="A1")
    again = services.points_record(user=user, delta=50, reason="order_completed", reference="A1")

    assert first is not None
    assert again is None
    assert points_balance(user=user) == 50


def test_points_cannot_go_negative(user):
    services.points_record(user=user, delta=10, reason="order_completed", reference="A1")

    with pytest.raises(PointsBalanceTooLow):
        services.points_record(user=user, delta=-11, reason="redeemed", reference="A2")
    assert PointsEntry.objects.count() == 1


def test_customer_mail_goes_out_in_the_customers_language(mailoutbox, settings, tmp_path):
    from apps.accounts.services import customer_mail_send
    from apps.accounts.tests.factories import UserFactory

    # given two templates in a temporary folder and a customer who reads Chinese
    (tmp_path / "note_subject.txt").write_text("{% load i18n %}{% translate 'Payment' %} {{ number }}")
    (tmp_path / "note_body.txt").write_text("{% load i18n %}{% translate 'Cancel' %}, {{ user.email }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    user = UserFactory(language="zh-hans")
    gone = UserFactory(is_active=False)

    # when
    sent = customer_mail_send(user_id=user.pk, template="note", context={"number": "N1"})
    not_sent = customer_mail_send(user_id=gone.pk, template="note", context={"number": "N2"})

    # then
    assert (sent, not_sent) == (True, False)
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert mailoutbox[0].subject == "支付 N1"
    assert mailoutbox[0].body == f"取消, {user.email}"
