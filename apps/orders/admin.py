"""The orders back office.

An order is a record of what was sold: its amounts, snapshots and status are read here,
never edited. Status changes go through actions that call the order services, so the
stock, the coupon and the events follow as they do for the storefront and the API.
"""

from collections import OrderedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateRangeFilterBuilder, NumericRangeFilter

from apps.core.admin_inlines import ReadOnlyTabularInline
from apps.core.csv_export import csv_response
from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import format_money, to_money
from apps.core.observability import business_log
from apps.orders import services
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order, OrderLine

# Background colours of the status badges; the text is white on each.
STATUS_COLOURS = {
    Order.Status.PENDING_PAYMENT: "#b7791f",
    Order.Status.PAID: "#2b6cb0",
    Order.Status.SHIPPED: "#6b46c1",
    Order.Status.COMPLETED: "#2f855a",
    Order.Status.CANCELLED: "#718096",
    Order.Status.REFUNDED: "#c53030",
    Order.Status.PARTIALLY_REFUNDED: "#dd6b20",
}

# The same words as the promotions' own names (same msgids, one translation).
ADJUSTMENT_KINDS = {
    "threshold": _("threshold promotion"),
    "percentage": _("percentage promotion"),
    "coupon": _("coupon"),
}

# Numbers in a skipped-orders message; beyond this "and N more".
SKIPPED_NAMED = 20


class AmountRangeFilter(NumericRangeFilter):
    """The total between two amounts, read as Decimal (the library's own filter parses
    floats, and money is never float). Bad input shows a form error in the filter and
    leaves the list unfiltered. Its title is the field's name."""

    def _get_form_fields(self):
        amount_field = Order._meta.get_field("total")
        return OrderedDict(
            (
                name,
                forms.DecimalField(
                    label="",
                    widget=forms.NumberInput(attrs={"placeholder": placeholder}),
                    required=False,
                    max_digits=amount_field.max_digits,
                    decimal_places=amount_field.decimal_places,
                    min_value=0,
                ),
            )
            for name, placeholder in ((self.lookup_kwarg_gte, _("From")), (self.lookup_kwarg_lte, _("To")))
        )


