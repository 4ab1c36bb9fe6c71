"""Gunicorn's settings for the web role: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Flags on the command line (--bind, --workers, --forwarded-allow-ips) still win; this file
only adds what Prometheus metrics need with several worker processes
(docs/operations.md, Metrics):

- every worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR, and a scrape
  of /metrics, answered by any one worker, adds up all of them. When the variable is
  unset, a temporary directory is made for this gunicorn (and removed when it stops);
- the directory is emptied when gunicorn starts, so counters start from zero with the
  server rather than adding up every run since the directory was made;
- a worker that exits is marked dead (prometheus_client drops its live gauges; its
  counters stay in the sums, as they should).
"""

import os
import shutil
import tempfile
from pathlib import Path

_made_here = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_here:
    # Set before the workers start (and import prometheus_client): they inherit it.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shop-metrics-")


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink(missing_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
