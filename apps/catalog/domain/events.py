import dataclasses

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductPublished(DomainEvent):
    topic = "catalog.product_published.v1"

    product_id: int
    slug: str
