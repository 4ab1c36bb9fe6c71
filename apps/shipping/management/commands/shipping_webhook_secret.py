from django.core.management.base import BaseCommand, CommandError

from apps.shipping import services
from apps.shipping.domain.carriers import CARRIERS
from apps.shipping.domain.exceptions import UnknownCarrier


class Command(BaseCommand):
    help = "Print the key a carrier signs its tracking webhook with (to hand to the carrier)."

    def add_arguments(self, parser):
        parser.add_argument("carrier", help=f"one of: {', '.join(CARRIERS)}")

    def handle(self, *args, carrier: str, **options):
        try:
            services.carrier_get(code=carrier)
        except UnknownCarrier as exc:
            raise CommandError(f"unknown carrier {carrier!r}; one of: {', '.join(CARRIERS)}") from exc
        self.stdout.write(services.carrier_webhook_secret(carrier=carrier).decode("utf-8"))
