"""The payments back office. Records are read here, never edited: every change goes
through an action or a form that calls the payments services."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateRangeFilterBuilder

from apps.core.admin_inlines import ReadOnlyTabularInline
from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import format_money
from apps.payments.domain.exceptions import RefundNotAllowed
from apps.payments.models import Payment, PaymentNotification, Refund
from apps.payments.services import refunds as refund_services

# Payments ---------------------------------------------------------------------------------
# A payment is what a provider told us, verified: read here, never edited (the services
# and the notifications own every change). The raw notifications sit under each payment,
# and in their own list with the refused ones that matched no payment.

PAYMENT_STATUS_COLOURS = {
    Payment.Status.PENDING: "#b7791f",
    Payment.Status.SUCCEEDED: "#2f855a",
    Payment.Status.FAILED: "#c53030",
    Payment.Status.CLOSED: "#718096",
}
NOTIFICATION_OUTCOME_COLOURS = {
    PaymentNotification.Outcome.ACCEPTED: "#2f855a",
    PaymentNotification.Outcome.DUPLICATE: "#2b6cb0",
    PaymentNotification.Outcome.REJECTED: "#c53030",
}


def _badge(colour: str, text) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        colour,
        text,
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable with the view (or change) permission; nothing is added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentNotificationInline(ReadOnlyTabularInline):
    model = PaymentNotification
    fields = ("received_at", "outcome_badge", "reason", "headers", "body")
    readonly_fields = fields
    ordering = ("-received_at", "-id")
    verbose_name_plural = _("notifications received")

    @admin.display(description=_("outcome"))
    def outcome_badge(self, notification):
        return _badge(NOTIFICATION_OUTCOME_COLOURS[notification.outcome], notification.get_outcome_display())


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "out_trade_no",
        "order_number",
        "customer_email",
        "provider",
        "status_badge",
        "amount_display",
        "paid_at",
        "created_at",
    )
    list_filter = ("provider", "status", ("created_at", DateRangeFilterBuilder(title=_("created at"))))
    search_fields = ("out_trade_no", "order_number", "provider_trade_no", "user__email")
    search_help_text = _("Merchant or provider trade number, order number or customer e-mail.")
    list_select_related = ("user",)
    ordering = ("-created_at", "-id")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "out_trade_no",
        "order_number",
        "user",
        "provider",
        "status",
        "amount",
        "provider_trade_no",
        "paid_at",
        "refund_held",
        "refunded",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [PaymentNotificationInline]

    @admin.display(description=_("customer"), ordering="user__email")
    def customer_email(self, payment):
        return payment.user.email

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, payment):
        return _badge(PAYMENT_STATUS_COLOURS[payment.status], payment.get_status_display())

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, payment):
        return format_money(payment.amount)


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "out_trade_no", "outcome_badge", "reason", "payment")
    list_filter = ("provider", "outcome", "reason", ("received_at", DateRangeFilterBuilder(title=_("received at"))))
    search_fields = ("out_trade_no", "reason")
    list_select_related = ("payment",)
    ordering = ("-received_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    fields = ("received_at", "provider", "out_trade_no", "payment", "outcome", "reason", "headers", "body")
    readonly_fields = fields

    @admin.display(description=_("outcome"), ordering="outcome")
    def outcome_badge(self, notification):
        return _badge(NOTIFICATION_OUTCOME_COLOURS[notification.outcome], notification.get_outcome_display())


# Refunds: below

# Refunds ----------------------------------------------------------------------------------

REFUND_STATUS_COLOURS = {
    Refund.Status.REQUESTED: "#b7791f",
    Refund.Status.PROCESSING: "#2b6cb0",
    Refund.Status.SUCCEEDED: "#2f855a",
    Refund.Status.FAILED: "#c53030",
    Refund.Status.REJECTED: "#718096",
}
REFUND_REASON_MAX_LENGTH = Refund._meta.get_field("reason").max_length
REJECT_PREVIEW_ROWS = 20


class RefundCreateForm(forms.Form):
    order_number = forms.CharField(label=_("order number"), max_length=32)
    amount = forms.DecimalField(
        label=_("amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("At most what is left of the payment once the other refunds hold their share."),
    )
    reason = forms.CharField(label=_("reason"), max_length=REFUND_REASON_MAX_LENGTH)
    return_goods = forms.BooleanField(
        label=_("goods returned"),
        required=False,
        help_text=_("The items come back: their stock returns when the refund succeeds."),
    )


class RefundRejectForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=Refund._meta.get_field("failure_reason").max_length,
        required=False,
        help_text=_("Why the request is turned down (kept with the refund)."),
    )


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    """Refunds are read-only. Staff approve requests (the money goes back through the
    provider), reject them, or create a refund, which is sent at once; all of it needs
    the `payments.approve_refund` permission (the Finance role)."""

    list_display = (
        "out_refund_no",
        "order_number",
        "amount_display",
        "status_badge",
        "return_goods",
        "requested_by",
        "approved_by",
        "created_at",
        "succeeded_at",
    )
    list_filter = (
        "status",
        ("created_at", DateRangeFilterBuilder(title=_("created at"))),
        ("succeeded_at", DateRangeFilterBuilder(title=_("refunded at"))),
        "return_goods",
        "payment__provider",
    )
    search_fields = (
        "out_refund_no",
        "order_number",
        "provider_refund_no",
        "payment__out_trade_no",
        "requested_by__email",
    )
    search_help_text = _("Refund number, order number, provider refund number, trade number or customer e-mail.")
    list_select_related = ("requested_by", "approved_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "out_refund_no",
        "order_number",
        "payment",
        "amount_display",
        "status",
        "reason",
        "return_goods",
        "returned_lines",
        "requested_by",
        "approved_by",
        "approved_at",
        "provider_refund_no",
        "succeeded_at",
        "failure_reason",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["approve_and_refund", "reject"]

    # Nothing is edited or deleted by hand; a refund is added through the service (add_view).

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.has_approve_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.approve_refund")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RefundCreateForm(request.POST or None, initial={"order_number": request.GET.get("order_number", "")})
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_services.refund_create_by_staff(staff=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, gettext(exc.detail))
            else:
                self.log_addition(request, refund, [{"added": {}}])
                self._tell_outcome(request, [refund])
                return redirect(reverse("admin:payments_refund_change", args=[refund.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund an order"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/payments/refund/create_refund.html", context)

    # Columns.

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, refund):
        return format_money(refund.amount)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, refund):
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 6px;border-radius:4px;white-space:nowrap">{}</span>',
            REFUND_STATUS_COLOURS.get(refund.status, "#4a5568"),
            refund.get_status_display(),
        )

    @admin.display(description=_("returned lines"))
    def returned_lines(self, refund):
        if not refund.lines:
            return "-"
        return format_html_join(
            ", ", "{} &times; {}", ((line.get("sku_id"), line.get("quantity")) for line in refund.lines)
        )

    # Actions: every change through the refund services, written to the admin log.

    @admin.action(description=_("Approve and refund"), permissions=["approve"])
    def approve_and_refund(self, request, queryset):
        done, skipped = [], []
        for refund in queryset.order_by("pk"):
            try:
                refund = refund_services.refund_approve(refund_id=refund.pk, staff=request.user)
            except RefundNotAllowed:
                skipped.append(refund.out_refund_no)
                continue
            except DomainError as exc:
                self.message_user(
                    request,
                    gettext("%(number)s not approved: %(reason)s")
                    % {"number": refund.out_refund_no, "reason": gettext(exc.detail)},
                    messages.ERROR,
                )
                continue
            self.log_change(
                request,
                refund,
                gettext("Approved and sent to the provider: %(status)s.") % {"status": refund.get_status_display()},
            )
            done.append(refund)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Skipped %(count)d refund that is not waiting for approval: %(numbers)s",
                    "Skipped %(count)d refunds that are not waiting for approval: %(numbers)s",
                    len(skipped),
                )
                % {"count": len(skipped), "numbers": ", ".join(skipped)},
                messages.WARNING,
            )
        self._tell_outcome(request, done)

    @admin.action(description=_("Reject selected refund requests"), permissions=["approve"])
    def reject(self, request, queryset):
        form = RefundRejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            rejected = 0
            for refund in queryset.order_by("pk"):
                try:
                    refund_services.refund_reject(
                        refund_id=refund.pk, staff=request.user, note=form.cleaned_data["note"]
                    )
                except RefundNotAllowed:
                    self.message_user(
                        request,
                        gettext("%(number)s is not waiting for approval: left as it is.")
                        % {"number": refund.out_refund_no},
                        messages.WARNING,
                    )
                    continue
                self.log_change(request, refund, gettext("Rejected. %(note)s") % {"note": form.cleaned_data["note"]})
                rejected += 1
            if rejected:
                self.message_user(
                    request,
                    ngettext("Rejected %(count)d refund.", "Rejected %(count)d refunds.", rejected)
                    % {"count": rejected},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject refund requests"),
            "opts": self.opts,
            "form": form,
            "count": queryset.count(),
            "preview": queryset.order_by("pk")[:REJECT_PREVIEW_ROWS],
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_name": "reject",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/payments/refund/reject_refunds.html", context)

    def _tell_outcome(self, request, refunds):
        """One message per outcome: refunded, refused by the provider, still on its way."""
        by_status = {status: [r for r in refunds if r.status == status] for status in Refund.Status.values}
        if succeeded := by_status[Refund.Status.SUCCEEDED]:
            self.message_user(
                request,
                ngettext("Refunded %(count)d refund.", "Refunded %(count)d refunds.", len(succeeded))
                % {"count": len(succeeded)},
                messages.SUCCESS,
            )
        for refund in by_status[Refund.Status.FAILED]:
            self.message_user(
                request,
                gettext("%(number)s was refused by the provider: %(reason)s")
                % {"number": refund.out_refund_no, "reason": refund.failure_reason},
                messages.ERROR,
            )
        if processing := by_status[Refund.Status.PROCESSING]:
            self.message_user(
                request,
                gettext("The provider could not be reached for %(numbers)s: approve them again to send them again.")
                % {"numbers": ", ".join(r.out_refund_no for r in processing)},
                messages.WARNING,
            )
