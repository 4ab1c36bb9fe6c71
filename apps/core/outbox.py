"""Domain events through a transactional outbox, delivered by Celery.

- `publish(event)` writes an OutboxMessage in the caller's transaction and, on
  commit, nudges the relay. A rolled-back transaction leaves no row, so nothing is
  ever dispatched for a change that did not happen.
- `relay_pending()` sends one Celery task per subscriber of each pending message and
  stamps it published. The nudge, and a beat schedule every few seconds, run it; a
  lost nudge or a broker outage only delays delivery.
- The nudge is sent by a background thread of the process, never by the request (or
  task) that committed: a broker that is down or slow costs the request nothing. After
  a failed nudge the thread drops nudges for OUTBOX_NUDGE_BACKOFF_SECONDS (the beat
  sweep delivers what they were for) instead of trying the broker for every commit.
- `@event_handler(topic, name=...)` subscribes a function by topic string (so the
  subscriber imports nothing from the publisher) and makes its effect happen once per
  message: the ProcessedMessage row and the effect commit together.

Tasks are looked up by name, never imported, so that this module stays below the
tasks layer.
"""

import atexit
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from apps.core.domain.events import DomainEvent
from apps.core.models import OutboxMessage, ProcessedMessage

logger = logging.getLogger("shop.outbox")

RELAY_TASK = "core.relay_outbox"
HANDLER_MAX_RETRIES = 10

# topic -> handler task names, in registration order
_subscribers: dict[str, dict[str, None]] = defaultdict(dict)
# Messages this thread published since its last nudge went out.
_unrelayed = threading.local()


def subscribers(topic: str) -> list[str]:
    return list(_subscribers.get(topic, ()))


def publish(event: DomainEvent) -> OutboxMessage:
    """Record `event` in the current transaction; it is dispatched after commit."""
    message = OutboxMessage.objects.create(topic=event.topic, payload=event.payload())
    _unrelayed.count = getattr(_unrelayed, "count", 0) + 1
    transaction.on_commit(nudge_relay)
    return message


def nudge_relay() -> None:
    """Ask for a relay run now. Never raises and never waits on the broker.

    One run takes every committed message, so after the first nudge of a commit the
    others have nothing to add: a transaction that publishes thousands of events (a
    bulk import) asks for one run, not thousands. With eager tasks (no broker) the run
    happens here and now; otherwise the process's nudger thread sends it.
    """
    if not getattr(_unrelayed, "count", 0):
        return
    _unrelayed.count = 0
    app = current_app._get_current_object()
    if app.conf.task_always_eager:
        _send_nudge(app)
        return
    _nudger().want(app)


def _send_nudge(app) -> bool:
    try:
        app.tasks[RELAY_TASK].apply_async(retry=False)
    except Exception as exc:
        # Broker down or slow: the rows stay pending and the beat sweep delivers them.
        logger.warning(
            "outbox nudge failed (%s: %s); nudges pause for %s s, the sweep delivers meanwhile",
            type(exc).__name__,
            exc,
            settings.OUTBOX_NUDGE_BACKOFF_SECONDS,
        )
        return False
    return True


class _Nudger:
    """One daemon thread per process that sends the nudges the process's commits ask for.

    Nudges asked for while one is being sent are merged into the next one. After a
    failure, nudges are dropped for OUTBOX_NUDGE_BACKOFF_SECONDS: the broker is probably
    down, the rows are safe in the outbox, and the beat sweep sends them once it is back.
    """

    def __init__(self):
        self.pid = os.getpid()
        self._wanted: dict[int, Any] = {}  # id(app) -> app, in the order asked
        self._condition = threading.Condition()
        self.paused_until = 0.0
        self.failures = 0
        self.sent = 0
        self.dropped = 0
        self._sending = False
        self._thread = threading.Thread(target=self._run, name="outbox-nudger", daemon=True)
        self._thread.start()
        # A short-lived process (a management command) sends its last nudge before it exits.
        atexit.register(self.flush)

    def want(self, app) -> None:
        with self._condition:
            self._wanted[id(app)] = app
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._wanted:
                    self._condition.wait()
                apps = list(self._wanted.values())
                self._wanted.clear()
                self._sending = True
            try:
                self._send(apps)
            finally:
                self._sending = False

    def _send(self, apps) -> None:
        for app in apps:
            if time.monotonic() < self.paused_until:
                self.dropped += 1
                continue
            if _send_nudge(app):
                self.sent += 1
            else:
                self.failures += 1
                self.paused_until = time.monotonic() + settings.OUTBOX_NUDGE_BACKOFF_SECONDS

    def idle(self) -> bool:
        """Nothing waiting to be sent, nothing being sent."""
        with self._condition:
            return not self._wanted and not self._sending

    def flush(self, timeout: float = 3.0) -> None:
        """Waits (at most `timeout` seconds) until the nudges asked for are sent."""
        if self.pid != os.getpid():
            return  # inherited by a forked child: the thread is the parent's, not here
        deadline = time.monotonic() + timeout
        while not self.idle() and time.monotonic() < deadline:
            time.sleep(0.01)


