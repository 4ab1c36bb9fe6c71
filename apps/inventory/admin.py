from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.domain.exceptions import DomainError
from apps.inventory import services
from apps.inventory.models import Stock, StockMovement

ADJUST_PREVIEW_ROWS = 20


class StockLevelFilter(admin.SimpleListFilter):
    """Three bands that do not overlap: sold out, running low, above the threshold."""

    title = _("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [
            ("sold_out", _("Sold out")),
            ("low", _("Low stock (still available)")),
            ("in_stock", _("In stock (above the threshold)")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "sold_out":
                return queryset.sold_out()
            case "low":
                return queryset.running_low()
            case "in_stock":
                return queryset.above_threshold()
        return queryset


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=_("Change on hand"),
        min_value=-services.MAX_ADJUSTMENT,
        max_value=services.MAX_ADJUSTMENT,
        help_text=_("Units to add (positive) or remove (negative), for every selected SKU."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(value, label) for value, label in StockMovement.Reason.choices if value in services.STAFF_REASONS],
        help_text=_("Goods received and returns only add units; a count can go either way."),
    )
    note = forms.CharField(label=_("Note"), max_length=StockMovement._meta.get_field("note").max_length, required=False)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter a change other than zero."), code="zero")
        return delta


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Counts are read-only here: they change only through the stock services (the
    "Adjust stock" action, orders), so every change has its movement row and events."""

    list_display = (
        "sku_code",
        "product_name",
        "on_hand",
        "reserved",
        "available_units",
        "low_stock_threshold",
        "level",
    )
    list_editable = ("low_stock_threshold",)
    list_filter = (StockLevelFilter, "sku__product__category")
    list_select_related = ("sku__product",)
    search_fields = ("sku__code", "sku__product__name")
    ordering = ("sku_id",)
    raw_id_fields = ("sku",)
    actions = ["adjust_stock"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(available_count=F("on_hand") - F("reserved"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("sku", "low_stock_threshold")
        return (
            "sku",
            "product_name",
            "on_hand",
            "reserved",
            "available_units",
            "low_stock_threshold",
            "level",
            "updated_at",
            "movements",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("sku", "product_name", "on_hand", "reserved", "available_units", "level", "updated_at", "movements")

    def has_delete_permission(self, request, obj=None):
        return False  # a SKU's counts and its ledger must keep explaining each other

    @admin.display(description=_("SKU code"), ordering="sku__code")
    def sku_code(self, obj):
        return obj.sku.code

    @admin.display(description=_("product"), ordering="sku__product__name")
    def product_name(self, obj):
        return obj.sku.product.name

    @admin.display(description=_("available"), ordering="available_count")
    def available_units(self, obj):
        return obj.available

    @admin.display(description=_("level"))
    def level(self, obj):
        if obj.is_sold_out:
            return format_html('<strong style="color: var(--error-fg)">{}</strong>', gettext("sold out"))
        if obj.is_low:
            return format_html("<strong>{}</strong>", gettext("low"))
        return ""

    @admin.display(description=_("movements"))
    def movements(self, obj):
        url = reverse("admin:inventory_stockmovement_changelist") + f"?sku__id__exact={obj.sku_id}"
        return format_html('<a href="{}">{}</a>', url, gettext("All movements of this SKU"))

    def save_model(self, request, obj, form, change):
        # The form (and the list's editable column) carries only the threshold.
        saved = services.stock_set_threshold(sku_id=obj.sku_id, threshold=obj.low_stock_threshold)
        for field in ("on_hand", "reserved", "low_stock_threshold", "version", "updated_at"):
            setattr(obj, field, getattr(saved, field))

    @admin.action(description=_("Adjust stock"), permissions=["change"])
    def adjust_stock(self, request, queryset):
        form = StockAdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._apply_adjustment(request, queryset, **form.cleaned_data)
            return None  # back to the list, which shows the messages
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust stock"),
            "opts": self.model._meta,
            "form": form,
            "count": queryset.count(),
            "preview": queryset.select_related("sku__product")[:ADJUST_PREVIEW_ROWS],
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_name": "adjust_stock",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/inventory/stock/adjust_stock.html", context)

    def _apply_adjustment(self, request, queryset, *, delta: int, reason: str, note: str) -> None:
        reason_label = StockMovement.Reason(reason).label
        done = 0
        for stock in queryset.select_related("sku").order_by("sku_id"):
            try:
                updated = services.stock_adjust(
                    sku_id=stock.sku_id, delta=delta, reason=reason, note=note, actor=request.user
                )
            except DomainError as exc:
                self.message_user(
                    request,
                    gettext("%(code)s not adjusted: %(reason)s")
                    % {"code": stock.sku.code, "reason": gettext(exc.detail)},
                    messages.ERROR,
                )
                continue
            change = gettext("Adjusted stock by %(delta)+d (%(reason)s).") % {"delta": delta, "reason": reason_label}
            self.log_change(request, updated, f"{change} {note}".strip())
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("Adjusted the stock of %(count)d SKU.", "Adjusted the stock of %(count)d SKUs.", done)
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The ledger: written by the stock services only, never edited."""

    list_display = (
        "created_at",
        "sku_code",
        "product_name",
        "reason",
        "delta_on_hand",
        "delta_reserved",
        "reference",
        "actor",
        "note",
    )
    list_filter = ("reason",)
    date_hierarchy = "created_at"
    search_fields = ("sku__code", "reference")
    list_select_related = ("sku__product", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("SKU code"), ordering="sku__code")
    def sku_code(self, obj):
        return obj.sku.code

    @admin.display(description=_("product"), ordering="sku__product__name")
    def product_name(self, obj):
        return obj.sku.product.name
