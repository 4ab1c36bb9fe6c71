from apps.core.domain.exceptions import DomainError, gettext_noop


class ProductNotPublishable(DomainError):
    code = "product_not_publishable"
    http_status = 409
    default_detail = gettext_noop("A product needs at least one active SKU with a price before it can be published.")


class InvalidImage(DomainError):
    code = "invalid_image"
    default_detail = gettext_noop("The file is not a JPEG, PNG or WebP image.")


class ImageTooLarge(DomainError):
    code = "image_too_large"
    default_detail = gettext_noop("The image is too large (at most 10 MB and 40 megapixels).")


class DuplicateCombination(DomainError):
    code = "duplicate_sku_combination"
    http_status = 409
    default_detail = gettext_noop("Another SKU of this product already has these attribute values.")


class InvalidSkuAttributes(DomainError):
    code = "invalid_sku_attributes"
    default_detail = gettext_noop("A SKU takes at most one value of each attribute.")


class ReviewNotAllowed(DomainError):
    code = "review_not_allowed"
    http_status = 403
    default_detail = gettext_noop("Only customers who bought this product can review it.")


class AlreadyReviewed(DomainError):
    code = "already_reviewed"
    http_status = 409
    default_detail = gettext_noop("You have already reviewed this product.")
