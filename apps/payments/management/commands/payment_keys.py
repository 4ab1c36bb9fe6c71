"""Generate this installation's payment keys into PAYMENT_KEYS_DIR (run once; seed_demo runs it).

RSA keys (2048 bits) for the shop's Alipay application and WeChat Pay merchant
account, for the simulated Alipay and WeChat Pay platforms, and WeChat's 32-byte APIv3
key, each in a file readable by its owner only (0600). Existing keys are kept: running
it again writes only what is missing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.payments.gateways.keys import key_files, keys_generate, payment_keys_cache_clear


class Command(BaseCommand):
    help = "Create the missing payment keys in PAYMENT_KEYS_DIR (existing keys are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Write the keys here instead of PAYMENT_KEYS_DIR.")

    def handle(self, *args, **options):
        directory = options["dir"] or settings.PAYMENT_KEYS_DIR
        written = keys_generate(directory)
        payment_keys_cache_clear()
        if written:
            self.stdout.write(self.style.SUCCESS(f"Payment keys written to {directory}: {', '.join(written)}"))
        elif options["verbosity"] >= 1:
            self.stdout.write(f"Payment keys present in {directory} ({len(key_files())} files); nothing written.")
