"""What the simulated cashier pages do (apps/payments/views.py renders them).

The page is the provider's: it knows the trade (found by its number and the token in
its address), not the shop's customer. Paying or failing changes the provider's trade,
schedules the notification to the shop, and sends the browser back to the shop.
"""

from django.conf import settings
from django.db import transaction

from apps.payments.models import SandboxTrade
from apps.payments.sandbox import alipay, trades
from apps.payments.sandbox.delivery import notification_schedule


def cashier_trade(*, out_trade_no: str, token: str) -> SandboxTrade | None:
    if not token:
        return None
    return SandboxTrade.objects.filter(out_trade_no=out_trade_no, token=token).first()


def cashier_settle(*, trade: SandboxTrade, paid: bool) -> SandboxTrade | None:
    """The buyer paid (or the payment failed); None when the trade was no longer open."""
    with transaction.atomic():
        settled = trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=paid)
        if settled is not None:
            notification_schedule(trade_id=settled.pk)
    return settled


def cashier_refuse_refunds(*, trade: SandboxTrade, refuse: bool) -> None:
    SandboxTrade.objects.filter(pk=trade.pk).update(fail_refunds=refuse)


def browser_return_url(trade: SandboxTrade, *, redirect_url: str = "") -> str:
    """Where the provider sends the browser afterwards ("" when nowhere).

    Alipay goes to the return_url of the merchant's signed request, with its signed
    return parameters; WeChat's H5 cashier to the `redirect_url` the merchant appended,
    only on the merchant's own site (WeChat checks the registered domain).
    """
    site = settings.SITE_URL.rstrip("/") + "/"
    if trade.provider == alipay.PROVIDER and trade.return_url.startswith(site):
        separator = "&" if "?" in trade.return_url else "?"
        return f"{trade.return_url}{separator}{alipay.return_query(trade)}"
    if trade.provider != alipay.PROVIDER and redirect_url.startswith(site):
        return redirect_url
    return ""
