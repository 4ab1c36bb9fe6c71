import dataclasses

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserRegistered(DomainEvent):
    topic = "accounts.user_registered.v1"

    user_id: int
    email: str
