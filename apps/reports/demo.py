"""Demo data: the sales roll-up rebuilt over the demo's orders.

The other apps' demos move order, payment and refund times into the past after their
events were handled, so the roll-up the handlers kept is dated today; rebuilding the
last 120 days puts every sale on its (back-dated) day.
"""

from datetime import timedelta

from django.utils import timezone

from apps.reports.services import sales_rebuild

DAYS = 120


def seed(*, stdout, **options) -> list[str]:
    today = timezone.localdate()
    result = sales_rebuild(date_from=today - timedelta(days=DAYS - 1), date_to=today)
    stdout.write(
        f"Reports: the sales roll-up rebuilt for the last {DAYS} days "
        f"({result.paid_orders} paid orders, {result.refunds} refunds)."
    )
    return []
