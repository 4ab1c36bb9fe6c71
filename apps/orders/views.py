"""Storefront pages: checkout, my orders, one order with the actions its status allows."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import public as accounts_public
from apps.cart import public as cart_public
from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import ZERO
from apps.core.idempotency import (
    IdempotencyKeyInProgress,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    request_fingerprint,
)
from apps.core.throttling import page_throttle_wait, throttle_message, throttled
from apps.orders import selectors, services
from apps.orders.domain.exceptions import CouponInvalid
from apps.orders.domain.status import OrderStatus, can_transition
from apps.orders.forms import NEW_ADDRESS, CheckoutForm, OrderFilterForm
from apps.orders.models import Order
from apps.promotions import public as promotions_public

ORDERS_PER_PAGE = 10


# --- checkout ------------------------------------------------------------------------------


def _cart(request, *, coupon: str | None, shipping_method: str):
    return cart_public.cart_view(
        key=cart_public.user_cart_key(request.user.pk),
        coupon_code=coupon or None,
        user_id=request.user.pk,
        shipping_method=cart_public.shipping_method_or_default(shipping_method),
    )


def _coupon_feedback(cart, coupon: str | None) -> dict | None:
    """What the page says about the coupon typed: applied (and how much), or why not."""
    if not coupon:
        return None
    breakdown = cart.breakdown
    if breakdown.coupon_error or not breakdown.coupon_code:
        return {"ok": False, "message": _(cart_public.coupon_error_detail(breakdown.coupon_error or ""))}
    saved = sum((a.amount for a in breakdown.adjustments if a.kind == promotions_public.KIND_COUPON), start=ZERO)
    return {"ok": True, "message": _("Coupon %(code)s applied.") % {"code": breakdown.coupon_code}, "saved": saved}


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    addresses = list(accounts_public.address_list_for_user(user=request.user).order_by("-is_default", "-id"))
    posted = request.POST if request.method == "POST" else None
    default_address = next((str(a.pk) for a in addresses if a.is_default), str(addresses[0].pk) if addresses else None)
    form = CheckoutForm(
        posted,
        initial={
            "address": default_address or NEW_ADDRESS,
            "shipping_method": cart_public.shipping_method_or_default(
                request.session.get(cart_public.SESSION_SHIPPING)
            ),
            "coupon": request.session.get(cart_public.SESSION_COUPON, ""),
            "token": secrets.token_urlsafe(24),
        },
        addresses=addresses,
        shipping_choices=cart_public.shipping_choices(),
    )
    new_address_posted = posted is not None and posted.get("address") == NEW_ADDRESS
    address_form = accounts_public.AddressForm(posted if new_address_posted else None, prefix="new", user=request.user)

    # Placing orders shares the API's order_create rate (THROTTLE_ORDER_CREATE), per user.
    wait = None
    if posted is not None and posted.get("action") == "place":
        wait = page_throttle_wait(request, "order_create")
        if wait is not None:
            messages.error(request, throttle_message(wait))

    if posted is not None:
        coupon = (posted.get("coupon") or "").strip()[:40]
        shipping_method = posted.get("shipping_method")
    else:
        coupon, shipping_method = form.initial["coupon"], form.initial["shipping_method"]
    cart = _cart(request, coupon=coupon, shipping_method=shipping_method)
    if cart.is_empty:
        messages.info(request, _("Your cart is empty: add something to check out."))
        return redirect("cart:detail")

    if posted is not None and form.is_valid() and (not form.wants_new_address or address_form.is_valid()):
        request.session[cart_public.SESSION_COUPON] = form.cleaned_data["coupon"]
        request.session[cart_public.SESSION_SHIPPING] = form.cleaned_data["shipping_method"]
        if posted.get("action") == "place" and wait is None:
            response = _place(request, form, address_form)
            if response is not None:
                return response
            cart = _cart(request, coupon=coupon, shipping_method=shipping_method)

    context = {
        "form": form,
        "address_form": address_form,
        "cart": cart,
        "coupon_feedback": _coupon_feedback(cart, coupon),
        "has_addresses": bool(addresses),
        "payment_minutes": int(services.payment_timeout().total_seconds() // 60),
    }
    response = render(request, "orders/checkout.html", context)
    return response if wait is None else throttled(response, wait)


def _place(request, form, address_form):
    """Place the order once per checkout page; None (with a message) when it could not be."""
    scope, key = f"user:{request.user.pk}", f"checkout:{form.cleaned_data['token']}"
    try:
        done = idempotency_claim(
            scope=scope,
            key=key,
            fingerprint=request_fingerprint("POST", request.path, key),
            method="POST",
            path=request.path,
        )
    except IdempotencyKeyInProgress:
        messages.info(request, _("Your order is being placed: it appears in your orders in a moment."))
        return redirect("orders:list")
    if done is not None:  # a second click on the same page: show the order the first one placed
        return redirect("orders:detail", number=done.response_body["number"])

    try:
        with transaction.atomic():  # a new address is kept only with the order it was typed for
            address_id = address_form.save().pk if form.wants_new_address else int(form.cleaned_data["address"])
            order = services.order_place_from_cart(
                user=request.user,
                address_id=address_id,
                shipping_method=form.cleaned_data["shipping_method"],
                coupon_code=form.cleaned_data["coupon"] or None,
            )
            # With the order, or not at all: a reload after a crash shows this order.
            idempotency_complete(scope=scope, key=key, status=201, body={"number": order.number})
    except DomainError as exc:
        idempotency_release(scope=scope, key=key)
        if isinstance(exc, cart_public.CartNotReady):
            messages.error(request, _(exc.default_detail))
            return redirect("cart:detail")
        if isinstance(exc, CouponInvalid):
            messages.error(request, _(cart_public.coupon_error_detail(exc.reason)))
        else:
            messages.error(request, _(exc.default_detail))
        return None
    except BaseException:
        idempotency_release(scope=scope, key=key)
        raise
    request.session.pop(cart_public.SESSION_COUPON, None)
    messages.success(request, _("Thank you: your order %(number)s is placed.") % {"number": order.number})
    return redirect("orders:detail", number=order.number)


@login_required
@require_GET
def checkout_summary(request):
    """The order summary for the choices on the checkout page, as HTML for its script."""
    coupon = (request.GET.get("coupon") or "").strip()[:40]
    cart = _cart(request, coupon=coupon, shipping_method=request.GET.get("shipping_method"))
    context = {"cart": cart, "coupon_feedback": _coupon_feedback(cart, coupon)}
    return render(request, "orders/_checkout_summary.html", context)


# --- my orders -----------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request):
    orders = selectors.order_list_for_user(user=request.user)
    filters = OrderFilterForm(request.GET or None)
    status = ""
    if filters.is_valid():
        status = filters.cleaned_data["status"]
    elif request.GET.get("status"):
        messages.error(request, _("Unknown order status: showing all orders."))
    if status:
        orders = orders.filter(status=status)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters if filters.is_bound else OrderFilterForm(),
        "status": status,
        "page_params": f"status={status}" if status else "",
    }
    return render(request, "orders/order_list.html", context)


def _own_order(request, number: str) -> Order:
    try:
        return selectors.order_get_for_user(user=request.user, number=number)
    except Order.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_GET
def order_detail(request, number: str):
    order = _own_order(request, number)
    try:
        shipping_label = promotions_public.shipping_method_get(code=order.shipping_method).label
    except promotions_public.UnknownShippingMethod:  # a method since retired: its code is all there is
        shipping_label = order.shipping_method
    context = {
        "order": order,
        "shipping_label": shipping_label,
        "can_cancel": can_transition(order.status, OrderStatus.CANCELLED),
        "can_confirm_receipt": order.can_complete,
    }
    return render(request, "orders/order_detail.html", context)


@login_required
@require_POST
def order_cancel(request, number: str):
    order = _own_order(request, number)
    try:
        services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)
    except DomainError as exc:
        messages.error(request, _(exc.default_detail))
    else:
        messages.success(request, _("The order is cancelled."))
    return redirect("orders:detail", number=order.number)


@login_required
@require_POST
def order_confirm_receipt(request, number: str):
    order = _own_order(request, number)
    try:
        services.order_confirm_receipt(order=order, user=request.user)
    except DomainError as exc:
        messages.error(request, _(exc.default_detail))
    else:
        messages.success(request, _("Thank you for confirming: the order is complete."))
    return redirect("orders:detail", number=order.number)
