"""A subscriber used by the outbox tests: it records what it was given."""

import dataclasses

from apps.core.domain.events import DomainEvent
from apps.core.outbox import event_handler

received: list[dict] = []
failures_left = {"count": 0}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThingHappened(DomainEvent):
    topic = "core_tests.thing_happened.v1"

    thing_id: int


@event_handler(ThingHappened.topic, name="core_tests.record_thing")
def record_thing(payload: dict) -> None:
    if failures_left["count"]:
        failures_left["count"] -= 1
        raise RuntimeError("handler failed on purpose")
    received.append(payload)
