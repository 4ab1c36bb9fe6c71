"""Content-Security-Policy: every storefront page sends the policy, scripts run only from our
own origin or with the response's nonce, and every inline <script>/<style> carries that nonce.

The nonce is in the header only on pages that use one (django-csp adds it when a template
reads request.csp_nonce); a page without inline code runs no inline code at all.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.cart import services as cart_services
from apps.cart.domain.keys import user_cart_key
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.models import Payment
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

NONCE_SOURCE = re.compile(r"^'nonce-([A-Za-z0-9+/=]+)'$")


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def header_nonce(policy: dict[str, list[str]]) -> str | None:
    nonces = {m.group(1) for source in policy["script-src"] + policy["style-src"] if (m := NONCE_SOURCE.match(source))}
    assert len(nonces) <= 1
    return nonces.pop() if nonces else None


class InlineCode(HTMLParser):
    """The page's inline <script> and <style> elements, inline event handlers and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.inline: list[tuple[str, dict]] = []  # (tag, attributes) of inline scripts and styles
        self.data_blocks = 0  # <script type="application/json">: data, never executed
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _value in attrs if name.startswith("on")]
        self.handlers += [
            f"<{tag} {name}={value}>"
            for name, value in attrs
            if name in ("href", "src", "action", "formaction")
            and (value or "").strip().lower().startswith("javascript:")
        ]
        if tag == "script" and "src" not in attributes:
            if attributes.get("type") == "application/json":
                self.data_blocks += 1
            else:
                self.inline.append((tag, attributes))
        if tag == "style":
            self.inline.append((tag, attributes))


def check_page(response) -> list[str]:
    """What is wrong with this page's policy and inline code (nothing, when all is well)."""
    path = response.request["PATH_INFO"]
    problems = []
    policy = policy_of(response)
    expected = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "img-src": ["'self'", "data:"],
    }
    for name, sources in expected.items():
        if policy.get(name) != sources:
            problems.append(f"{path}: {name} is {policy.get(name)}, expected {sources}")
    if policy.get("form-action", [None])[0] != "'self'":
        problems.append(f"{path}: form-action is {policy.get('form-action')}")
    for name in ("script-src", "style-src"):
        sources = policy.get(name, [])
        if sources[:1] != ["'self'"] or any(not NONCE_SOURCE.match(source) for source in sources[1:]):
            problems.append(f"{path}: {name} allows more than 'self' and a nonce: {sources}")
    nonce = header_nonce(policy)
    parser = InlineCode()
    parser.feed(response.content.decode())
    for tag, attributes in parser.inline:
        if nonce is None or attributes.get("nonce") != nonce:
            problems.append(f"{path}: inline <{tag}> without the response's nonce ({attributes})")
    problems += [f"{path}: inline handler {handler}" for handler in parser.handlers]
    return problems


@pytest.fixture
def storefront(client, payment_keys_dir):  # noqa: F811 (fixture)
    """A signed-in customer with an address, a cart, an unpaid order and a payment started at
    the sandbox cashier; the pages to visit, with their expected status."""
    sku = sku_in_stock(price="68.00", name="Longjing tea")
    product, category = sku.product, sku.product.category
    customer = UserFactory()
    AddressFactory(user=customer, is_default=True)
    order = unpaid_order(customer, price="20.00")
    cart_services.cart_add(key=user_cart_key(customer.pk), sku_id=sku.pk, quantity=1)
    client.force_login(customer)
    paying = client.post(f"/payments/pay/{order.number}/", {"provider": "alipay"})
    assert paying.status_code == 302
    cashier = urlsplit(paying["Location"])
    payment = Payment.objects.get()
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = default_token_generator.make_token(customer)
    signed_in = [
        "/",
        category.get_absolute_url(),
        "/search/?q=tea",
        product.get_absolute_url(),
        "/cart/",
        "/checkout/",
        "/orders/",
        f"/orders/{order.number}/",
        "/accounts/profile/",
        "/accounts/addresses/",
        "/accounts/addresses/new/",
        "/accounts/points/",
        "/accounts/password/",
        f"{cashier.path}?{cashier.query}",
        f"/payments/return/{payment.out_trade_no}/",
    ]
    signed_out = [
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/password-reset/",
        "/accounts/password-reset/sent/",
        f"/accounts/password-reset/{uid}/{token}/",  # redirects to the set-password form
        "/no-such-page/",
    ]
    return signed_in, signed_out


