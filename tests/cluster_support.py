"""Live shop clusters for tests and benchmarks: real gunicorn nodes on real services.

Nothing here imports Django: the nodes and `manage.py` run as subprocesses with their
own environment, so the caller (a pytest module, a locust file, a script) may use any
settings of its own. The API:

    db = fresh_database("postgres://postgres@127.0.0.1:5432", "shop_mn")  # dropped first if it exists
    cluster = Cluster(
        database_url=db,
        replica_urls=[database_url("postgres://postgres@127.0.0.1:5433", "shop_mn")],
        redis_url="redis://127.0.0.1:6379/3",
        broker_url="amqp://guest:guest@127.0.0.1:5672//",
        ports=[8301, 8302],
        log_dir=tmp_path,
    )
    cluster.manage("migrate", "--noinput")       # manage.py on the cluster's database
    with cluster:                                # start every node, wait for /readyz
        requests.get(cluster.nodes[0].url("/"))
    drop_database("postgres://postgres@127.0.0.1:5432", "shop_mn")

Every node of a cluster shares one SECRET_KEY (sessions, CSRF and signed cookies made
by one node are valid on the others), one database (plus replicas), one Redis with a
cache key prefix of the cluster's own, and one Celery queue of its own on the broker,
so two clusters, or a cluster and a test suite, never see each other's keys or tasks.
Each node is `gunicorn config.wsgi` (sync workers; with config/gunicorn.conf.py, the web
role's settings, as deployed) in a process group of its own;
`stop()` sends SIGTERM to the group (gunicorn's graceful shutdown), then SIGKILL.

`DJANGO_ENV=test` by default: DEBUG off, plain-HTTP cookies. `production=True` runs
the production settings instead (HTTPS-only switches turned off as in
docker-compose.yml); they serve static files from a collected manifest, so it needs
`manage.py collectstatic` run first (minutes: every file is compressed).
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent

# Variables of the caller's environment a node must not inherit: they would point it
# at the caller's database, replicas, queue or cache keys.
_NOT_INHERITED = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "CELERY_BROKER_URL",
    "CELERY_TASK_DEFAULT_QUEUE",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
)


# --- Databases ------------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    """`server_url` (postgres://user@host:port[/anything]) pointing at database `name`."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _connect(server_url: str, name: str = "postgres", **kwargs) -> psycopg.Connection:
    return psycopg.connect(database_url(server_url, name), autocommit=True, connect_timeout=5, **kwargs)


def fresh_database(server_url: str, name: str) -> str:
    """Create an empty database `name` on the server (dropping any old one); its URL."""
    drop_database(server_url, name)
    with _connect(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` if it exists, closing whatever is still connected to it."""
    with _connect(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def wait_for_database(url: str, *, table: str | None = None, timeout: float = 30) -> float:
    """Wait until the database at `url` accepts connections (and has `table`), e.g. a
    database created on the primary reaching a streaming replica. Seconds waited."""
    started = time.monotonic()
    last_error: Exception | None = None
    while time.monotonic() - started < timeout:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
                if table is None or conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]:
                    return time.monotonic() - started
        except psycopg.OperationalError as exc:
            last_error = exc
        time.sleep(0.1)
    raise AssertionError(f"{url} (table {table}) not there after {timeout} s: {last_error}")


def query(url: str, statement: str, params: Iterable = ()) -> list[tuple]:
    """Run one statement on its own autocommit connection; its rows."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else []


def table_reads(url: str, table: str) -> int:
    """Scans of `table` counted by this PostgreSQL server since its statistics began
    (pg_stat_user_tables: seq_scan + idx_scan). A standby counts the reads it serves."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        ).fetchone()
    return int(row[0]) if row else 0


# --- Pages -------------------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "id": attrs.get("id", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            fields = self.forms[-1]["fields"]
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                # The checked choice, else the first one (as a customer would pick it).
                if "checked" in attrs or attrs["name"] not in fields:
                    fields[attrs["name"]] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "image", "file"):
                fields[attrs["name"]] = attrs.get("value", "")


def form_fields(
    html: str, *, action: str | None = None, form_id: str | None = None, having: str | None = None
) -> dict[str, str]:
    """The values a browser would submit from a form of `html` (hidden inputs such as
    csrfmiddlewaretoken included, the checked or else first radio of each group): the
    first form whose action ends with `action`, whose id is `form_id` and which has an
    input named `having` (each only when given)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if (
            (action is None or form["action"].endswith(action))
            and (form_id is None or form["id"] == form_id)
            and (having is None or having in form["fields"])
        ):
            return dict(form["fields"])
    found = [(form["action"], form["id"], sorted(form["fields"])) for form in parser.forms]
    raise AssertionError(f"no form with action={action}, id={form_id}, having={having} among {found}")


# --- Nodes ------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Node:
    """One `gunicorn config.wsgi` on 127.0.0.1:`port`, in a process group of its own."""

    def __init__(self, *, name: str, port: int, env: dict[str, str], log: Path, workers: int = 2):
        self.name = name
        self.port = port
        self.env = env
        self.log = log
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--name",
            f"shop-{name}",
        ]
        if (ROOT / "config" / "gunicorn.conf.py").exists():  # the web role's settings, as deployed
            self.command[3:3] = ["-c", "config/gunicorn.conf.py"]
        self.process: subprocess.Popen | None = None

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Node":
        if not port_is_free(self.port):
            raise AssertionError(f"node {self.name}: port {self.port} is taken")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def wait_ready(self, *, timeout: float = 60) -> float:
        """Poll /readyz until it answers 200 (database, cache and broker answer); seconds waited."""
        started = time.monotonic()
        last = "no answer"
        while time.monotonic() - started < timeout:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/readyz"), timeout=5) as response:  # noqa: S310 (http only)
                    if response.status == 200:
                        return time.monotonic() - started
            except urllib.error.HTTPError as exc:
                last = f"{exc.code} {exc.read()[:300]!r}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise AssertionError(f"node {self.name} not ready in {timeout} s ({last}):\n{self.log_tail()}")

    def terminate(self) -> None:
        """SIGTERM the process group (gunicorn's graceful shutdown) without waiting."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, *, timeout: float = 15) -> None:
        """SIGTERM the process group (graceful), SIGKILL it if it is still there after `timeout`."""
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)
            if self.process.poll() is not None and not group_alive(self.process.pid):
                break
        self.process = None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group `pgid` is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Cluster:
    """N nodes sharing one database (plus replicas), one Redis, one broker; a context
    manager that starts them all (waiting for /readyz) and stops them."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        ports: Iterable[int],
        log_dir: Path,
        replica_urls: Iterable[str] = (),
        broker_url: str = "",
        workers: int = 2,
        production: bool = False,
        env: dict[str, str] | None = None,
    ):
        self.name = urlsplit(database_url).path.lstrip("/") or "shop"
        self.queue = f"shop-cluster-{self.name}-{secrets.token_hex(4)}"
        self.broker_url = broker_url
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if production and not (ROOT / "staticfiles" / "staticfiles.json").exists():
            raise AssertionError("production settings need collected static files: manage.py collectstatic")
        inherited = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "production" if production else "test",
            "SECRET_KEY": secrets.token_urlsafe(50),  # one key for every node
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "BEHIND_TLS_PROXY": "false",
            "DATABASE_URL": database_url,
            "DATABASE_REPLICA_URLS": ",".join(replica_urls),
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": f"{self.queue}",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.nodes = [
            Node(name=f"node{n}", port=port, env=self.env, log=self.log_dir / f"node{n}.log", workers=workers)
            for n, port in enumerate(ports, start=1)
        ]

    def manage(self, *args: str, timeout: float = 300, env: dict[str, str] | None = None) -> str:
        """Run `manage.py *args` on the cluster's database and cache, with Celery tasks run
        in-process (no broker: what it publishes is handled before it returns); its stdout."""
        command_env = {**self.env, "CELERY_BROKER_URL": "", "DATABASE_REPLICA_URLS": "", **(env or {})}
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=command_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{output}")
        return result.stdout

    def python(self, code: str, *, timeout: float = 120) -> object:
        """Run `code` in `manage.py shell` on the cluster's database; the last line it
        prints, read as JSON (so a script can hand back ids and names)."""
        lines = self.manage("shell", "--no-imports", "-c", code, timeout=timeout).strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def start(self, *, timeout: float = 60) -> "Cluster":
        try:
            for node in self.nodes:
                node.start()
            for node in self.nodes:
                node.wait_ready(timeout=timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:  # all at once, then wait for each
            node.terminate()
        for node in self.nodes:
            node.stop()
        self._delete_queue()

    def _delete_queue(self) -> None:
        """Drop the cluster's Celery queue (tasks nobody consumed) from the broker."""
        if not self.broker_url.startswith("amqp"):
            return
        from kombu import Connection

        with contextlib.suppress(Exception), Connection(self.broker_url, connect_timeout=3) as connection:
            channel = connection.default_channel
            channel.queue_delete(self.queue)
            channel.exchange_delete(self.queue)

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
