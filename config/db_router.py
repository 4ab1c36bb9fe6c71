"""Primary/replica routing with read-your-writes.

Reads go to a replica only when all of these hold: replicas are configured, no
transaction is open on the primary, and the current request (or task) has not
written yet. Once something is written, the rest of the unit of work reads from the
primary, so a customer always sees what they just did. The "wrote" flag lives in a
context variable that RequestIdMiddleware-style code resets per request
(apps.core.middleware.DatabaseRoutingMiddleware).
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

_pinned_to_primary: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


def reset_primary_pin() -> None:
    _pinned_to_primary.set(False)


def pin_to_primary() -> None:
    _pinned_to_primary.set(True)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != "default"]


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or _pinned_to_primary.get() or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # All aliases hold the same data: replicas are copies of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
