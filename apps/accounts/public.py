"""Accounts' front door for the apps to its right."""

from apps.accounts.forms import AddressForm
from apps.accounts.models import Address
from apps.accounts.selectors import address_list_for_user, points_balance
from apps.accounts.services import customer_mail_send, points_record, user_register

__all__ = [
    "AddressForm",
    "address_list_for_user",
    "address_snapshot",
    "customer_mail_send",
    "points_balance",
    "points_record",
    "user_register",
]


def address_snapshot(*, user_id: int, address_id: int) -> dict | None:
    """The user's own address as plain values (orders copy it), or None if it is not theirs."""
    return (
        Address.objects.filter(pk=address_id, user_id=user_id)
        .values("recipient", "phone", "province", "city", "district", "street", "postcode")
        .first()
    )
