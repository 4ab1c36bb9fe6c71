"""Storefront pages of payments: start paying an order, the return page, and the
simulated providers' cashier pages (the sandbox: what Alipay's or WeChat Pay's own
site would show)."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.domain.exceptions import DomainError
from apps.payments import selectors
from apps.payments.domain.exceptions import PaymentOrderNotFound
from apps.payments.models import Payment, Provider
from apps.payments.sandbox import cashier
from apps.payments.services import payments as payment_services

MAX_REDIRECT_URL = 500


@login_required
@require_POST
def pay_order(request, number: str):
    """The order page's Pay button: a payment with the chosen provider, then its cashier."""
    try:
        started = payment_services.payment_create(
            user=request.user, order_number=number, provider=request.POST.get("provider", "")
        )
    except PaymentOrderNotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, _(exc.default_detail))
        return redirect("orders:detail", number=number)
    return redirect(started.cashier_url)


@login_required
@require_GET
def payment_return(request, out_trade_no: str):
    """Where the provider sends the browser back. The status comes from our database,
    never from the query string (anyone can type one)."""
    payment = selectors.payment_get_for_user(user=request.user, out_trade_no=out_trade_no)
    if payment is None:
        raise Http404
    context = {"payment": payment, "waiting": payment.status == Payment.Status.PENDING}
    return render(request, "payments/return.html", context)


# --- The simulated providers' cashier ----------------------------------------------------


def _cashier_link(out_trade_no: str, *, token: str, redirect_url: str) -> str:
    query = {"t": token, **({"redirect_url": redirect_url} if redirect_url else {})}
    return f"{reverse('payments:sandbox_cashier', kwargs={'out_trade_no': out_trade_no})}?{urlencode(query)}"


def _cashier_context(trade, *, token: str, redirect_url: str) -> dict:
    return {
        "trade": trade,
        "token": token,
        "redirect_url": redirect_url,
        "provider_name": Provider(trade.provider).label,
        "is_open": trade.status == trade.Status.PENDING,
    }


def sandbox_only(view):
    """The simulated providers' pages exist only while PAYMENT_SANDBOX is on (not in production)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.PAYMENT_SANDBOX:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@sandbox_only
@require_GET
def sandbox_cashier(request, out_trade_no: str):
    token = request.GET.get("t", "")
    trade = cashier.cashier_trade(out_trade_no=out_trade_no, token=token)
    if trade is None:
        raise Http404
    redirect_url = request.GET.get("redirect_url", "")[:MAX_REDIRECT_URL]
    return render(
        request, "payments/sandbox_cashier.html", _cashier_context(trade, token=token, redirect_url=redirect_url)
    )


@sandbox_only
@require_POST
def sandbox_settle(request, out_trade_no: str):
    """Pay or Fail: the provider's trade changes, its notification is on its way, and the
    browser goes back to the shop."""
    token = request.POST.get("t", "")
    trade = cashier.cashier_trade(out_trade_no=out_trade_no, token=token)
    if trade is None:
        raise Http404
    redirect_url = request.POST.get("redirect_url", "")[:MAX_REDIRECT_URL]
    action = request.POST.get("action")
    if action not in ("pay", "fail"):
        messages.error(request, _("Choose Pay or Fail."))
        return redirect(_cashier_link(out_trade_no, token=token, redirect_url=redirect_url))
    settled = cashier.cashier_settle(trade=trade, paid=action == "pay")
    if settled is None:
        messages.error(request, _("This trade is no longer open."))
        trade.refresh_from_db()
    else:
        trade = settled
    back = cashier.browser_return_url(trade, redirect_url=redirect_url)
    if back and settled is not None:
        return redirect(back)
    return render(
        request, "payments/sandbox_cashier.html", _cashier_context(trade, token=token, redirect_url=redirect_url)
    )


@sandbox_only
@require_POST
def sandbox_refunds(request, out_trade_no: str):
    """Tell the simulated provider to refuse (or accept again) refunds of this trade."""
    token = request.POST.get("t", "")
    trade = cashier.cashier_trade(out_trade_no=out_trade_no, token=token)
    if trade is None:
        raise Http404
    redirect_url = request.POST.get("redirect_url", "")[:MAX_REDIRECT_URL]
    refuse = request.POST.get("refuse") == "1"
    cashier.cashier_refuse_refunds(trade=trade, refuse=refuse)
    messages.success(
        request, _("Refunds of this trade will be refused.") if refuse else _("Refunds of this trade will succeed.")
    )
    return redirect(_cashier_link(out_trade_no, token=token, redirect_url=redirect_url))
