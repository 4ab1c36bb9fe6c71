"""The customer's refund page: the refunds of one of their orders, and a form to ask for one."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import format_money
from apps.orders import public as orders_public
from apps.payments.models import Refund
from apps.payments.services import refunds as refund_services


class RefundRequestForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (¥)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=Refund._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    return_goods = forms.BooleanField(
        label=gettext_lazy("I am sending the items back"),
        required=False,
        help_text=gettext_lazy("Their stock returns to the shop once the refund is made."),
    )

    def __init__(self, *args, refundable: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.fields["amount"].widget.attrs.update({"max": f"{refundable:.2f}", "step": "0.01"})
        self.initial.setdefault("amount", refundable)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s is left to refund.") % {"amount": format_money(self.refundable)},
                code="max_value",
            )
        return amount


@login_required
@require_http_methods(["GET", "POST"])
def order_refunds(request, number: str):
    order = orders_public.refund_order_get(number=number, user_id=request.user.pk)
    if order is None:
        raise Http404
    refundable = refund_services.refundable_amount(order_number=order.number) if order.is_refundable else Decimal(0)
    form = None
    if refundable > 0:
        form = RefundRequestForm(request.POST if request.method == "POST" else None, refundable=refundable)
        if request.method == "POST" and form.is_valid():
            try:
                refund_services.refund_request(
                    order_number=order.number,
                    user=request.user,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    return_goods=form.cleaned_data["return_goods"],
                )
            except DomainError as exc:
                form.add_error(None, _(exc.default_detail))
            else:
                messages.success(request, _("Your refund request is sent. We will let you know once it is decided."))
                return redirect("refunds:order_refunds", number=order.number)
    elif request.method == "POST":
        messages.error(request, _("This order cannot be refunded."))
    context = {
        "order": order,
        "refunds": refund_services.refund_list_for_order(order_number=order.number),
        "refundable": refundable,
        "form": form,
    }
    return render(request, "payments/refund_request.html", context)
