"""Account use cases: registration, passwords, sign-in lockout, addresses, points.

Every page, API endpoint and admin action goes through these functions, so the rules
(password strength, token revocation, one default address, lockout) live here once.
"""

import hashlib
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.domain.contact import normalize_phone
from apps.accounts.domain.events import UserRegistered
from apps.accounts.domain.exceptions import (
    EmailAlreadyRegistered,
    InvalidPasswordResetLink,
    PointsBalanceTooLow,
    WrongPassword,
)
from apps.accounts.models import Address, PointsEntry, User, normalize_email
from apps.accounts.selectors import points_balance
from apps.core.observability import business_log
from apps.core.outbox import publish

# --- Registration and profile -------------------------------------------------------------


def user_register(*, email: str, password: str, display_name: str = "", phone: str = "", language: str = "en") -> User:
    email = normalize_email(email)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    user = User(email=email, display_name=display_name.strip(), phone=normalize_phone(phone), language=language)
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            publish(UserRegistered(user_id=user.pk, email=user.email))
    except IntegrityError as exc:
        raise EmailAlreadyRegistered() from exc
    business_log("user_registered", user_id=user.pk)
    return user


def user_update_profile(*, user: User, display_name: str | None = None, phone: str | None = None) -> User:
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()
        fields.append("display_name")
    if phone is not None:
        user.phone = normalize_phone(phone)
        fields.append("phone")
    if fields:
        user.save(update_fields=fields)
    return user


# --- Passwords ----------------------------------------------------------------------------


def user_set_password(*, user: User, password: str) -> None:
    """Set a new password and sign the user out of every API client (refresh tokens)."""
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoked = refresh_tokens_revoke(user=user)
    business_log("password_set", user_id=user.pk, refresh_tokens_revoked=revoked)


def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise WrongPassword()
    user_set_password(user=user, password=new_password)


def refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every refresh token the user still holds; returns how many."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(created)


def password_reset_request(*, email: str, confirm_url: Callable[[str, str], str]) -> None:
    """Mail a one-time reset link if an active account has this address.

    The caller answers the same whether or not it exists, so that the page cannot be
    used to find out who has an account. `confirm_url(uidb64, token)` builds the link.
    """
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        business_log("password_reset_unknown_email")
        return
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {"user": user, "reset_url": confirm_url(uidb64, token)}
    send_mail(
        subject=render_to_string("accounts/email/password_reset_subject.txt", context).strip(),
        message=render_to_string("accounts/email/password_reset_body.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    business_log("password_reset_requested", user_id=user.pk)


def password_reset_user(*, uidb64: str, token: str) -> User:
    """The user a reset link belongs to, if the link is still valid (it works once)."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist) as exc:
        raise InvalidPasswordResetLink() from exc
    if not default_token_generator.check_token(user, token):
        raise InvalidPasswordResetLink()
    return user


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    user = password_reset_user(uidb64=uidb64, token=token)
    user_set_password(user=user, password=new_password)
    return user


# --- Sign-in lockout ----------------------------------------------------------------------
# Counted per account in the shared cache (atomic INCR in Redis), never per IP: an
# attacker rotating addresses or X-Forwarded-For still hits the same counter.


def _lockout_keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    return f"login-failures:{digest}", f"login-locked-until:{digest}"


def login_lock_seconds(*, email: str) -> int:
    """Seconds until this account may try again; 0 when it is not locked."""
    count_key, until_key = _lockout_keys(email)
    if (cache.get(count_key) or 0) < settings.LOGIN_FAILURE_LIMIT:
        return 0
    until = cache.get(until_key) or time.time() + settings.LOGIN_FAILURE_WINDOW
    return max(1, math.ceil(until - time.time()))


def login_failure_record(*, email: str) -> None:
    count_key, until_key = _lockout_keys(email)
    window = settings.LOGIN_FAILURE_WINDOW
    cache.add(count_key, 0, timeout=window)
    try:
        failures = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.add(count_key, 1, timeout=window)
        failures = 1
    if failures is None:  # the cache is down (its errors are ignored): this failure goes uncounted
        return
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        # Locked for a whole window from the failure that crossed the limit.
        cache.set(until_key, time.time() + window, timeout=window)
        cache.touch(count_key, window)
        if failures == settings.LOGIN_FAILURE_LIMIT:
            business_log("account_locked", email_hash=count_key.split(":")[1])


def login_failures_clear(*, email: str) -> None:
    cache.delete_many(list(_lockout_keys(email)))


# --- Address book -------------------------------------------------------------------------

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "street", "postcode")


def address_create(*, user: User, is_default: bool = False, **fields) -> Address:
    with transaction.atomic():
        _lock_user(user)
        has_default = Address.objects.filter(user=user, is_default=True).exists()
        address = Address(user=user, **_clean_address_fields(fields))
        address.full_clean(exclude=["user", "is_default"])
        address.save()
        if is_default or not has_default:
            _make_default(address)
    return address


def address_update(*, address: Address, is_default: bool | None = None, **fields) -> Address:
    with transaction.atomic():
        _lock_user(address.user)
        for name, value in _clean_address_fields(fields).items():
            setattr(address, name, value)
        address.full_clean(exclude=["user", "is_default"])
        address.save()
        if is_default:
            _make_default(address)
    return address


def address_set_default(*, address: Address) -> Address:
    with transaction.atomic():
        _lock_user(address.user)
        _make_default(address)
    return address


def address_delete(*, address: Address) -> None:
    """Delete; if it was the default, the most recent remaining address takes over."""
    with transaction.atomic():
        _lock_user(address.user)
        was_default = address.is_default
        user = address.user
        address.delete()
        if was_default:
            successor = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
            if successor is not None:
                _make_default(successor)


def _clean_address_fields(fields: dict) -> dict:
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {sorted(unknown)}")
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    if "phone" in cleaned:
        cleaned["phone"] = normalize_phone(cleaned["phone"])
    return cleaned


def _lock_user(user: User) -> None:
    # Serialises changes to one user's address book (the default flag) on PostgreSQL.
    User.objects.select_for_update().filter(pk=user.pk).first()


def _make_default(address: Address) -> None:
    Address.objects.filter(user=address.user, is_default=True).exclude(pk=address.pk).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])


# --- Points -------------------------------------------------------------------------------


def points_record(*, user: User, delta: int, reason: str, reference: str = "") -> PointsEntry | None:
    """Add a ledger line. Idempotent per (user, reason, reference): a repeat returns None.

    A deduction that would take the balance below zero raises PointsBalanceTooLow.
    """
    with transaction.atomic():
        _lock_user(user)  # one writer per user keeps the balance check honest
        if delta < 0 and points_balance(user=user) + delta < 0:
            raise PointsBalanceTooLow()
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(user=user, delta=delta, reason=reason, reference=reference)
        except IntegrityError:
            return None
    business_log("points_recorded", user_id=user.pk, delta=delta, reason=reason, reference=reference)
    return entry


def customer_mail_send(*, user_id: int, template: str, context: dict) -> bool:
    """Mail a customer in their own language; False when there is nobody to mail.

    `template` names two templates: `<template>_subject.txt` and `<template>_body.txt`,
    rendered with the context plus `user`. Callers are event handlers: the mail goes out
    once per event thanks to the handler's dedupe.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # deleted or deactivated since
        return False
    with translation.override(user.language):
        full_context = {"user": user, **context}
        subject = render_to_string(f"{template}_subject.txt", full_context).strip()
        body = render_to_string(f"{template}_body.txt", full_context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    return True
