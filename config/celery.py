"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from apps.core.observability import new_request_id, request_id_var
from config.db_router import pin_to_primary, reset_primary_pin

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The header carrying the request id of the request (or task) that sent a task.
REQUEST_ID_HEADER = "shop_request_id"
# task id -> the token resetting request_id_var after that task (a worker runs many tasks).
_request_id_tokens: dict = {}


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@task_prerun.connect
def _start_unit_of_work(task_id=None, task=None, **kwargs):
    # Each task in a worker is its own unit of work, like a request: its log lines
    # carry the id of the request that sent it (else the task id). It reads from the
    # primary: a task is sent right after the commit it acts on, sooner than a replica
    # may replay it (a sandbox notification read as still pending once sent nothing).
    # An eager task runs inside the caller's unit of work (its log lines already carry
    # the caller's id) and leaves it alone.
    if task is None or task.request.is_eager:
        return
    incoming = getattr(task.request, REQUEST_ID_HEADER, None) or (task.request.headers or {}).get(REQUEST_ID_HEADER)
    _request_id_tokens[task_id] = request_id_var.set(new_request_id(incoming, fallback=task_id or "-"))
    reset_primary_pin()
    pin_to_primary()


@task_postrun.connect
def _end_unit_of_work(task_id=None, **kwargs):
    token = _request_id_tokens.pop(task_id, None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (a pool that moved the task)
            request_id_var.set("-")
