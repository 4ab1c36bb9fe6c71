"""Reactions to account events (run by Celery, once per message)."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from apps.accounts.models import User
from apps.core.outbox import event_handler


@event_handler("accounts.user_registered.v1", name="accounts.send_welcome_email")
def send_welcome_email(payload: dict) -> None:
    user = User.objects.filter(pk=payload["user_id"], is_active=True).first()
    if user is None:  # deleted or deactivated since: nothing to greet
        return
    with translation.override(user.language):
        context = {"user": user}
        send_mail(
            subject=render_to_string("accounts/email/welcome_subject.txt", context).strip(),
            message=render_to_string("accounts/email/welcome_body.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