_nudger_instance: _Nudger | None = None
_nudger_lock = threading.Lock()


def _nudger() -> _Nudger:
    """The process's nudger; a forked child (gunicorn, Celery prefork) starts its own."""
    global _nudger_instance
    nudger = _nudger_instance
    if nudger is not None and nudger.pid == os.getpid():
        return nudger
    with _nudger_lock:
        if _nudger_instance is None or _nudger_instance.pid != os.getpid():
            _nudger_instance = _Nudger()
        return _nudger_instance


def relay_pending(*, batch_size: int | None = None) -> int:
    """Dispatch pending messages in id order; returns how many were dispatched.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so relays running at the
    same time on several workers share the work instead of sending twice. A broker
    error stops the run (the rest waits for the next sweep); a handler error in
    eager mode leaves that message pending and the relay goes on with the others.
    """
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    dispatched = 0
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True, id__gt=last_id)
                .order_by("id")[:batch_size]
            )
            if not batch:
                return dispatched
            for message in batch:
                last_id = message.id
                try:
                    _dispatch(message)
                except BrokerError as exc:
                    _record_failure(message, exc)
                    logger.warning("outbox relay stopped: broker unavailable (%s)", exc)
                    return dispatched
                except Exception as exc:
                    _record_failure(message, exc)
                    logger.exception("outbox dispatch of %s failed", message.message_id)
                    continue
                message.published_at = timezone.now()
                message.attempts += 1
                message.save(update_fields=["published_at", "attempts"])
                dispatched += 1


def _dispatch(message: OutboxMessage) -> None:
    kwargs = {"message_id": str(message.message_id), "topic": message.topic, "payload": message.payload}
    for name in subscribers(message.topic):
        current_app.tasks[name].apply_async(kwargs=kwargs, retry=False)


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.save(update_fields=["attempts", "last_error"])


def event_handler(topic: str, *, name: str) -> Callable:
    """Subscribe `func(payload)` to `topic` as the Celery task `name`.

    The handler runs in a transaction that first inserts ProcessedMessage(message,
    handler); a second delivery of the same message finds the row and does nothing.
    Handlers should re-read current state rather than trust the payload's snapshot.
    """

    def decorator(func: Callable[[dict[str, Any]], None]):
        @shared_task(name=name, bind=True, acks_late=True, max_retries=HANDLER_MAX_RETRIES)
        def handler_task(self, *, message_id: str, topic: str, payload: dict[str, Any]) -> str:
            try:
                return handle_once(handler=name, message_id=message_id, payload=payload, func=func)
            except Exception as exc:
                if self.request.is_eager:
                    raise
                raise self.retry(exc=exc, countdown=min(2**self.request.retries, 300)) from exc

        _subscribers[topic][name] = None
        handler_task.func = func
        return handler_task

    return decorator


def handle_once(*, handler: str, message_id: str, payload: dict[str, Any], func: Callable) -> str:
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProcessedMessage.objects.create(message_id=message_id, handler=handler)
        except IntegrityError:
            logger.info("duplicate delivery of %s to %s ignored", message_id, handler)
            return "duplicate"
        func(payload)
    return "handled"
