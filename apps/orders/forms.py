from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import Order

NEW_ADDRESS = "new"


class CheckoutForm(forms.Form):
    """Checkout's choices. The address is one of the customer's own, or "new" with the
    fields of an AddressForm (prefix "new") filled in alongside."""

    address = forms.ChoiceField(label=_("Deliver to"), widget=forms.RadioSelect)
    shipping_method = forms.ChoiceField(label=_("Shipping"), widget=forms.RadioSelect)
    coupon = forms.CharField(label=_("Coupon code"), max_length=40, required=False, strip=True)
    # One per checkout page: a second "Place order" with it (a double click, a reload)
    # finds the first order instead of placing another.
    token = forms.CharField(widget=forms.HiddenInput, min_length=16, max_length=64)

    def __init__(self, *args, addresses, shipping_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = [(str(address.pk), str(address)) for address in addresses] + [
            (NEW_ADDRESS, _("A new address"))
        ]
        self.fields["shipping_method"].choices = shipping_choices

    @property
    def wants_new_address(self) -> bool:
        return self.cleaned_data.get("address") == NEW_ADDRESS


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All orders")), *Order.Status.choices], required=False
    )
