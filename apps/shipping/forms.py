"""The back office's shipping form: one carrier, one tracking number per order."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.shipping.domain.updates import BAD_TRACKING_NUMBER, normalise_tracking_number
from apps.shipping.models import CARRIER_CHOICES

# Orders on one shipping page: a day's parcels for one carrier, not the whole backlog.
MAX_ROWS = 100


class ShipCarrierForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=[("", "---------"), *CARRIER_CHOICES])


class ShipOrderRowForm(forms.Form):
    order_number = forms.CharField(widget=forms.HiddenInput, max_length=32)
    ship = forms.BooleanField(label=_("Ship"), required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=60)

    def clean(self):
        data = super().clean()
        if not data.get("ship"):
            return data
        typed = data.get("tracking_number") or ""
        normalised = normalise_tracking_number(typed)
        if not typed.strip():
            self.add_error("tracking_number", _("Enter the tracking number."))
        elif normalised is None:
            self.add_error("tracking_number", _(BAD_TRACKING_NUMBER))
        else:
            data["tracking_number"] = normalised
        return data


class BaseShipOrderRowFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen: set[str] = set()
        selected = 0
        for form in self.forms:
            if not form.cleaned_data.get("ship"):
                continue
            selected += 1
            number = form.cleaned_data["tracking_number"]
            if number in seen:
                form.add_error("tracking_number", _("Each order needs its own tracking number."))
            seen.add(number)
        if not selected:
            raise ValidationError(_("Tick at least one order to ship."))

    def shipments(self) -> list[tuple[str, str]]:
        """(order number, tracking number) of the ticked rows, once valid."""
        return [
            (form.cleaned_data["order_number"], form.cleaned_data["tracking_number"])
            for form in self.forms
            if form.cleaned_data.get("ship")
        ]


ShipOrderRowFormSet = forms.formset_factory(
    ShipOrderRowForm,
    formset=BaseShipOrderRowFormSet,
    extra=0,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
