import time

from django.core.management.base import BaseCommand, CommandError

from apps.reports.seeding import seed_orders
from apps.reports.services import sales_rebuild


class Command(BaseCommand):
    help = (
        "Bulk-create realistic orders for the reports' scale test: paid orders (most shipped or "
        "completed), some cancelled, with their lines, successful payments and some refunds, spread "
        "over the last --days days, then rebuild the sales roll-up for those days. TEST DATA ONLY: rows "
        "are written with bulk_create, not through the services, so no stock moves, no coupon, points, "
        "mail or event follows. Needs a catalog with buyable SKUs (manage.py seed_demo). Adds orders on "
        "every run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000, help="how many orders to add (default 1000)")
        parser.add_argument("--days", type=int, default=120, help="spread over the last N days (default 120)")
        parser.add_argument(
            "--refund-rate", type=float, default=0.04, help="share of paid orders refunded (default 0.04)"
        )
        parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")
        parser.add_argument("--no-rebuild", action="store_true", help="leave the roll-up as it is")

    def handle(self, *args, orders, days, refund_rate, seed, no_rebuild, **options):
        if orders < 1 or days < 1:
            raise CommandError("--orders and --days must be at least 1.")
        if not 0 <= refund_rate <= 1:
            raise CommandError("--refund-rate must be between 0 and 1.")
        started = time.monotonic()

        def progress(made: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {made} orders ({time.monotonic() - started:.0f} s)")

        try:
            result = seed_orders(orders=orders, days=days, refund_rate=refund_rate, seed=seed, progress=progress)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        seeded = time.monotonic()
        self.stdout.write(
            f"Seeded {result.orders} orders ({result.paid} paid, {result.refunds} refunded) from "
            f"{result.first_day} to {result.last_day} in {seeded - started:.1f} s."
        )
        if no_rebuild:
            return
        rebuilt = sales_rebuild(date_from=result.first_day, date_to=result.last_day)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the roll-up for {rebuilt.days} days in {time.monotonic() - seeded:.1f} s: "
                f"{rebuilt.paid_orders} paid orders, {rebuilt.refunds} refunds, {rebuilt.product_rows} product rows."
            )
        )
