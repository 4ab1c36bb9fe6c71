from apps.core.domain.exceptions import DomainError, gettext_noop


class AccountLocked(DomainError):
    """Too many failed logins for this account: refused whatever the client or IP."""

    code = "account_locked"
    http_status = 429
    default_detail = gettext_noop("Too many failed sign-in attempts for this account. Try again later.")

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = max(1, int(retry_after))


class EmailAlreadyRegistered(DomainError):
    code = "email_taken"
    default_detail = gettext_noop("An account with this e-mail address already exists.")


class InvalidPasswordResetLink(DomainError):
    code = "invalid_token"
    default_detail = gettext_noop("The password reset link is invalid or has already been used.")


class WrongPassword(DomainError):
    code = "wrong_password"
    default_detail = gettext_noop("Your current password is not correct.")


class PointsBalanceTooLow(DomainError):
    code = "points_balance_too_low"
    http_status = 409
    default_detail = gettext_noop("Not enough points.")
