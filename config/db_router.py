"""Primary/replica routing with read-your-writes.

Reads go to a replica only when all of these hold: replicas are configured, no
transaction is open on the primary, and the current unit of work has not written yet
and is not pinned to the primary. Once something is written, the rest of the unit of
work reads from the primary, so a customer always sees what they just did. The flags
live in context variables that DatabaseRoutingMiddleware (apps.core.middleware) resets
at the start of each request and config.celery at the start of each task (a worker's
task reads from the primary throughout: it acts on a commit a replica may not have yet).

Across requests (and across web nodes, which share nothing but the client's cookies),
a request that wrote leaves the client a signed "pin" cookie valid for
REPLICA_PIN_SECONDS: its next requests, on whichever node, read from the primary until
it expires, so the page a form redirects to, or the order just placed seen through
another node, never comes from a replica that has not replayed the write yet. Replica
lag beyond REPLICA_PIN_SECONDS is what can still show a client stale data.

A replica that cannot be reached is skipped: the read goes to another replica or to the
primary, and this process does not try that replica again for REPLICA_RETRY_SECONDS. A
replica outage makes the primary busier, not the shop unavailable.
"""

import logging
import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections

logger = logging.getLogger("shop.resilience")

PIN_COOKIE = "shop_primary_pin"
_PIN_SALT = "config.db_router.primary-pin"

_pinned_to_primary: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote_to_primary", default=False)


def reset_primary_pin() -> None:
    _pinned_to_primary.set(False)
    _wrote.set(False)


def pin_to_primary() -> None:
    _pinned_to_primary.set(True)


def wrote_to_primary() -> bool:
    """Whether the current unit of work has routed a write (to the primary)."""
    return _wrote.get()


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != "default"]


def pin_cookie_value() -> str:
    """A signed, timestamped value for PIN_COOKIE (a client cannot make or extend one)."""
    return signing.TimestampSigner(salt=_PIN_SALT).sign("1")


def pin_cookie_is_valid(value: str | None) -> bool:
    """Whether `value` is a pin this shop issued less than REPLICA_PIN_SECONDS ago."""
    if not value:
        return False
    try:
        signing.TimestampSigner(salt=_PIN_SALT).unsign(value, max_age=settings.REPLICA_PIN_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return True


# alias -> time.monotonic() before which this process does not try that replica again
_replica_down_until: dict[str, float] = {}
_now = time.monotonic


def replica_is_usable(alias: str) -> bool:
    """Whether `alias` can take a read now: connected, or connectable on the first try.

    Connecting is done once per connection (CONN_MAX_AGE keeps it); a failure marks the
    replica down in this process for REPLICA_RETRY_SECONDS, so requests do not each
    wait on it.
    """
    if _replica_down_until.get(alias, 0.0) > _now():
        return False
    try:
        connections[alias].ensure_connection()
    except DatabaseError as error:
        _replica_down_until[alias] = _now() + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "replica %s unreachable, reading from the primary for %s s: %s",
            alias,
            settings.REPLICA_RETRY_SECONDS,
            error,
            extra={"event": "replica_unreachable", "alias": alias},
        )
        return False
    return True


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or _pinned_to_primary.get() or connections["default"].in_atomic_block:
            return "default"
        for alias in random.sample(replicas, len(replicas)):
            if replica_is_usable(alias):
                return alias
        return "default"

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        pin_to_primary()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # All aliases hold the same data: replicas are copies of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
