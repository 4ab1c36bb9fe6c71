"""The deployment files agree with each other and with the settings.

docker-compose.yml, deploy/nginx/nginx.conf and the PostgreSQL scripts in deploy/postgres/
are not run by CI (no Docker daemon); these checks catch the drift that would break the
stack: a web node nginx does not know, a second beat, a volume one node lacks, a replica
URL that names no replica.
"""

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
APP_IMAGE = "shop:local"


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _web_services() -> set[str]:
    # A web node runs the image's default command (gunicorn): no command of its own.
    return {name for name, svc in SERVICES.items() if svc.get("image") == APP_IMAGE and "command" not in svc}


def _mounts(service: dict) -> dict[str, str]:
    """Target path -> volume name for the named volumes a service mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source in COMPOSE["volumes"]:
            mounts[target] = source
    return mounts


def test_given_the_compose_file_then_nginx_balances_over_exactly_its_web_nodes():
    upstream = re.search(r"upstream web \{(.*?)\}", NGINX, re.S).group(1)
    servers = set(re.findall(r"^\s*server\s+([\w-]+):8000\b", upstream, re.M))

    assert _web_services() == {"web1", "web2"}
    assert servers == _web_services()
    # Each is looked up again through Docker's DNS, so a recreated node is found.
    assert len(re.findall(r"^\s*server\s+[\w-]+:8000 resolve\b", upstream, re.M)) == len(servers)
    assert "resolver 127.0.0.11" in NGINX
    assert all("ports" not in SERVICES[name] for name in servers)
    assert SERVICES["nginx"]["ports"] == ["${HTTP_PORT:-8000}:80"]


def test_given_the_compose_file_then_there_is_exactly_one_beat():
    beats = [name for name, service in SERVICES.items() if re.search(r"\bcelery\b.*\bbeat\b", _command(service))]

    assert beats == ["beat"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_given_the_compose_file_then_every_node_and_worker_shares_media_keys_and_backups():
    # MEDIA_ROOT, PAYMENT_KEYS_DIR and BACKUP_DIR by default, in the image's /app; the image
    # makes the directories for the app user, so that a new volume on them is the app user's too.
    expected = {"/app/media": "media", "/app/var/payment-keys": "payment-keys", "/app/var/backups": "backups"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "chown shop:shop /app/media /app/var/payment-keys /app/var/backups" in dockerfile
    # The daily backup's pg_dump has the server's major version: bookworm's client is 15.
    assert "python:3.11-slim-bookworm" in dockerfile
    assert "postgresql-client" in dockerfile
    assert {SERVICES[name]["image"] for name in ("postgres", "postgres-replica")} == {"postgres:15"}

    for name in [*_web_services(), "worker", "migrate"]:
        assert _mounts(SERVICES[name]) == expected, name
    # nginx serves the same media volume where its /media/ location points.
    alias = re.search(r"location /media/ \{[^}]*alias (\S+);", NGINX).group(1)
    assert _mounts(SERVICES["nginx"]) == {alias.rstrip("/"): "media"}


def test_given_the_compose_file_then_the_app_reads_from_the_replica_and_writes_to_the_primary():
    environment = SERVICES["web1"]["environment"]
    primary = urlsplit(environment["DATABASE_URL"]).hostname
    replicas = [urlsplit(url).hostname for url in environment["DATABASE_REPLICA_URLS"].split(",")]

    assert primary == "postgres"
    assert replicas == ["postgres-replica"]
    replica = SERVICES["postgres-replica"]
    assert replica["entrypoint"] == ["/usr/local/bin/replica-entrypoint.sh"]
    assert replica["environment"]["PRIMARY_HOST"] == primary
    assert "wal_level=replica" in SERVICES["postgres"]["command"]
    for name in [*_web_services(), "worker", "beat"]:
        assert SERVICES[name]["environment"]["DATABASE_REPLICA_URLS"] == environment["DATABASE_REPLICA_URLS"], name
    # Migrations and one-off commands use the primary alone.
    assert SERVICES["migrate"]["environment"]["DATABASE_REPLICA_URLS"] == ""
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_given_the_compose_file_then_redis_keeps_carts_across_restarts_and_never_evicts():
    command = _command(SERVICES["redis"])

    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    assert "--maxmemory-policy noeviction" in command


def test_given_nginx_then_metrics_are_refused_and_the_proxy_headers_are_set():
    assert re.search(r"location /metrics \{\s*deny all;\s*\}", NGINX)
    assert "proxy_set_header Host $http_host;" in NGINX
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    assert "proxy_set_header X-Request-ID $shop_request_id;" in NGINX
    # One proxy appends to X-Forwarded-For: the throttles must count exactly that one.
    assert SERVICES["web1"]["environment"]["NUM_PROXIES"] == "1"


@pytest.mark.parametrize("script", ["primary-init.sh", "replica-entrypoint.sh"])
def test_given_the_postgres_scripts_then_they_are_executable(script):
    assert os.access(ROOT / "deploy" / "postgres" / script, os.X_OK)


# --- The PostgreSQL scripts, run for real ---------------------------------------------------
# A throwaway primary on PRIMARY_PORT set up the way the postgres image sets one up (trust on
# the socket, passwords over TCP), then primary-init.sh and replica-entrypoint.sh as the
# image would run them; the image's own entrypoint is replaced by a stand-in that starts the
# server on REPLICA_PORT. Nothing touches the shared PostgreSQL on 5432.

PRIMARY_PORT = 5452
REPLICA_PORT = 5453
SCRIPTS = ROOT / "deploy" / "postgres"


def _pg_bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class ThrowawayPostgres:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="shop-deploy-pg-"))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        (self.base / "bin").mkdir()
        (self.base / "replica").mkdir()
        entrypoint = self.base / "bin" / "docker-entrypoint.sh"
        entrypoint.write_text(
            "#!/usr/bin/env bash\n"
            "# Stand-in for the postgres image's entrypoint: the data directory exists; run the server.\n"
            "shift\n"
            f'exec postgres -D "$PGDATA" -p {REPLICA_PORT} -k {self.base} -c listen_addresses=127.0.0.1 "$@"\n'
        )
        entrypoint.chmod(0o755)
        if self.as_postgres:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.base)], check=True)
        self.primary = self.base / "primary"
        self.replica_process = None

    def env(self, **extra: str) -> dict[str, str]:
        path = f"{self.base / 'bin'}:{self.bin}:/usr/bin:/bin:/usr/sbin:/sbin"
        return {"PATH": path, "HOME": str(self.base), "LC_ALL": "C.UTF-8", **extra}

    def run(self, *command: str, env: dict[str, str] | None = None, check: bool = True):
        # runuser keeps no environment of its own: pass it through env(1).
        environment = [f"{key}={value}" for key, value in (env or self.env()).items()]
        result = subprocess.run(
            [*self.as_postgres, "env", "-i", *environment, *command],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.base,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"{command}: {result.stdout[-1500:]}{result.stderr[-1500:]}"
        return result

    def sql(self, port: int, statement: str) -> str:
        return self.run("psql", "-h", str(self.base), "-p", str(port), "-U", "postgres", "-d", "postgres",
                        "-XAtqc", statement).stdout.strip()  # fmt: skip

    def start_primary(self) -> None:
        self.run("initdb", "-D", str(self.primary), "-U", "postgres", "--no-sync", "-E", "UTF8")
        (self.primary / "pg_hba.conf").write_text("local all all trust\nhost all all all scram-sha-256\n")
        options = (
            f"-p {PRIMARY_PORT} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=20"
            " -c wal_level=replica -c max_wal_senders=5 -c max_replication_slots=5"
        )
        self.run("pg_ctl", "-D", str(self.primary), "-l", str(self.base / "primary.log"), "-o", options, "-w", "start")

    def start_replica(self, env: dict[str, str]) -> None:
        environment = [f"{key}={value}" for key, value in env.items()]
        self.replica_process = subprocess.Popen(
            [*self.as_postgres, "env", "-i", *environment, "bash", str(SCRIPTS / "replica-entrypoint.sh"), "postgres",
             "-c", "hot_standby=on", "-c", "fsync=off"],
            stdout=open(self.base / "replica.log", "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
            cwd=self.base,
            start_new_session=True,
        )  # fmt: skip

    def teardown(self) -> None:
        for data in (self.base / "replica" / "pgdata", self.primary):
            if (data / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
        if self.replica_process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.replica_process.pid, signal.SIGKILL)
            self.replica_process.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def throwaway_postgres():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("runs with the services suite (DATABASE_URL on PostgreSQL)")
    bin_dir = _pg_bin_dir()
    if bin_dir is None or (os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres"):
        pytest.skip("needs PostgreSQL's server binaries and root or the postgres user")
    assert not _port_open(PRIMARY_PORT), f"port {PRIMARY_PORT} is taken"
    assert not _port_open(REPLICA_PORT), f"port {REPLICA_PORT} is taken"
    cluster = ThrowawayPostgres(bin_dir)
    try:
        yield cluster
    finally:
        cluster.teardown()


@pytest.mark.services
def test_given_a_primary_set_up_by_its_init_script_when_the_replica_starts_then_it_streams(throwaway_postgres):
    pg = throwaway_postgres
    password = "pa'ss word"  # quoted by psql, never by hand
    pg.start_primary()
    primary_env = pg.env(
        PGHOST=str(pg.base), PGPORT=str(PRIMARY_PORT), POSTGRES_USER="postgres", PGDATA=str(pg.primary),
        REPLICATION_PASSWORD=password,
    )  # fmt: skip

    # The init script, twice: the second run changes nothing.
    for _ in range(2):
        pg.run("bash", str(SCRIPTS / "primary-init.sh"), env=primary_env)

    assert pg.sql(PRIMARY_PORT, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'") == "t"
    assert pg.sql(PRIMARY_PORT, "SELECT slot_type FROM pg_replication_slots WHERE slot_name = 'replica1'") == "physical"
    hba = (pg.primary / "pg_hba.conf").read_text()
    assert hba.count("host replication replicator all scram-sha-256") == 1

    # A wrong password: the copy fails and leaves nothing that looks like a data directory.
    replica_data = pg.base / "replica" / "pgdata"
    replica_env = pg.env(
        PGDATA=str(replica_data), PRIMARY_HOST="127.0.0.1", PRIMARY_PORT=str(PRIMARY_PORT),
        HOSTNAME="replica-under-test", PRIMARY_WAIT_SECONDS="10",
    )  # fmt: skip
    failed = pg.run("bash", str(SCRIPTS / "replica-entrypoint.sh"), "postgres",
                    env={**replica_env, "REPLICATION_PASSWORD": "wrong"}, check=False)  # fmt: skip
    assert failed.returncode == 1
    assert "password authentication failed" in failed.stderr
    assert sorted(p.name for p in (pg.base / "replica").iterdir()) == []

    # The right one: a base backup, then a hot standby streaming through the slot.
    pg.start_replica({**replica_env, "REPLICATION_PASSWORD": password})
    assert _wait_until(lambda: _port_open(REPLICA_PORT), 60), (pg.base / "replica.log").read_text()[-2000:]
    assert _wait_until(lambda: pg.sql(REPLICA_PORT, "SELECT pg_is_in_recovery()") == "t", 30)
    assert (replica_data / "standby.signal").exists()
    assert "primary_slot_name = 'replica1'" in (replica_data / "postgresql.auto.conf").read_text()

    pg.sql(PRIMARY_PORT, "CREATE TABLE deploy_probe (n int); INSERT INTO deploy_probe VALUES (42)")
    assert _wait_until(lambda: pg.sql(REPLICA_PORT, "SELECT to_regclass('deploy_probe') IS NOT NULL") == "t", 20)
    assert pg.sql(REPLICA_PORT, "SELECT n FROM deploy_probe") == "42"
    assert (
        pg.sql(
            PRIMARY_PORT,
            "SELECT r.application_name || ' ' || r.state FROM pg_stat_replication r "
            "JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = 'replica1'",
        )
        == "replica-under-test streaming"
    )
    refused = pg.run("psql", "-h", str(pg.base), "-p", str(REPLICA_PORT), "-U", "postgres", "-d", "postgres",
                     "-XAtqc", "INSERT INTO deploy_probe VALUES (1)", check=False)  # fmt: skip
    assert "read-only transaction" in refused.stderr
