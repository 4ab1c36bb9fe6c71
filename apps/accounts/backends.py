from django.contrib.auth.backends import ModelBackend

from apps.accounts.domain.exceptions import AccountLocked
from apps.accounts.models import normalize_email
from apps.accounts.services import login_failure_record, login_failures_clear, login_lock_seconds


class LockoutEmailBackend(ModelBackend):
    """E-mail + password sign-in that refuses an account after too many failures.

    Every sign-in path goes through django.contrib.auth.authenticate(): the login
    page, the admin login and the JWT token endpoint, so the lockout covers them all.
    AccountLocked propagates out of authenticate(); the page middleware and the API
    error handler turn it into a 429 with Retry-After.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if email is None or password is None:
            return None
        locked_for = login_lock_seconds(email=email)
        if locked_for:
            raise AccountLocked(retry_after=locked_for)
        user = super().authenticate(request, username=normalize_email(email), password=password)
        if user is None:
            login_failure_record(email=email)
        else:
            login_failures_clear(email=email)
        return user
