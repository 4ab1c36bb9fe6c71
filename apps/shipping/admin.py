"""The shipping back office: ship paid orders, and follow shipments with their carrier scans.

Shipping is a page of this app rather than an action on the order list: the orders app
may not know shipping (it is to its right), and adding an action to OrderAdmin from here
would patch another app's class at import time. So "Ship paid orders" (the shipments'
add page) lists the paid orders waiting to ship: tick one or many, pick the carrier, type
each tracking number. `?order=<number>` (repeatable) opens it with just those orders
ticked, which is the link for shipping a single order.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateRangeFilterBuilder

from apps.core.admin_inlines import ReadOnlyTabularInline
from apps.core.domain.exceptions import DomainError
from apps.core.observability import business_log
from apps.orders import public as orders_public
from apps.shipping import services
from apps.shipping.forms import MAX_ROWS, ShipCarrierForm, ShipOrderRowFormSet
from apps.shipping.models import Shipment, TrackingEvent

STATUS_COLOURS = {
    Shipment.Status.SHIPPED: "#718096",
    Shipment.Status.PICKED_UP: "#2b6cb0",
    Shipment.Status.IN_TRANSIT: "#6b46c1",
    Shipment.Status.OUT_FOR_DELIVERY: "#b7791f",
    Shipment.Status.DELIVERED: "#2f855a",
}
ROWS_PREFIX = "rows"


class TrackingEventInline(ReadOnlyTabularInline):
    """The carrier's scans as they arrived: never added, changed or removed here."""

    model = TrackingEvent
    fields = ("time", "status", "location", "description", "event_id", "received_at")
    readonly_fields = fields
    ordering = ("time", "id")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("tracking_number", "carrier", "order_link", "status_badge", "shipped_at", "delivered_at")
    list_filter = ("carrier", "status", ("shipped_at", DateRangeFilterBuilder(title=_("shipped at"))))
    search_fields = ("tracking_number", "order_number")
    search_help_text = _("Tracking number or order number.")
    ordering = ("-shipped_at", "-id")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "order_link",
        "carrier",
        "tracking_number",
        "status",
        "shipped_at",
        "status_changed_at",
        "delivered_at",
    )
    readonly_fields = fields
    inlines = [TrackingEventInline]

    # Shipments come from the ship page and change only through carrier updates.

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Columns.

    @admin.display(description=_("order"), ordering="order_number")
    def order_link(self, shipment):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[shipment.order_id], current_app=self.admin_site.name),
            shipment.order_number,
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, shipment):
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 6px;border-radius:4px;white-space:nowrap">{}</span>',
            STATUS_COLOURS.get(shipment.status, "#4a5568"),
            shipment.get_status_display(),
        )

    # Ship paid orders: the add page.

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            carrier_form = ShipCarrierForm(request.POST)
            rows = ShipOrderRowFormSet(request.POST, prefix=ROWS_PREFIX)
            if carrier_form.is_valid() and rows.is_valid():
                return self._ship(request, carrier_form.cleaned_data["carrier"], rows.shipments())
            numbers = [str(form["order_number"].value() or "") for form in rows.forms]
            orders = orders_public.orders_awaiting_shipment(numbers=numbers, limit=MAX_ROWS)
        else:
            chosen = request.GET.getlist("order")
            orders = orders_public.orders_awaiting_shipment(numbers=chosen or None, limit=MAX_ROWS)
            carrier_form = ShipCarrierForm()
            rows = ShipOrderRowFormSet(
                prefix=ROWS_PREFIX, initial=[{"order_number": order.number, "ship": bool(chosen)} for order in orders]
            )
        by_number = {order.number: order for order in orders}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ship paid orders"),
            "opts": self.model._meta,
            "carrier_form": carrier_form,
            "formset": rows,
            "rows": [(form, by_number.get(form["order_number"].value())) for form in rows.forms],
            "max_rows": MAX_ROWS,
            "media": self.media + carrier_form.media + rows.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/shipping/shipment/ship.html", context)

    def _ship(self, request, carrier: str, shipments: list[tuple[str, str]]):
        shipped, failed = 0, []
        for order_number, tracking_number in shipments:
            try:
                shipment = services.shipment_create(
                    order_number=order_number, carrier=carrier, tracking_number=tracking_number
                )
            except orders_public.IllegalTransition:
                failed.append(order_number)
                self.message_user(
                    request,
                    gettext("%(number)s not shipped: it is no longer waiting to ship.") % {"number": order_number},
                    messages.ERROR,
                )
                continue
            except DomainError as exc:
                failed.append(order_number)
                self.message_user(
                    request,
                    gettext("%(number)s not shipped: %(reason)s")
                    % {"number": order_number, "reason": gettext(exc.detail)},
                    messages.ERROR,
                )
                continue
            self.log_addition(request, shipment, [{"added": {}}])
            business_log(
                "order_shipped_by_staff",
                shipment_id=shipment.pk,
                number=order_number,
                carrier=carrier,
                staff_user_id=request.user.pk,
            )
            shipped += 1
        if shipped:
            self.message_user(
                request,
                ngettext("Shipped %(count)d order.", "Shipped %(count)d orders.", shipped) % {"count": shipped},
                messages.SUCCESS,
            )
        if failed:  # back to the page with just those, to correct and send again
            url = reverse("admin:shipping_shipment_add", current_app=self.admin_site.name)
            return redirect(f"{url}?{urlencode([('order', number) for number in failed])}")
        return redirect(reverse("admin:shipping_shipment_changelist", current_app=self.admin_site.name))
