from apps.core.domain.exceptions import DomainError, gettext_noop


class OutOfStock(DomainError):
    code = "out_of_stock"
    http_status = 409
    default_detail = gettext_noop("Not enough stock for this item.")

    def __init__(self, sku_id: int, detail: str | None = None):
        super().__init__(detail)
        self.sku_id = sku_id


class ReservationMissing(DomainError):
    code = "reservation_missing"
    http_status = 409
    default_detail = gettext_noop("There is no reservation of this size to commit or release.")


class StockWouldGoNegative(DomainError):
    code = "stock_would_go_negative"
    http_status = 409
    default_detail = gettext_noop("That would leave less stock on hand than is reserved.")


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    default_detail = gettext_noop("Quantities must be whole numbers above zero.")
