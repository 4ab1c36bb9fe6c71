"""Fill the shop with demo data. Safe to run again: it changes nothing the second time.

Each app that has demo data provides `apps/<app>/demo.py` with
`seed(*, stdout) -> list[str]` (lines to print at the end, such as logins). They run
in INSTALLED_APPS order, so an app's demo data can use its left neighbours'.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create (or keep) the demo data and print the demo logins."

    def handle(self, *args, **options):
        notes: list[str] = []
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if not app_config.name.startswith("apps.") or find_spec(module_name) is None:
                continue
            with transaction.atomic():
                notes.extend(import_module(module_name).seed(stdout=self.stdout))
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        for line in notes:
            self.stdout.write(line)
