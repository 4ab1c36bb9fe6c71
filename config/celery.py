"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_prerun

from apps.core.observability import request_id_var
from config.db_router import reset_primary_pin

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _start_unit_of_work(task_id=None, task=None, **kwargs):
    # Each task in a worker is its own unit of work, like a request: its log lines
    # carry the task id, and it reads from replicas again until it writes. An eager
    # task runs inside the caller's unit of work and leaves it alone.
    if task is not None and task.request.is_eager:
        return
    request_id_var.set(task_id or "-")
    reset_primary_pin()
