from django import forms
from django.utils.translation import gettext_lazy as _

from apps.cart.domain.keys import MAX_QUANTITY

MAX_SKU_ID = 2**63 - 1


class AddToCartForm(forms.Form):
    sku = forms.IntegerField(min_value=1, max_value=MAX_SKU_ID, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1, required=False)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_quantity(self):
        return self.cleaned_data["quantity"] or 1  # a plain "Add to cart" button adds one


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)


class CartOptionsForm(forms.Form):
    coupon = forms.CharField(label=_("Coupon code"), max_length=64, required=False, strip=True)
    shipping_method = forms.ChoiceField(label=_("Shipping"), widget=forms.RadioSelect)

    def __init__(self, *args, shipping_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = shipping_choices
