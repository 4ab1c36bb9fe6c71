import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.accounts.domain.exceptions import AccountLocked


class AccountLockedMiddleware:
    """Renders AccountLocked from any page's sign-in form (storefront or admin) as a 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AccountLocked):
            return None
        minutes = max(1, round(exception.retry_after / 60))
        response = render(request, "accounts/locked.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response


# The session key holding the time (epoch seconds) of the signed-in session's last request.
LAST_ACTIVITY_KEY = "_last_activity"
# It is rewritten at most this often, so that most requests do not write the session.
LAST_ACTIVITY_WRITE_EVERY = 60


def idle_timeout_for(user) -> int:
    """Seconds of inactivity after which `user`'s session is signed out (0: never)."""
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.is_staff else settings.SESSION_IDLE_TIMEOUT


class SessionIdleTimeoutMiddleware:
    """Signs out a session that was not used for SESSION_IDLE_TIMEOUT seconds (staff:
    SESSION_IDLE_TIMEOUT_STAFF), at its next request, and says so on the next page.

    Only session sign-ins: a JWT client carries no session, and its tokens expire by themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:  # no user lookup for anonymous visitors
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request, session):
        user = request.user
        if not user.is_authenticated:
            return
        now = int(time.time())
        last = session.get(LAST_ACTIVITY_KEY)
        timeout = idle_timeout_for(user)
        if timeout and isinstance(last, int) and now - last > timeout:
            logout(request)
            messages.info(request, _("You were signed out after a period of inactivity."))
            return
        if not isinstance(last, int) or now - last >= LAST_ACTIVITY_WRITE_EVERY:
            session[LAST_ACTIVITY_KEY] = now


@receiver(user_logged_in, dispatch_uid="accounts.stamp_last_activity")
def stamp_last_activity(sender, request, user, **kwargs):
    """Signing in is activity: the clock starts with the new session (connected in AccountsConfig.ready)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY_KEY] = int(time.time())
