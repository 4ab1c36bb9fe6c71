"""The sales dashboard in the back office: /<admin>/reports/dashboard/.

A page of the admin site (its login, its header, its navigation), registered through a
proxy model so that it is listed under Reports and guarded by one permission,
reports.view_dashboard (the Finance role has it; superusers have everything). Staff
without it get 403, anyone else the admin's login page.

Every table of the page has a CSV export at export/<table>.csv with the same range.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.csv_export import csv_response
from apps.reports import selectors
from apps.reports.domain.periods import Period, default_range, each_day
from apps.reports.forms import DateRangeForm
from apps.reports.models import DailySales, Dashboard

PERMISSION = "reports.view_dashboard"

# The providers' codes as the orders record them (payments' Provider; the demo orders'
# "wechat_pay" too). A code not listed shows as it is.
PROVIDER_LABELS = {
    "alipay": _("Alipay"),
    "wechat": _("WeChat Pay"),
    "wechat_pay": _("WeChat Pay"),
    "": _("Unknown"),
}
PERIOD_LABELS = {"today": _("Today"), "7d": _("Last 7 days"), "30d": _("Last 30 days")}
QUICK_RANGES = (7, 30, 90, 365)


def provider_label(code: str) -> str:
    return str(PROVIDER_LABELS.get(code, code))


def _category_label(name: str) -> str:
    return name or gettext("Unknown category")


def _product_label(row) -> str:
    return row.name or gettext("Product #%(id)s") % {"id": row.product_id}


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        # Only the dashboard and its exports: no object pages for a proxy of the roll-up.
        info = self.opts.app_label, self.opts.model_name
        return [
            path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path(
                "export/<slug:table>.csv",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
        ]

    # --- The page ---------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form, period = self._range(request, today)
        if form.is_bound and not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        report = selectors.dashboard_report(period=period, today=today)
        query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sales dashboard"),
            "opts": self.opts,
            "form": form,
            "report": report,
            "kpi_columns": self._kpi_columns(report),
            "top_products": [(row, _product_label(row)) for row in report.top_products],
            "categories": [(row, _category_label(row.name)) for row in report.categories],
            "providers": [(row, provider_label(row.key)) for row in report.providers],
            "chart_data": self._chart_data(report),
            "quick_ranges": self._quick_ranges(today),
            "export_query": query,
            "orders_paid_url": self._orders_url("paid"),
            "stock_url": self._reverse("admin:inventory_stock_changelist"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/reports/dashboard.html", context)

    @staticmethod
    def _range(request, today) -> tuple[DateRangeForm, Period]:
        default = default_range(today=today)
        if not (request.GET.get("start") or request.GET.get("end")):
            return DateRangeForm(initial={"start": default.start, "end": default.end}, today=today), default
        form = DateRangeForm(request.GET, today=today)
        return form, (form.period() if form.is_valid() else default)

    @staticmethod
    def _kpi_columns(report) -> list[dict]:
        columns = []
        for kpis in report.kpis:
            period = kpis.period
            if period.key in PERIOD_LABELS:
                label = PERIOD_LABELS[period.key]
            else:
                label = gettext("%(start)s to %(end)s") % {"start": period.start, "end": period.end}
            columns.append({"label": label, "kpis": kpis, "is_range": period.key == "range"})
        return columns

    @staticmethod
    def _chart_data(report) -> dict:
        return {
            "daily": {
                "labels": [row.day.isoformat() for row in report.days],
                "revenue": [str(row.revenue) for row in report.days],
                "orders": [row.paid_orders for row in report.days],
            },
            "products": {
                "labels": [_product_label(row) for row in report.top_products],
                "revenue": [str(row.revenue) for row in report.top_products],
            },
            "categories": {
                "labels": [_category_label(row.name) for row in report.categories],
                "revenue": [str(row.revenue) for row in report.categories],
            },
            "providers": {
                "labels": [provider_label(row.key) for row in report.providers],
                "revenue": [str(row.revenue) for row in report.providers],
            },
            "text": {
                "revenue": gettext("Revenue"),
                "orders": gettext("Paid orders"),
                "empty": gettext("No sales in this range."),
            },
        }

    @staticmethod
    def _quick_ranges(today) -> list[tuple[str, str]]:
        return [
            (
                gettext("Last %(days)d days") % {"days": days},
                urlencode({"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}),
            )
            for days in QUICK_RANGES
        ]

    def _orders_url(self, status: str) -> str:
        url = self._reverse("admin:orders_order_changelist")
        return f"{url}?{urlencode({'status__exact': status})}" if url else ""

    @staticmethod
    def _reverse(name: str) -> str:
        try:
            return reverse(name)
        except NoReverseMatch:  # that admin is not installed: no link
            return ""

    # --- CSV ----------------------------------------------------------------------------

    def export_view(self, request, table: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        export = EXPORTS.get(table)
        if export is None:
            raise Http404(gettext("There is no report table %(table)s.") % {"table": table})
        today = timezone.localdate()
        form, period = self._range(request, today)
        if form.is_bound and not form.is_valid():
            errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
            return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
        header, rows = export(period=period, today=today)
        return csv_response(filename=f"{table}-{period.start}-{period.end}.csv", header=header, rows=rows)


def _export_kpis(*, period, today):
    report = selectors.dashboard_report(period=period, today=today)
    header = (
        _("period"),
        _("from"),
        _("to"),
        _("revenue"),
        _("paid orders"),
        _("placed orders"),
        _("paid rate (%)"),
        _("average order value"),
        _("refunds"),
        _("refund count"),
    )
    rows = [
        (
            kpis.period.key,
            kpis.period.start,
            kpis.period.end,
            kpis.revenue,
            kpis.paid_orders,
            kpis.placed_orders,
            kpis.paid_rate,
            kpis.average_order_value,
            kpis.refunds,
            kpis.refund_count,
        )
        for kpis in report.kpis
    ]
    return header, rows


def _export_daily(*, period, today):
    days = selectors.daily_sales_between(start=period.start, end=period.end)
    header = (
        _("day"),
        _("placed orders"),
        _("paid orders"),
        _("units"),
        _("revenue"),
        _("discounts"),
        _("shipping"),
        _("refunds"),
        _("refund count"),
    )
    rows = [
        (
            row.day,
            row.placed_orders,
            row.paid_orders,
            row.units,
            row.revenue,
            row.discounts,
            row.shipping,
            row.refunds,
            row.refund_count,
        )
        for row in (days.get(day) or DailySales(day=day) for day in each_day(period.start, period.end))
    ]
    return header, rows


def _export_products(*, period, today):
    header = (_("product id"), _("product"), _("orders"), _("units"), _("revenue"), _("discounts"), _("refunds"))
    rows = [
        (row.product_id, row.name, row.orders, row.units, row.revenue, row.discounts, row.refunds)
        for row in selectors.product_rows_between(start=period.start, end=period.end)
    ]
    return header, rows


def _export_categories(*, period, today):
    report = selectors.dashboard_report(period=period, today=today)
    header = (_("category id"), _("category"), _("units"), _("revenue"), _("discounts"), _("refunds"), _("share (%)"))
    rows = [
        (row.key, _category_label(row.name), row.units, row.revenue, row.discounts, row.refunds, row.share)
        for row in report.categories
    ]
    return header, rows


def _export_providers(*, period, today):
    report = selectors.dashboard_report(period=period, today=today)
    header = (_("provider"), _("name"), _("units"), _("revenue"), _("discounts"), _("refunds"), _("share (%)"))
    rows = [
        (row.key, provider_label(row.key), row.units, row.revenue, row.discounts, row.refunds, row.share)
        for row in report.providers
    ]
    return header, rows


def _export_low_stock(*, period, today):
    header = (
        _("SKU id"),
        _("SKU code"),
        _("product"),
        _("on hand"),
        _("reserved"),
        _("available"),
        _("low-stock threshold"),
    )
    rows = [
        (row.sku_id, row.sku_code, row.product_name, row.on_hand, row.reserved, row.available, row.threshold)
        for row in selectors.low_stock_all()
    ]
    return header, rows


EXPORTS = {
    "kpis": _export_kpis,
    "daily": _export_daily,
    "products": _export_products,
    "categories": _export_categories,
    "providers": _export_providers,
    "low-stock": _export_low_stock,
}
