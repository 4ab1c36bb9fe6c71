import io

import pytest
from django.core.management import CommandError, call_command

from apps.shipping import services


def test_the_command_prints_the_key_the_carrier_signs_with(settings):
    settings.SHIPPING_WEBHOOK_SECRETS = {"zto": "configured-key"}
    derived, configured = io.StringIO(), io.StringIO()

    call_command("shipping_webhook_secret", "sf", stdout=derived)
    call_command("shipping_webhook_secret", "zto", stdout=configured)

    assert derived.getvalue().strip() == services.carrier_webhook_secret(carrier="sf").decode()
    assert len(derived.getvalue().strip()) == 64  # derived from SECRET_KEY, per carrier
    assert derived.getvalue() != services.carrier_webhook_secret(carrier="yto").decode() + "\n"
    assert configured.getvalue().strip() == "configured-key"


def test_an_unknown_carrier_is_an_error():
    with pytest.raises(CommandError, match="unknown carrier 'ups'"):
        call_command("shipping_webhook_secret", "ups")
