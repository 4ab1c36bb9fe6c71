"""The product filters, shared by the storefront pages and the API (one definition)."""

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog import selectors
from apps.catalog.models import Brand, Category

ORDERING_CHOICES = [
    ("newest", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("rating", _("Best rated")),
    ("bestselling", _("Best selling")),
]


IN_STOCK_ONLY = ("true", "1", "on")
VALUE_PATTERN = re.compile(r"^[-\w]+:[-\w]+$")
MAX_VALUES = 20


class AttributeValuesField(forms.Field):
    """Repeated `attribute:value` slugs (colour:red). Checked by shape only: a value that
    does not exist matches no product, so the list is empty, and no query is spent on
    validating it (this filter is built on every list request)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        return [str(item) for item in (value if isinstance(value, list | tuple) else [value])]

    def validate(self, values):
        super().validate(values)
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(_("Choose at most %(max)d options.") % {"max": MAX_VALUES})
        if any(not VALUE_PATTERN.match(item) for item in values):
            raise forms.ValidationError(_("Options look like attribute:value, for example colour:red."))


class AttributeValuesFilter(django_filters.Filter):
    field_class = AttributeValuesField


class ProductFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", method="filter_category", label=_("Category")
    )
    brand = django_filters.ModelMultipleChoiceFilter(
        queryset=Brand.objects.all(), to_field_name="slug", field_name="brand__slug", label=_("Brand")
    )
    min_price = django_filters.NumberFilter(
        field_name="max_price", lookup_expr="gte", min_value=0, max_digits=12, decimal_places=2, label=_("Min price")
    )
    max_price = django_filters.NumberFilter(
        field_name="min_price", lookup_expr="lte", min_value=0, max_digits=12, decimal_places=2, label=_("Max price")
    )
    # "true"/"1"/"on" (a ticked box) keeps products in stock; "false"/"0"/absent lists all.
    in_stock = django_filters.ChoiceFilter(
        method="filter_in_stock",
        label=_("In stock only"),
        choices=[(v, v) for v in ("true", "1", "on", "false", "0")],
    )
    value = AttributeValuesFilter(method="filter_values", label=_("Options"))
    search = django_filters.CharFilter(method="filter_search", max_length=100, label=_("Search"))
    ordering = django_filters.ChoiceFilter(choices=ORDERING_CHOICES, method="filter_ordering", label=_("Sort by"))

    class Meta:
        fields = ["category", "brand", "min_price", "max_price", "in_stock", "value", "search", "ordering"]

    def filter_category(self, queryset, name, category):
        return selectors.products_in_category(queryset, category) if category else queryset

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(in_stock=True) if value in IN_STOCK_ONLY else queryset

    def filter_values(self, queryset, name, values):
        grouped: dict[str, list[str]] = {}
        for pair in values:
            attribute, _, value = pair.partition(":")
            grouped.setdefault(attribute, []).append(value)
        return selectors.products_with_values(queryset, grouped)

    def filter_search(self, queryset, name, text):
        return selectors.products_matching(queryset, text)

    def filter_ordering(self, queryset, name, ordering):
        return queryset  # applied last, in `qs`, so it also covers the default

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return selectors.products_ordered(queryset, data.get("ordering"), searching=bool(data.get("search")))
