"""Chinese contact details: mobile numbers and postcodes."""

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_POSTCODE = re.compile(r"^\d{6}$")


def normalize_phone(raw: str) -> str:
    """Drop spaces and a leading +86 / 86 country code."""
    phone = re.sub(r"[\s()]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    return phone


def is_valid_phone(phone: str) -> bool:
    """A mainland mobile (11 digits, starting 13-19) or a landline with area code."""
    return bool(_MOBILE.match(phone) or _LANDLINE.match(phone))


def is_valid_postcode(postcode: str) -> bool:
    return bool(_POSTCODE.match(postcode))
