import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.inventory.selectors import MAX_ID


class IntegerInFilter(django_filters.BaseInFilter):
    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    """true or false; anything else is an error, not a silently ignored filter."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StockFilter(django_filters.FilterSet):
    sku = IntegerInFilter(
        field_name="sku_id",
        min_value=1,
        max_value=MAX_ID,
        label=_("SKU ids"),
        help_text=_("SKU ids, separated by commas."),
    )
    low = StrictBooleanFilter(method="filter_low", label=_("At or below the low-stock threshold (sold out included)"))
    sold_out = StrictBooleanFilter(method="filter_sold_out", label=_("Nothing left to sell"))

    def filter_low(self, queryset, name, value):
        return queryset.low() if value else queryset.above_threshold()

    def filter_sold_out(self, queryset, name, value):
        return queryset.sold_out() if value else queryset.not_sold_out()
