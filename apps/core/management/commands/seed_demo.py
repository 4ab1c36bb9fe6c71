"""Fill the shop with demo data. Safe to run again: it changes nothing the second time.

Each app that has demo data provides `apps/<app>/demo.py` with
`seed(*, stdout, **options) -> list[str]` (lines to print at the end, such as logins);
the options are this command's (`products`, `verbosity`, ...). They run in
INSTALLED_APPS order, each in its own transaction, so an app's demo data can use its
left neighbours' and the events an app publishes are delivered once its data is
committed (in the embedded default, before the next app starts).
"""

import logging
import time
from contextlib import contextmanager
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from apps.core.observability import business_logger

DEFAULT_PRODUCTS = 240


class Command(BaseCommand):
    help = "Create (or keep) the demo data and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=int,
            default=DEFAULT_PRODUCTS,
            help=f"How many demo products the catalog should have (default {DEFAULT_PRODUCTS}). "
            "A larger number than last time adds the missing ones; a smaller one removes nothing.",
        )

    def handle(self, *args, **options):
        if options["products"] < 0:
            raise CommandError("--products must be 0 or more.")
        app_options = {name: value for name, value in options.items() if name not in ("stdout", "stderr")}
        notes: list[str] = []
        # Demo customers need no mail: the console backend would print thousands of them.
        with _quiet_logs(options["verbosity"]), override_settings(EMAIL_BACKEND=LOCAL_MAIL):
            for app_config in apps.get_app_configs():
                module_name = f"{app_config.name}.demo"
                if not app_config.name.startswith("apps.") or find_spec(module_name) is None:
                    continue
                started = time.monotonic()
                # Commit per app: its events (stock -> product availability) are delivered
                # after this block, and a failure keeps the apps seeded before it.
                with transaction.atomic():
                    notes.extend(import_module(module_name).seed(stdout=self.stdout, **app_options))
                if options["verbosity"] >= 2:
                    self.stdout.write(f"{app_config.label}: {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        for line in notes:
            self.stdout.write(line)


LOCAL_MAIL = "django.core.mail.backends.locmem.EmailBackend"


@contextmanager
def _quiet_logs(verbosity: int):
    """Seeding thousands of SKUs would log a business line and (eager Celery) a task line
    per stock change; -v 3 shows them."""
    if verbosity >= 3:
        yield
        return
    loggers = [business_logger, logging.getLogger("celery.app.trace")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