class OrderLineInline(ReadOnlyTabularInline):
    """The lines as sold: snapshots, never added, changed or removed here."""

    model = OrderLine
    fields = (
        "product_name",
        "sku_code",
        "attributes",
        "unit_price_display",
        "quantity",
        "line_discount_display",
        "line_total_display",
    )
    readonly_fields = fields

    @admin.display(description=_("unit price"))
    def unit_price_display(self, line):
        return format_money(line.unit_price)

    @admin.display(description=_("line discount"))
    def line_discount_display(self, line):
        return format_money(line.line_discount)

    @admin.display(description=_("line total"))
    def line_total_display(self, line):
        return format_money(line.line_total)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer_email", "status_badge", "total_display", "item_count", "placed_at")
    list_filter = (
        "status",
        ("placed_at", DateRangeFilterBuilder(title=_("placed at"))),
        ("total", AmountRangeFilter),
    )
    search_fields = ("number", "user__email", "phone", "user__phone")
    search_help_text = _("Order number, customer e-mail or phone number.")
    date_hierarchy = "placed_at"
    list_select_related = ("user",)
    ordering = ("-placed_at", "-id")
    list_per_page = 50
    show_full_result_count = False  # one COUNT less on every page of a long list
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "user",
                    "status",
                    "placed_at",
                    "payment_deadline",
                    "paid_at",
                    "payment_provider",
                    "shipped_at",
                    "ship_link",
                    "delivered_at",
                    "cancelled_at",
                    "completed_at",
                )
            },
        ),
        (
            _("Delivery address"),
            {"fields": ("recipient", "phone", "province", "city", "district", "street", "postcode", "shipping_method")},
        ),
        (_("Price breakdown"), {"fields": ("price_breakdown", "coupon_code", "points_earned")}),
    )
    readonly_fields = (
        "number",
        "user",
        "status",
        "placed_at",
        "payment_deadline",
        "paid_at",
        "payment_provider",
        "shipped_at",
        "ship_link",
        "delivered_at",
        "cancelled_at",
        "completed_at",
        "recipient",
        "phone",
        "province",
        "city",
        "district",
        "street",
        "postcode",
        "shipping_method",
        "price_breakdown",
        "coupon_code",
        "points_earned",
    )
    inlines = [OrderLineInline]
    actions = ["cancel_unpaid"]

    change_list_template = "admin/orders/order/change_list.html"

    def get_urls(self):
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The list as filtered and searched on the page, every row of it, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(gettext("These filters are not valid."), content_type="text/plain")
        orders = changelist.get_queryset(request).select_related("user")
        header = (
            _("number"),
            _("placed at"),
            _("status"),
            _("customer"),
            _("recipient"),
            _("phone"),
            _("province"),
            _("city"),
            _("district"),
            _("items"),
            _("subtotal"),
            _("discount"),
            _("shipping fee"),
            _("shipping discount"),
            _("total"),
            _("coupon code"),
            _("payment provider"),
            _("paid at"),
            _("shipped at"),
            _("completed at"),
            _("cancelled at"),
        )
        rows = (
            (
                order.number,
                _local(order.placed_at),
                order.get_status_display(),
                order.user.email,
                order.recipient,
                order.phone,
                order.province,
                order.city,
                order.district,
                order.items,
                order.subtotal,
                order.discount_total,
                order.shipping_fee,
                order.shipping_discount,
                order.total,
                order.coupon_code,
                order.payment_provider,
                _local(order.paid_at),
                _local(order.shipped_at),
                _local(order.completed_at),
                _local(order.cancelled_at),
            )
            for order in orders.iterator(chunk_size=2000)
        )
        business_log("orders_exported", staff_user_id=request.user.pk, query=request.GET.urlencode()[:500])
        return csv_response(filename=f"orders-{timezone.localdate():%Y%m%d}.csv", header=header, rows=rows)

    def get_queryset(self, request):
        # A correlated subquery rather than a join and GROUP BY: the count and the
        # pagination stay plain queries on orders.
        items = (
            OrderLine.objects.filter(order=OuterRef("pk"))
            .order_by()
            .values("order")
            .annotate(units=Sum("quantity"))
            .values("units")
        )
        return super().get_queryset(request).annotate(items=Coalesce(Subquery(items), 0))

    # Nothing is added, edited or deleted by hand: the services own every change.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's actions need "change"; one order's page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # orders are cancelled or refunded, and the record stays

    # Columns.

    @admin.display(description=_("customer"), ordering="user__email")
    def customer_email(self, order):
        return order.user.email

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, order):
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 6px;border-radius:4px;white-space:nowrap">{}</span>',
            STATUS_COLOURS.get(order.status, "#4a5568"),
            order.get_status_display(),
        )

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, order):
        return format_money(order.total)

    @admin.display(description=_("items"), ordering="items")
    def item_count(self, order):
        return order.items

    @admin.display(description=_("shipping"))
    def ship_link(self, order):
        """Shipping's "ship paid orders" page for this order: linked by URL name, not imported."""
        if order.shipped_at is not None or order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
            return "-"
        try:
            url = reverse("admin:shipping_shipment_add", current_app=self.admin_site.name)
        except NoReverseMatch:  # shipping not installed
            return "-"
        return format_html('<a class="button" href="{}?order={}">{}</a>', url, order.number, gettext("Ship this order"))

    @admin.display(description=_("price breakdown"))
    def price_breakdown(self, order):
        adjustments = []
        for adjustment in (order.breakdown or {}).get("adjustments") or []:
            kind = adjustment.get("kind", "")
            adjustments.append(
                {
                    "kind": ADJUSTMENT_KINDS.get(kind, kind),
                    "label": adjustment.get("label", ""),
                    "amount": _money_or_raw(adjustment.get("amount")),
                }
            )
        return render_to_string(
            "admin/orders/order/price_breakdown.html",
            {
                "subtotal": format_money(order.subtotal),
                "adjustments": adjustments,
                "shipping_fee": format_money(order.shipping_fee),
                "shipping_discount": format_money(order.shipping_discount) if order.shipping_discount else None,
                "total": format_money(order.total),
            },
        )

    # Actions: state changes only here, through the services.

    @admin.action(description=_("Cancel selected unpaid orders"), permissions=["change"])
    def cancel_unpaid(self, request, queryset):
        cancelled, skipped = 0, []
        for order in queryset.order_by("pk"):
            try:
                services.order_cancel(order=order, reason=services.CANCELLED_BY_STAFF)
            except IllegalTransition:
                skipped.append(order.number)
                continue
            except DomainError as exc:
                self.message_user(
                    request,
                    gettext("%(number)s not cancelled: %(reason)s")
                    % {"number": order.number, "reason": gettext(exc.detail)},
                    messages.ERROR,
                )
                continue
            self.log_change(request, order, gettext("Cancelled by staff."))
            business_log(
                "order_cancelled_by_staff", order_id=order.pk, number=order.number, staff_user_id=request.user.pk
            )
            cancelled += 1
        if skipped:
            named = ", ".join(skipped[:SKIPPED_NAMED])
            if len(skipped) > SKIPPED_NAMED:
                named = gettext("%(numbers)s and %(count)d more") % {
                    "numbers": named,
                    "count": len(skipped) - SKIPPED_NAMED,
                }
            self.message_user(
                request,
                ngettext(
                    "Skipped %(count)d order that is no longer unpaid: %(numbers)s",
                    "Skipped %(count)d orders that are no longer unpaid: %(numbers)s",
                    len(skipped),
                )
                % {"count": len(skipped), "numbers": named},
                messages.WARNING,
            )
        if cancelled:
            self.message_user(
                request,
                ngettext("Cancelled %(count)d order.", "Cancelled %(count)d orders.", cancelled) % {"count": cancelled},
                messages.SUCCESS,
            )


def _money_or_raw(value) -> str:
    """The snapshot's amount formatted; whatever else it holds, shown as it is."""
    try:
        return format_money(to_money(value))
    except (TypeError, ValueError):
        return str(value) if value is not None else "-"


def _local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""
