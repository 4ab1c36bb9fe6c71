"""Demo setup for `manage.py seed_demo`: this installation's payment keys, so the
simulated Alipay and WeChat Pay can sign and the shop can verify. Keys already there
are kept; nothing is added to the notes printed at the end (-v 2 says what was written)."""

from io import StringIO

from django.core.management import call_command


def seed(*, stdout, verbosity: int = 1, **options) -> list[str]:
    out = StringIO()
    call_command("payment_keys", stdout=out, verbosity=verbosity)
    if verbosity >= 2:
        stdout.write(out.getvalue().rstrip())
    return []
