"""Request ids and the shop's loggers.

Every log line carries the id of the request (or task) it belongs to. A task sent while
handling a request carries the request's id in its headers (config/celery.py), so its
lines in a worker share the id of the request that caused it. Loggers:
`shop.request` (one line per request), `django.request` (errors with traceback),
`shop.business` (what happened to orders, users, money: `business_log`).
"""

import logging
import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

business_logger = logging.getLogger("shop.business")


def new_request_id(incoming: str | None = None, *, fallback: str | None = None) -> str:
    """Keep a well-formed id from the load balancer (or a task's headers), else use
    `fallback`, else make one."""
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    return fallback or uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def business_log(event: str, **fields) -> None:
    """A business fact for the log: `business_log("user_registered", user_id=3)`."""
    details = " ".join(f"{k}={v}" for k, v in fields.items())
    business_logger.info(f"{event} {details}".strip(), extra={"event": event, **fields})
