"""Security hardening: idle sign-out, throttled pages, the lockout on every sign-in path,
production transport settings, the movable admin and Argon2 passwords."""

import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher
from django.test import Client
from django.urls import clear_url_caches, reverse
from rest_framework.throttling import ScopedRateThrottle

import config.settings as project_settings
from apps.accounts.domain.exceptions import AccountLocked
from apps.accounts.middleware import LAST_ACTIVITY_KEY
from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from apps.cart import services as cart_services
from apps.cart.domain.keys import user_cart_key
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
IDLE_MESSAGE = "You were signed out after a period of inactivity."


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def signed_in(client, user, *, idle_seconds: int | None):
    """`client` signed in as `user`, whose last request was `idle_seconds` ago (None: never stamped)."""
    client.force_login(user)
    session = client.session
    if idle_seconds is None:
        session.pop(LAST_ACTIVITY_KEY, None)
    else:
        session[LAST_ACTIVITY_KEY] = int(time.time()) - idle_seconds
    session.save()
    return client


# --- idle sign-out ---------------------------------------------------------------------------


def test_a_customer_idle_longer_than_the_timeout_is_signed_out_with_a_message(client, user, settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 60 * 60
    signed_in(client, user, idle_seconds=2 * 60 * 60 + 5)

    response = client.get("/accounts/profile/", follow=True)

    assert response.redirect_chain[0][0] == "/accounts/login/?next=/accounts/profile/"
    assert messages_of(response) == [IDLE_MESSAGE]
    assert "_auth_user_id" not in client.session


def test_a_customer_active_within_the_timeout_stays_signed_in_and_the_clock_restarts(client, user, settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 60 * 60
    signed_in(client, user, idle_seconds=2 * 60 * 60 - 60)

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] <= 2


def test_staff_have_the_shorter_timeout(client, settings):
    settings.SESSION_IDLE_TIMEOUT, settings.SESSION_IDLE_TIMEOUT_STAFF = 2 * 60 * 60, 30 * 60
    customer, clerk = UserFactory(), UserFactory(is_staff=True)
    customer_client, staff_client = Client(), Client()
    signed_in(customer_client, customer, idle_seconds=31 * 60)
    signed_in(staff_client, clerk, idle_seconds=31 * 60)

    customer_page = customer_client.get("/accounts/profile/")
    staff_page = staff_client.get(reverse("admin:index"), follow=True)

    assert customer_page.status_code == 200
    assert staff_page.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert IDLE_MESSAGE in staff_page.content.decode()


def test_the_last_activity_is_written_at_most_once_a_minute(client, user):
    # given a session last stamped 30 seconds ago
    signed_in(client, user, idle_seconds=30)
    stamped = client.session[LAST_ACTIVITY_KEY]

    # when the customer opens pages within that minute
    quiet = [client.get("/accounts/profile/") for _ in range(3)]

    # then the session was not written (no new session cookie) and keeps the old stamp
    assert [response.status_code for response in quiet] == [200, 200, 200]
    assert all("sessionid" not in response.cookies for response in quiet)
    assert client.session[LAST_ACTIVITY_KEY] == stamped

    # and once the minute has passed, the next request writes it again
    signed_in(client, user, idle_seconds=61)
    written = client.get("/accounts/profile/")
    assert "sessionid" in written.cookies
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] <= 2


def test_signing_in_stamps_the_session(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] <= 2


def test_a_zero_timeout_never_signs_out(client, user, settings):
    settings.SESSION_IDLE_TIMEOUT = 0
    signed_in(client, user, idle_seconds=30 * 24 * 60 * 60)

    assert client.get("/accounts/profile/").status_code == 200


def test_the_jwt_api_does_not_use_the_idle_timeout(auth_client, settings):
    settings.SESSION_IDLE_TIMEOUT = 1

    response = auth_client.get("/api/v1/me/")

    assert response.status_code == 200


# --- throttled pages ---------------------------------------------------------------------------


@pytest.fixture
def rates(monkeypatch):
    """Set a throttle scope's rate (the REST_FRAMEWORK rates the API uses) for this test."""

    def set_rate(scope: str, rate: str):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


def test_placing_orders_on_the_checkout_page_shares_the_apis_per_user_rate(client, user, rates, auth_client):
    # given a rate of 2 orders a minute, a customer with an address and one order placed through the API
    rates("order_create", "2/min")
    address = AddressFactory(user=user)
    sku = sku_in_stock(price="10.00", units=20)
    body = {"address": address.pk, "lines": [{"sku": sku.pk, "quantity": 1}]}
    assert auth_client.post("/api/v1/orders/", body, format="json").status_code == 201
    client.force_login(user)

    def place():
        cart_services.cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
        token = client.get("/checkout/").context["form"].initial["token"]
        form = {"action": "place", "token": token, "address": str(address.pk), "shipping_method": "standard"}
        return client.post("/checkout/", form)

    # when they place two more on the checkout page
    second, third = place(), place()

    # then the second is placed, the third refused with a message, a 429 and Retry-After
    assert second.status_code == 302
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 60
    assert "Too many attempts in a short time" in messages_of(third)[0]
    assert Order.objects.count() == 2
    # and another customer is not affected
    other = UserFactory()
    cart_services.cart_add(key=user_cart_key(other.pk), sku_id=sku.pk, quantity=1)
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get("/checkout/").status_code == 200


def test_the_sign_in_page_is_throttled_per_address(client, user, rates):
    rates("login", "2/min")

    answers = [client.post("/accounts/login/", {"username": user.email, "password": "wrong-password-1"})]
    answers.append(client.post("/accounts/login/", {"username": user.email, "password": "wrong-password-1"}))
    answers.append(client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}))

    assert [response.status_code for response in answers] == [200, 200, 429]
    assert "Too many attempts in a short time" in answers[2].content.decode()
    assert "_auth_user_id" not in client.session


