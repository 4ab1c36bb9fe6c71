from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.reports.domain.periods import MAX_RANGE_DAYS
from apps.reports.services import sales_rebuild

DEFAULT_DAYS = 30
# Ten years: a rebuild is cheap per day, but a typo in a year should not run for hours.
MAX_REBUILD_DAYS = 10 * MAX_RANGE_DAYS


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = (
        "Recompute the sales roll-up (reports) for a range of days, local time, from the orders and "
        "refunds themselves. Safe to run at any time and again: the days' rows are replaced. "
        f"Without dates, the last {DEFAULT_DAYS} days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=_day, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=_day, help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, date_from=None, date_to=None, **options):
        date_to = date_to or timezone.localdate()
        date_from = date_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_to >= date.max:
            raise CommandError(f"--to must be before {date.max}.")
        if date_from > date_to:
            raise CommandError(f"--from {date_from} is after --to {date_to}.")
        if (date_to - date_from).days + 1 > MAX_REBUILD_DAYS:
            raise CommandError(f"rebuild at most {MAX_REBUILD_DAYS} days at a time.")
        result = sales_rebuild(date_from=date_from, date_to=date_to)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {result.days} days ({date_from} to {date_to}): {result.placed_orders} orders placed, "
                f"{result.paid_orders} paid, {result.refunds} refunds, {result.product_rows} product rows."
            )
        )
