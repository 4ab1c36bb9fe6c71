from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.cart import services
from apps.cart.domain.exceptions import InvalidCartToken, QuantityNotAvailable
from apps.cart.domain.keys import GUEST_CART_DAYS, GUEST_COOKIE, SESSION_COUPON, SESSION_SHIPPING, user_cart_key
from apps.cart.forms import AddToCartForm, CartOptionsForm, QuantityForm
from apps.core.domain.exceptions import DomainError

COOKIE_NAME = GUEST_COOKIE
COOKIE_MAX_AGE = GUEST_CART_DAYS * 24 * 60 * 60


def guest_key_from_cookie(request) -> str | None:
    token = request.COOKIES.get(COOKIE_NAME)
    if not token:
        return None
    try:
        return services.guest_key_from_token(token)
    except InvalidCartToken:
        return None


def _cart_key(request) -> tuple[str, str | None]:
    """The cart this request works on, and the token of a guest cart made just now.

    A missing or broken cookie gets a fresh (empty) guest cart rather than an error:
    an expired cookie is an ordinary thing for a browser to send.
    """
    if request.user.is_authenticated:
        return user_cart_key(request.user.pk), None
    key = guest_key_from_cookie(request)
    if key is not None:
        return key, None
    return services.guest_token_issue()


def _keep_guest_cookie(response, token: str | None):
    if token:
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _error_message(exc: DomainError) -> str:
    if isinstance(exc, QuantityNotAvailable):
        return _("Not enough stock: %(available)s available.") % {"available": exc.available}
    return _(exc.detail)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(fallback)


@require_GET
def cart_detail(request):
    key, _token = _cart_key(request)
    shipping_method = services.shipping_method_or_default(request.session.get(SESSION_SHIPPING))
    coupon = request.session.get(SESSION_COUPON) or None
    view = services.cart_view(
        key=key,
        coupon_code=coupon,
        user_id=request.user.pk if request.user.is_authenticated else None,
        shipping_method=shipping_method,
    )
    options_form = CartOptionsForm(
        initial={"coupon": coupon or "", "shipping_method": shipping_method},
        shipping_choices=services.shipping_choices(),
    )
    return render(request, "cart/detail.html", {"cart": view, "options_form": options_form})


@require_POST
def cart_add(request):
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an item and a quantity from 1 to 99."))
        return _back(request, "cart:detail")
    key, token = _cart_key(request)
    try:
        services.cart_add(key=key, sku_id=form.cleaned_data["sku"], quantity=form.cleaned_data["quantity"])
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return _back(request, "cart:detail")
    messages.success(request, _("Added to your cart."))
    return _keep_guest_cookie(_back(request, "cart:detail"), token)


@require_POST
def cart_item_update(request, sku_id: int):
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Quantities must be whole numbers from 1 to 99."))
        return redirect("cart:detail")
    key, _token = _cart_key(request)
    try:
        services.cart_set_quantity(key=key, sku_id=sku_id, quantity=form.cleaned_data["quantity"])
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("Quantity updated."))
    return redirect("cart:detail")


@require_POST
def cart_item_remove(request, sku_id: int):
    key, _token = _cart_key(request)
    try:
        services.cart_remove(key=key, sku_id=sku_id)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("Item removed."))
    return redirect("cart:detail")


@require_POST
def cart_accept_prices(request):
    key, _token = _cart_key(request)
    services.cart_accept_prices(key=key)
    messages.success(request, _("Your cart now uses the current prices."))
    return redirect("cart:detail")


@require_POST
def cart_options(request):
    form = CartOptionsForm(request.POST, shipping_choices=services.shipping_choices())
    if not form.is_valid():
        messages.error(request, _("Choose one of the shipping methods."))
        return redirect("cart:detail")
    coupon = form.cleaned_data["coupon"]
    request.session[SESSION_COUPON] = coupon
    request.session[SESSION_SHIPPING] = form.cleaned_data["shipping_method"]
    if coupon:
        view = services.cart_view(
            key=_cart_key(request)[0],
            coupon_code=coupon,
            user_id=request.user.pk if request.user.is_authenticated else None,
            shipping_method=form.cleaned_data["shipping_method"],
        )
        if view.breakdown.coupon_error:
            messages.error(request, _(services.coupon_error_detail(view.breakdown.coupon_error)))
        else:
            messages.success(request, _("Coupon applied."))
    return redirect(reverse("cart:detail"))
