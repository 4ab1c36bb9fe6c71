"""Object-level access, for every route of the URLconf that names an object: another
customer gets 404 on each (pages and API, read and write), and nothing changes.

The routes are enumerated from the URLconf, so a new route with an object in its path
fails `test_every_route_naming_an_object_is_covered` until it is listed here: as a
customer's object (checked below) or as not a customer's (public, staff or provider).
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from apps.accounts.models import Address
from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.orders.models import Order
from apps.payments.services import payments as payment_services
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]

# Routes naming an object that is not a customer's own: public catalog pages (slug),
# staff endpoints, one's own cart lines (the cart is the caller's by construction), the
# providers' sandbox (a signed cashier token) and carriers' webhook, password-reset links.
NOT_A_CUSTOMERS_OBJECT = {
    "category",
    "product",
    "review_create",
    "password_reset_confirm",
    "item_update",
    "item_remove",
    "sandbox_cashier",
    "sandbox_settle",
    "sandbox_refunds",
    "product-sku-create",
    "product-image-upload",
    "product-reviews",
    "sku-update",
    "product-detail",
    "product-publish",
    "product-unpublish",
    "stock-detail",
    "stock-adjust",
    "cart-item",
    "shipping-webhook",
    None,  # media files (DEBUG only)
}

# name -> (the path's placeholder, how the page or endpoint is used)
CUSTOMERS_OBJECTS = {
    "address_edit": ("address_id", ("get", "post")),
    "address_delete": ("address_id", ("post",)),
    "address_set_default": ("address_id", ("post",)),
    "address-detail": ("pk", ("get", "patch", "delete")),
    "detail": ("number", ("get",)),
    "cancel": ("number", ("post",)),
    "confirm_receipt": ("number", ("post",)),
    "pay": ("number", ("post",)),
    "return": ("out_trade_no", ("get",)),
    "order_refunds": ("number", ("get", "post")),
    "order-detail": ("number", ("get",)),
    "order-cancel": ("number", ("post",)),
    "order-confirm-receipt": ("number", ("post",)),
    "payment-detail": ("out_trade_no", ("get",)),
    "order-refunds": ("number", ("get", "post")),
    "order-tracking": ("number", ("get",)),
}


# What the owner would send: a valid request, so that only ownership can refuse it.
BODIES = {
    "pay": {"provider": "alipay"},
    "order_refunds": {"amount": "5.00", "reason": "broken"},
    "order-refunds": {"amount": "5.00", "reason": "broken"},
    "address_edit": {
        "recipient": "王五",
        "phone": "13900000000",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "street": "建国路 1 号",
        "postcode": "100020",
    },
    "address-detail": {"recipient": "王五"},
}


def _routes(patterns=None, prefix=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if ("<" in route or "(?P<" in route) and not route.startswith("admin/"):
                yield pattern.name, route


def _path(route: str, value: str) -> str:
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", value, route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


def test_every_route_naming_an_object_is_covered():
    names = {name for name, _route in _routes()}
    assert names - NOT_A_CUSTOMERS_OBJECT - set(CUSTOMERS_OBJECTS) == set()
    assert set(CUSTOMERS_OBJECTS) <= names


def test_another_customer_gets_404_on_every_route_naming_an_object(settings):
    settings.PAYMENT_SANDBOX = True
    owner, intruder = UserFactory(), UserFactory()
    order = unpaid_order(owner)
    payment = payment_services.payment_create(user=owner, order_number=order.number, provider="alipay")
    out_trade_no = payment.payment.out_trade_no
    address = AddressFactory(user=owner)
    values = {
        "number": order.number,
        "out_trade_no": out_trade_no,
        "address_id": str(address.pk),
        "pk": str(address.pk),
    }
    page, api = Client(), APIClient()
    page.force_login(intruder)
    api.force_authenticate(intruder)
    routes = dict(_routes())

    answers = {}
    for name, (placeholder, methods) in CUSTOMERS_OBJECTS.items():
        path = _path(routes[name], values[placeholder])
        client = api if path.startswith("/api/") else page
        for method in methods:
            data = BODIES.get(name, {}) if method != "get" else {}
            if client is api:
                response = getattr(client, method)(path, data, format="json")
            else:
                response = getattr(client, method)(path, data)
            answers[(name, method, path)] = response.status_code

    leaks = {key: status for key, status in answers.items() if status != 404}
    print(
        f"[idor] routes naming an object: {len(routes)}, of them a customer's: {len(CUSTOMERS_OBJECTS)}; "
        f"requests by another customer: {len(answers)}; leaks: {len(leaks)}"
    )
    assert leaks == {}
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert Address.objects.filter(pk=address.pk, user=owner).exists()
