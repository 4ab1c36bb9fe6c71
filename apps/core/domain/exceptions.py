"""The base of every domain error. Apps subclass it with a stable `code`."""


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue without importing Django.

    The API and the pages translate `DomainError.detail` when they show it.
    """
    return message


class DomainError(Exception):
    """A business rule said no.

    `code` is stable and machine-readable (clients switch on it); `http_status` is the
    hint the API layer maps it to (400 unless the rule is a conflict, a missing
    object, ...). `retry_after` (seconds), when set, becomes a Retry-After header.
    """

    code = "domain_error"
    http_status = 400
    default_detail = gettext_noop("The request breaks a business rule.")
    retry_after: int | None = None

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class ServiceUnavailable(DomainError):
    """A service the request needs (database, cart store) is down: try again shortly.

    Pages answer 503 with `detail`, the API 503 `{"code": ...}`, both with Retry-After.
    """

    code = "service_unavailable"
    http_status = 503
    default_detail = gettext_noop("The shop is unavailable right now, please try again shortly.")
    retry_after = 10
