"""Private services for the fault tests (tests/test_faults.py): started, stopped and torn
down by the test, never the shared ones (PostgreSQL 5432, Redis 6379, RabbitMQ 5672).

- `PrivateRabbit`: a RabbitMQ node of its own (node name, ports, data and logs in a
  temporary folder, no plugins), stopped and started with rabbitmqctl / rabbitmq-server.
- `PrivateRedis`: a redis-server child process with an append-only file, so that data
  written before a stop is there after the start, as in production.
- `PrivatePostgres`: a PostgreSQL cluster of its own (initdb into a temporary folder,
  trust authentication), run as the `postgres` OS user when the tests run as root.
- `Gunicorn`: a live web node (`gunicorn config.wsgi`) in a process group of its own.

Each `stop`/`teardown` ends only what it started: its own process ids, its own node.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

RABBIT_PORT, RABBIT_DIST_PORT, RABBIT_NODE = 5682, 25682, "h3fault@localhost"
REDIS_PORT = 6390
POSTGRES_PORT = 5442
WEB_PORTS = (8501, 8502)


def missing(*commands: str) -> str | None:
    """The first of `commands` not on PATH, else None."""
    for command in commands:
        if shutil.which(command) is None:
            return command
    return None


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_until(predicate, what: str, seconds: float, step: float = 0.1) -> float:
    """Polls `predicate` until true; returns the seconds it took, fails after `seconds`."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(step)
    return time.monotonic() - started


def _group_kill(process: subprocess.Popen, first=signal.SIGTERM, wait: float = 20) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, first)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- RabbitMQ -----------------------------------------------------------------------------


class PrivateRabbit:
    """A RabbitMQ node named h3fault@localhost on 5682 (distribution 25682).

    The Debian scripts run the server as the `rabbitmq` user (su from root), so the
    node's folder belongs to that user; the Erlang cookie is that user's, shared with
    rabbitmqctl run the same way.
    """

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="h3-rabbit-"))
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{RABBIT_PORT}\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir()
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.base)], check=True)
        self.base.chmod(0o755)
        self.url = f"amqp://guest:guest@127.0.0.1:{RABBIT_PORT}//"
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": RABBIT_NODE,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(RABBIT_PORT),
            "RABBITMQ_DIST_PORT": str(RABBIT_DIST_PORT),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        self.pid: int | None = None

    def start(self, timeout: float = 90) -> float:
        """Starts the node; returns the seconds until it accepts AMQP connections."""
        assert not port_open(RABBIT_PORT), f"something already listens on {RABBIT_PORT}"
        started = time.monotonic()
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=60)
        wait_until(self._accepts, f"the private RabbitMQ accepting connections on {RABBIT_PORT}", timeout, step=0.2)
        pid_file = self.base / "mnesia" / f"{RABBIT_NODE}.pid"
        with contextlib.suppress(OSError, ValueError):
            self.pid = int(pid_file.read_text().strip())
        return time.monotonic() - started

    def _accepts(self) -> bool:
        if not port_open(RABBIT_PORT):
            return False
        from kombu import Connection

        try:
            with Connection(self.url, connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception:
            return False
        return True

    def stop(self, timeout: float = 60) -> float:
        """Stops the node (rabbitmqctl stop); returns the seconds until its port closed."""
        started = time.monotonic()
        subprocess.run(
            ["rabbitmqctl", "-n", RABBIT_NODE, "stop"], env=self.env, timeout=timeout, capture_output=True, check=False
        )
        with contextlib.suppress(AssertionError):
            wait_until(lambda: not port_open(RABBIT_PORT), "the private RabbitMQ port closing", 20)
        if port_open(RABBIT_PORT):
            self._kill()
        wait_until(lambda: not port_open(RABBIT_PORT), "the private RabbitMQ port closing", 10)
        return time.monotonic() - started

    def _kill(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)

    def teardown(self) -> None:
        with contextlib.suppress(Exception):
            if port_open(RABBIT_PORT):
                self.stop()
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self) -> str:
        logs = sorted((self.base / "log").glob("*.log"))
        return "".join(path.read_text(errors="replace")[-3000:] for path in logs)


