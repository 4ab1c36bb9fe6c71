"""Real Celery workers for tests: started, watched and killed from the test process.

The module is two things:

- The Celery app a test worker runs (`celery -A tests.worker_support worker`): the
  shop's own app (config.celery: same settings, tasks and signals), plus what a test
  needs, switched on only by environment variables the test passes to the worker:
  SHOP_TEST_QUEUE      the queue the worker sends to (and consumes), so that a test's
                       worker never takes another run's tasks on a shared broker;
  SHOP_TEST_JOURNAL    a file receiving one JSON line per step of each task: "start"
                       (with RabbitMQ's redelivered flag), "effect" (the handler's
                       changes are written, not committed), "done" (committed, not yet
                       acknowledged: with acks_late the parent acks after this);
  SHOP_TEST_PAUSE      "handler=seconds,...": the named outbox handlers pause after
                       their effect inside the transaction, and again after the commit
                       before the acknowledgement, so a crash can land in either window.
- `Worker`, the test-side handle: start, wait until ready, SIGKILL the whole process
  group, read the journal.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import current_task
from celery.signals import task_postrun, task_prerun, worker_ready

from config.celery import app
from tests.cluster_support import group_alive

ROOT = Path(__file__).resolve().parent.parent
QUEUE_ENV = "SHOP_TEST_QUEUE"
JOURNAL_ENV = "SHOP_TEST_JOURNAL"
PAUSE_ENV = "SHOP_TEST_PAUSE"

if os.environ.get(QUEUE_ENV):
    app.conf.task_default_queue = os.environ[QUEUE_ENV]


# --- Inside the worker --------------------------------------------------------------------


def _pauses() -> dict[str, float]:
    pauses = {}
    for item in filter(None, os.environ.get(PAUSE_ENV, "").split(",")):
        name, _, seconds = item.partition("=")
        pauses[name.strip()] = float(seconds)
    return pauses


PAUSES = _pauses()


def _journal(event: str, **fields) -> None:
    path = os.environ.get(JOURNAL_ENV)
    if not path:
        return
    line = json.dumps({"event": event, "pid": os.getpid(), "at": time.time(), **fields}, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())  # one write per line: lines of two processes never mix
    finally:
        os.close(fd)


def _pause_inside_handlers() -> None:
    """Make the paused handlers wait, their effect written but not committed.

    handler tasks look `handle_once` up in apps.core.outbox at each call, so replacing
    it there is enough; done once per process, after Django is set up.
    """
    from apps.core import outbox

    if not PAUSES or getattr(outbox.handle_once, "paused_for_tests", False):
        return
    original = outbox.handle_once

    def handle_once(*, handler, message_id, payload, func):
        pause = PAUSES.get(handler)
        if not pause:
            return original(handler=handler, message_id=message_id, payload=payload, func=func)

        def effect_then_pause(data):
            func(data)
            _journal("effect", task=handler, id=current_task.request.id, message_id=message_id)
            time.sleep(pause)

        return original(handler=handler, message_id=message_id, payload=payload, func=effect_then_pause)

    handle_once.paused_for_tests = True
    outbox.handle_once = handle_once


@worker_ready.connect
def _ready(**kwargs):
    _journal("ready")


@task_prerun.connect
def _started(task_id=None, task=None, **kwargs):
    if not os.environ.get(JOURNAL_ENV) or task is None or task.request.is_eager:
        return
    _pause_inside_handlers()
    delivery = task.request.delivery_info or {}
    _journal(
        "start",
        task=task.name,
        id=task_id,
        message_id=(task.request.kwargs or {}).get("message_id"),
        redelivered=bool(delivery.get("redelivered")),
    )


@task_postrun.connect
def _done(task_id=None, task=None, retval=None, state=None, **kwargs):
    if not os.environ.get(JOURNAL_ENV) or task is None or task.request.is_eager:
        return
    _journal("done", task=task.name, id=task_id, result=retval, state=state)
    pause = PAUSES.get(task.name)
    if pause:
        time.sleep(pause)  # committed, not acknowledged yet


# --- In the test process ------------------------------------------------------------------


class Worker:
    """One `celery worker` subprocess (prefork) in a process group of its own."""

    def __init__(self, *, name: str, queue: str, env: dict[str, str], journal: Path, log: Path, concurrency: int = 2):
        self.name = name
        self.journal = journal
        self.log = log
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.worker_support",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--prefetch-multiplier",
            "1",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "-l",
            "INFO",
            # Nothing to exchange with other runs' workers on a shared broker.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.env = {**env, QUEUE_ENV: queue, JOURNAL_ENV: str(journal)}
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60) -> "Worker":
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while not any(entry["event"] == "ready" for entry in self.entries()):
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited at start:\n{self.log.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} not ready in {timeout} s:\n{self.log.read_text()[-4000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL the main process and its pool children at once (no warm or cold shutdown)."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # The children were SIGKILLed with the group; wait until none of them is left.
        deadline = time.monotonic() + 10
        while group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def entries(self) -> list[dict]:
        if not self.journal.exists():
            return []
        return [json.loads(line) for line in self.journal.read_text().splitlines() if line.endswith("}")]

    def steps(self) -> dict[str, dict]:
        """Every task the worker started, by id: its name, whether RabbitMQ marked it
        redelivered, the last step it reached ("start", "effect": written but not
        committed, "done": committed, acknowledged after any post-commit pause), when it
        reached it, and its result once done."""
        tasks: dict[str, dict] = {}
        for entry in self.entries():
            if entry["event"] == "start":
                tasks[entry["id"]] = {
                    "task": entry["task"],
                    "message_id": entry["message_id"],
                    "redelivered": entry["redelivered"],
                }
            if entry["event"] in ("start", "effect", "done") and entry["id"] in tasks:
                tasks[entry["id"]].update(step=entry["event"], at=entry["at"], result=entry.get("result"))
        return tasks


def queue_delete(name: str) -> None:
    """Drop a test's queue (and its exchange) from the broker."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_delete(name)
        channel.exchange_delete(name)
