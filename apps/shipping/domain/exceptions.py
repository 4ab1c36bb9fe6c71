from apps.core.domain.exceptions import DomainError, gettext_noop


class UnknownCarrier(DomainError):
    code = "unknown_carrier"
    http_status = 404
    default_detail = gettext_noop("There is no such carrier.")


class InvalidSignature(DomainError):
    code = "invalid_signature"
    http_status = 403
    default_detail = gettext_noop("The signature does not match the request body.")


class InvalidTrackingUpdate(DomainError):
    """A signed body that is not a tracking update; `fields` says what is wrong, field by field."""

    code = "invalid"
    default_detail = gettext_noop("Invalid input.")

    def __init__(self, fields: dict[str, list[str]], detail: str | None = None):
        super().__init__(detail)
        self.fields = fields


class UnknownTrackingNumber(DomainError):
    code = "unknown_tracking_number"
    http_status = 404
    default_detail = gettext_noop("No shipment of this carrier has that tracking number.")


class TrackingNumberTaken(DomainError):
    code = "tracking_number_taken"
    http_status = 409
    default_detail = gettext_noop("Another shipment of this carrier already has that tracking number.")


class InvalidTrackingNumber(DomainError):
    code = "invalid_tracking_number"
    default_detail = gettext_noop("A tracking number has 6 to 40 letters, digits or hyphens.")


class OrderNotFound(DomainError):
    code = "order_not_found"
    http_status = 404
    default_detail = gettext_noop("There is no order with that number.")
