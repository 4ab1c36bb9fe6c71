"""Base class of domain events. Each app declares its own in <app>/domain/events.py."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """A fact that happened, named in the past tense, published through the outbox.

    `topic` is the contract ("orders.order_paid.v1"): payloads carry ids and JSON
    primitives only, change additively, and a breaking change publishes `.v2` beside
    `.v1`.
    """

    topic: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return {field.name: _to_primitive(getattr(self, field.name)) for field in dataclasses.fields(self)}


def _to_primitive(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_to_primitive(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_primitive(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"event payloads hold JSON primitives only, not {type(value).__name__}")