# --- Redis --------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server on 6390, append-only (fsync always), data in a temporary folder."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="h3-redis-"))
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> float:
        assert not port_open(REDIS_PORT), f"something already listens on {REDIS_PORT}"
        started = time.monotonic()
        command = [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.base),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--logfile",
            str(self.base / "redis.log"),
        ]
        self.process = subprocess.Popen(command, start_new_session=True)
        wait_until(lambda: port_open(REDIS_PORT), f"the private Redis on {REDIS_PORT}", timeout)
        return time.monotonic() - started

    def stop(self) -> float:
        started = time.monotonic()
        if self.process is not None:
            _group_kill(self.process, signal.SIGTERM)  # redis flushes its AOF on SIGTERM
        wait_until(lambda: not port_open(REDIS_PORT), "the private Redis port closing", 10)
        return time.monotonic() - started

    def teardown(self) -> None:
        if self.process is not None:
            _group_kill(self.process, signal.SIGTERM, wait=5)
        shutil.rmtree(self.base, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise FileNotFoundError(name)
    return str(candidates[-1])


class PrivatePostgres:
    """A PostgreSQL cluster on 5442 (trust authentication, user postgres, socket in its folder).

    PostgreSQL refuses to run as root: as root, the cluster belongs to and runs as the
    `postgres` OS user (runuser).
    """

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="h3-postgres-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            subprocess.run(["chown", "postgres:postgres", str(self.base)], check=True)
        self.base.chmod(0o755)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{POSTGRES_PORT}/{database}"

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.as_postgres, *command], capture_output=True, text=True, timeout=timeout, cwd=self.base, check=False
        )
        assert result.returncode == 0, f"{command[0]} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result

    def init(self) -> float:
        started = time.monotonic()
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return time.monotonic() - started

    def start(self) -> float:
        assert not port_open(POSTGRES_PORT), f"something already listens on {POSTGRES_PORT}"
        started = time.monotonic()
        options = f"-p {POSTGRES_PORT} -c listen_addresses=127.0.0.1 -k {self.base} -c max_connections=25 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        started = time.monotonic()
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        return time.monotonic() - started

    def psql(self, database: str, sql: str) -> str:
        return self._run(
            _pg_bin("psql"), "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-q", "-At", "-c", sql,
        ).stdout  # fmt: skip

    def copy_schema(self, source_url: str, database: str) -> float:
        """Creates `database` with the schema of the database at `source_url` (a migrated
        one): much faster than running every migration again."""
        started = time.monotonic()
        self.psql("postgres", f'CREATE DATABASE "{database}"')
        dump = subprocess.run(
            [_pg_bin("pg_dump"), "--schema-only", "--no-owner", "--no-privileges", source_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert dump.returncode == 0, dump.stderr[-2000:]
        data = subprocess.run(
            [_pg_bin("pg_dump"), "--data-only", "--table=django_migrations", "--table=django_content_type", source_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert data.returncode == 0, data.stderr[-2000:]
        load = subprocess.run(
            [
                *self.as_postgres,
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(POSTGRES_PORT),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
            ],
            input=dump.stdout + data.stdout,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.base,
            check=False,
        )
        assert load.returncode == 0, load.stderr[-2000:]
        return time.monotonic() - started

    def teardown(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop(mode="immediate")
        shutil.rmtree(self.base, ignore_errors=True)


# --- A live web node ----------------------------------------------------------------------


def web_env(**overrides: str) -> dict[str, str]:
    """The environment of a private web node: the embedded default for whatever is not
    given (no broker: tasks run in-process), no replicas, production-like error pages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_", "REDIS_"))}
    env.update(
        {
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
            "THROTTLE_ORDER_CREATE": "100000/min",
            "THROTTLE_USER": "100000/min",
            "THROTTLE_ANON": "100000/min",
            "THROTTLE_LOGIN": "100000/min",
            "CART_BACKEND": "",
        }
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value != ""}


class Gunicorn:
    """`gunicorn config.wsgi` on 127.0.0.1:`port` with `env`, in a process group of its own."""

    def __init__(self, *, port: int, env: dict[str, str], log: Path, workers: int = 2):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.log = log
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> float:
        assert not port_open(self.port), f"something already listens on {self.port}"
        started = time.monotonic()
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--timeout", "60", "--graceful-timeout", "5"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        def healthy() -> bool:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()[-4000:]}"
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
            return False

        wait_until(healthy, f"gunicorn answering on {self.port}", timeout, step=0.2)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            _group_kill(self.process, signal.SIGTERM, wait=15)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