def test_every_storefront_page_sends_the_nonce_policy_and_its_inline_code_carries_the_nonce(client, storefront):
    signed_in, signed_out = storefront
    problems, checked, with_nonce = [], [], []

    # when every page is fetched, signed in and then signed out
    for paths, sign_out in ((signed_in, False), (signed_out, True)):
        if sign_out:
            client.logout()
        for path in paths:
            response = client.get(path, follow=True)
            expected_status = 404 if path == "/no-such-page/" else 200
            assert response.status_code == expected_status, path
            problems += check_page(response)
            checked.append(path)
            if header_nonce(policy_of(response)):
                with_nonce.append(path)

    # then none has a problem, and the pages with inline styles had a nonce in the header
    assert problems == []
    assert len(checked) == 21
    assert "/cart/" in with_nonce
    assert any(path.startswith("/payments/sandbox/") for path in with_nonce)


def test_the_nonce_is_new_for_every_response(client):
    # given the cart page (its <style> takes the nonce), fetched twice
    first, second = client.get("/cart/"), client.get("/cart/")

    # then each response has its own nonce, in its header and on its <style>
    nonces = [header_nonce(policy_of(response)) for response in (first, second)]
    assert None not in nonces
    assert nonces[0] != nonces[1]
    for response, nonce in zip((first, second), nonces, strict=True):
        assert f'<style nonce="{nonce}">' in response.content.decode()


def test_the_back_office_pages_keep_to_the_same_policy(client, settings):
    # given a superuser (the sales dashboard with its charts, the orders list with date filters)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    admin_root = f"/{settings.ADMIN_URL}"

    # when the index, the orders list, a change form and the dashboard are fetched
    pages = [
        admin_root,
        f"{admin_root}orders/order/",
        f"{admin_root}catalog/category/",
        f"{admin_root}catalog/product/add/",
        f"{admin_root}reports/dashboard/",
    ]
    responses = [client.get(path, follow=True) for path in pages]

    # then they have the storefront's policy, and the filters' inline scripts carry its nonce
    assert [response.status_code for response in responses] == [200] * len(pages)
    problems = [problem for response in responses for problem in check_page(response)]
    assert problems == []
    orders_list = InlineCode()
    orders_list.feed(responses[1].content.decode())
    assert [tag for tag, _attributes in orders_list.inline].count("script") >= 2  # the date and total filters
    assert header_nonce(policy_of(responses[1])) is not None


def test_swagger_ui_runs_without_inline_script_and_only_its_styles_are_relaxed(client):
    # when the API docs page and its start-up script are fetched
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    # then the page loads its script from our origin; only style-src allows inline styles
    policy = policy_of(page)
    parser = InlineCode()
    parser.feed(page.content.decode())
    assert page.status_code == 200
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert [tag for tag, _attributes in parser.inline] == ["style"]
    assert '<script src="/api/docs/?script="></script>' in page.content.decode()
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_policy_forbids_framing_plugins_and_foreign_form_targets(client):
    response = client.get("/")

    policy = policy_of(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_code_without_the_nonce():
    # given every page template of the project (mail templates are not pages)
    templates = [
        path
        for folder in [ROOT / "templates", *ROOT.glob("apps/*/templates")]
        for path in folder.rglob("*.html")
        if "email" not in path.parts
    ]
    problems, inline = [], 0

    # when each is read for inline <script>, <style>, event handlers and javascript: links
    for path in templates:
        parser = InlineCode()
        parser.feed(path.read_text())
        inline += len(parser.inline)
        name = path.relative_to(ROOT)
        problems += [
            f"{name}: <{tag}> without the nonce"
            for tag, attributes in parser.inline
            if attributes.get("nonce") != "{{ request.csp_nonce }}"
        ]
        problems += [f"{name}: {handler}" for handler in parser.handlers]

    # then none would be refused by the policy
    assert len(templates) > 50
    assert inline >= 2  # the cart's and the sandbox cashier's <style>
    assert problems == []
