"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Warning, register

CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"


@register(deploy=True)
def check_production_services(app_configs, **kwargs):
    warnings = []
    if settings.EMAIL_BACKEND == CONSOLE_MAIL:
        warnings.append(
            Warning(
                "E-mail goes to the console: customers get no mail, and reset links end up in the logs.",
                hint="Set EMAIL_URL (smtp+tls://user:password@host:587).",
                id="shop.W001",
            )
        )
    if not settings.REDIS_URL:
        warnings.append(
            Warning(
                "No shared cache: sign-in lockout, throttles and sessions are counted per process.",
                hint="Set REDIS_URL.",
                id="shop.W002",
            )
        )
    if not settings.BROKER_CONFIGURED:
        warnings.append(
            Warning(
                "No Celery broker: event handlers run inside web requests.",
                hint="Set CELERY_BROKER_URL and run workers and one beat.",
                id="shop.W003",
            )
        )
    return warnings