def test_the_password_reset_page_is_throttled_per_address(client, user, rates, mailoutbox):
    rates("password_reset", "1/hour")

    first = client.post("/accounts/password-reset/", {"email": user.email})
    second = client.post("/accounts/password-reset/", {"email": user.email})

    assert first.status_code == 302
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 60
    assert len(mailoutbox) == 1


def test_the_register_page_is_throttled_per_address(client, rates):
    rates("register", "1/hour")
    form = {"email": "new{}@example.com", "display_name": "New", "password1": PASSWORD, "password2": PASSWORD}

    first = client.post("/accounts/register/", {**form, "email": "one@example.com"})
    client.logout()
    second = client.post("/accounts/register/", {**form, "email": "two@example.com"})

    assert first.status_code == 302
    assert second.status_code == 429
    assert list(User.objects.values_list("email", flat=True)) == ["one@example.com"]


# --- the sign-in lockout on every path ----------------------------------------------------------


def storefront_login(email, password):
    return Client().post("/accounts/login/", {"username": email, "password": password}).status_code


def admin_login(email, password):
    return Client().post(reverse("admin:login"), {"username": email, "password": password}).status_code


def api_token(email, password):
    return Client().post("/api/v1/auth/token/", {"email": email, "password": password}, "application/json").status_code


def authenticate_call(email, password):
    """Any other code that checks a password: django.contrib.auth.authenticate()."""
    try:
        return 200 if authenticate(None, username=email, password=password) else 401
    except AccountLocked:
        return 429


@pytest.mark.parametrize("sign_in", [storefront_login, admin_login, api_token, authenticate_call])
def test_the_account_lockout_holds_on_every_sign_in_path(sign_in, settings):
    # every sign-in path goes through authenticate(), and the only backend is the lockout's
    assert settings.AUTHENTICATION_BACKENDS == ["apps.accounts.backends.LockoutEmailBackend"]
    settings.LOGIN_FAILURE_LIMIT = 3
    staff = UserFactory(is_staff=True)

    failures = [sign_in(staff.email, "wrong-password-1") for _ in range(3)]
    locked = sign_in(staff.email, PASSWORD)

    assert 429 not in failures
    assert locked == 429


# --- production transport settings, admin path, password hashing -------------------------------


@pytest.fixture(scope="module")
def production():
    """The settings production runs with (DJANGO_ENV=production), and its deploy check."""
    env = {
        **{name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_ENV": "production",
        "SECRET_KEY": "a-production-like-secret-key-for-the-check-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "shop.example.com",
        "REDIS_URL": "redis://127.0.0.1:6379/0",  # never connected to: the check reads settings only
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "EMAIL_URL": "smtp+tls://shop:secret@smtp.example.com:587",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import json, django, io\n"
        "from django.core.management import call_command\n"
        "django.setup()\n"
        "from django.conf import settings as s\n"
        "out = io.StringIO()\n"
        "try:\n"
        "    call_command('check', deploy=True, fail_level='WARNING', stdout=out, stderr=out)\n"
        "    clean = True\n"
        "except Exception as exc:\n"
        "    clean, out = False, io.StringIO(str(exc))\n"
        "names = ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',\n"
        "         'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE',\n"
        "         'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'PASSWORD_HASHERS']\n"
        "print(json.dumps({'check_clean': clean, 'check_output': out.getvalue(),\n"
        "                  **{name: getattr(s, name) for name in names}}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_turns_on_hsts_secure_cookies_and_passes_the_deploy_check(production):
    assert production["check_clean"], production["check_output"]
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True


def test_with_the_production_settings_every_response_carries_the_headers_and_secure_cookies(
    client, user, settings, production
):
    # given the production transport settings (an HTTPS request, as the TLS proxy forwards it)
    for name in ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT"):
        setattr(settings, name, production[name])
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True

    # when a customer signs in over HTTPS, and someone asks over plain HTTP
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}, secure=True)
    plain = client.get("/accounts/login/")

    # then the answer has HSTS, the referrer and framing headers, and the cookies are Secure and HttpOnly
    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"


@pytest.fixture
def admin_moved_to(settings):
    """The URLconf rebuilt with ADMIN_URL set to a new path (as the environment would set it)."""
    import config.urls

    def move(path: str):
        settings.ADMIN_URL = path
        importlib.reload(config.urls)
        clear_url_caches()

    yield move
    settings.ADMIN_URL = project_settings.ADMIN_URL
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_admin_moves_to_the_path_admin_url_names(client, admin_moved_to):
    admin_moved_to("back-office-7f3a/")

    assert reverse("admin:index") == "/back-office-7f3a/"
    assert client.get("/back-office-7f3a/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404


def test_a_registered_customers_password_is_hashed_with_argon2_at_its_defaults(client, settings):
    # given the project's hashers (the test suite otherwise uses MD5 for speed)
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert type(get_hasher("default")) is Argon2PasswordHasher

    # when a customer registers on the storefront
    form = {"email": "argon@example.com", "display_name": "Argon", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/register/", form)

    # then the stored hash is argon2id with Django's default cost, and the password works
    assert response.status_code == 302
    stored = User.objects.get(email="argon@example.com").password
    hasher = Argon2PasswordHasher()
    assert stored.startswith("argon2$argon2id$v=19$")
    assert f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}$" in stored
    assert User.objects.get(email="argon@example.com").check_password(PASSWORD)
