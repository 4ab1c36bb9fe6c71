"""Backups of the shop's database: `manage.py backup` / `restore` and beat's daily task.

PostgreSQL is dumped with `pg_dump --format=custom` and restored with `pg_restore`
(connection settings from the database alias; the password only in PGPASSWORD); SQLite is
copied with sqlite3's online backup API, which also works on an in-memory database. A
backup is written under a temporary name in the target folder and renamed when complete,
so a crash never leaves a half-written file under a backup's name; then only the newest
BACKUP_KEEP backups of the same database are kept.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient

from apps.core.observability import business_log

# The first bytes of each kind of file: a pg_dump custom-format archive and a SQLite database.
PG_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
EXTENSIONS = {"postgresql": "dump", "sqlite": "sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
TIMESTAMP = "%Y%m%dT%H%M%S.%fZ"
STALE_PARTIAL_SECONDS = 24 * 60 * 60


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupWritten:
    path: Path
    size: int
    deleted: tuple[Path, ...]


def backup_create(
    *, using: str = "default", directory: Path | str | None = None, keep: int | None = None
) -> BackupWritten:
    """Back up database `using` into `directory` (BACKUP_DIR), then keep the newest `keep`
    (BACKUP_KEEP) backups of this database there and delete the older ones."""
    connection = connections[using]
    vendor = _vendor(connection)
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError(f"BACKUP_KEEP must be at least 1, not {keep}.")
    pg_dump = _pg_program("pg_dump") if vendor == "postgresql" else ""
    folder = _writable_folder(Path(directory or settings.BACKUP_DIR))
    kind = f"{vendor}-{_database_label(connection)}"
    final = folder / f"{kind}-{datetime.now(UTC).strftime(TIMESTAMP)}.{EXTENSIONS[vendor]}"
    temporary = folder / f".{final.name}.partial"
    try:
        if vendor == "postgresql":
            _pg_dump(pg_dump, connection.settings_dict, temporary)
        else:
            _sqlite_backup(connection, temporary)
        _fsync(temporary)
        os.replace(temporary, final)
        _fsync(folder)
    finally:
        temporary.unlink(missing_ok=True)
    deleted = _rotate(folder, kind=kind, extension=EXTENSIONS[vendor], keep=keep)
    size = final.stat().st_size
    business_log("database_backed_up", path=str(final), size=size, deleted=len(deleted))
    return BackupWritten(path=final, size=size, deleted=tuple(deleted))


def backup_restore(*, path: Path | str, using: str = "default") -> None:
    """Replace the contents of database `using` with the backup at `path`.

    Refuses a file that is not a backup of this database's engine. Stop the web nodes,
    workers and beat first: PostgreSQL drops and recreates every table of the backup,
    which waits for other sessions' locks; SQLite is overwritten page by page.
    """
    path = Path(path)
    backup_check(path=path, using=using)
    connection = connections[using]
    vendor = connection.vendor
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction (transaction.atomic).")
    # Our own idle connections would hold the tables' locks or a stale SQLite page cache.
    connections.close_all()
    if vendor == "postgresql":
        _pg_restore(connection.settings_dict, path)
    else:
        _sqlite_restore(connection, path)
    business_log("database_restored", path=str(path), database=using)


def backup_check(*, path: Path | str, using: str = "default") -> None:
    """Raise BackupError unless `path` is a backup of database `using`'s engine."""
    vendor = _vendor(connections[using])
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    found = backup_kind(path)
    if found != vendor:
        what = f"a {ENGINE_NAMES[found]} backup" if found else "not a backup made by `manage.py backup`"
        raise BackupError(
            f"{path} is {what}, but the database {using!r} is {ENGINE_NAMES[vendor]}: "
            f"restore needs a {ENGINE_NAMES[vendor]} backup ({_expected(vendor)})."
        )


def backup_kind(path: Path) -> str | None:
    """The engine `path` is a backup of ("postgresql" or "sqlite"), from its first bytes; None
    when it is neither a pg_dump custom-format archive nor a SQLite database of Django's."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC and _is_django_sqlite(path):
        return "sqlite"
    return None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def _vendor(connection) -> str:
    if connection.vendor not in EXTENSIONS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _expected(vendor: str) -> str:
    return "a pg_dump custom-format .dump file" if vendor == "postgresql" else "a SQLite .sqlite3 file"


def _database_label(connection) -> str:
    if connection.vendor == "sqlite":
        label = "memory" if connection.is_in_memory_db() else Path(str(connection.settings_dict["NAME"])).stem
    else:
        label = str(connection.settings_dict.get("NAME") or connection.settings_dict["OPTIONS"].get("service", "db"))
    return re.sub(r"[^A-Za-z0-9_.]+", "_", label) or "db"


def _writable_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the backup folder {folder}: {error.strerror}. Set BACKUP_DIR.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"The backup folder {folder} is not writable by this user. Set BACKUP_DIR.")
    return folder


def _rotate(folder: Path, *, kind: str, extension: str, keep: int) -> list[Path]:
    # The timestamp sorts as text; only this database's complete backups take part.
    pattern = re.compile(rf"^{re.escape(kind)}-\d{{8}}T\d{{6}}\.\d{{6}}Z\.{extension}$")
    backups = sorted((p for p in folder.iterdir() if pattern.match(p.name)), key=lambda p: p.name, reverse=True)
    deleted = backups[keep:]
    for old in deleted:
        old.unlink(missing_ok=True)
    # Left by a process killed mid-backup (a finished one renames or removes its own).
    stale = time.time() - STALE_PARTIAL_SECONDS
    for partial in folder.glob(f".{kind}-*.partial"):
        if partial.stat().st_mtime < stale:
            partial.unlink(missing_ok=True)
    return deleted


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    folder = settings.BACKUP_PG_BIN_DIR
    program = shutil.which(name, path=folder) if folder else shutil.which(name)
    if program is None:
        where = f"in BACKUP_PG_BIN_DIR ({folder})" if folder else "on the PATH"
        raise BackupError(
            f"{name} was not found {where}. Install the PostgreSQL client tools of the server's major "
            "version (or newer), or point BACKUP_PG_BIN_DIR at their folder."
        )
    return program


def _pg_connection(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore, and the environment that carries the
    password (PGPASSWORD) and TLS options: never the command line, which `ps` shows."""
    _args, extra_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    user, host, port = settings_dict.get("USER"), settings_dict.get("HOST"), settings_dict.get("PORT")
    options = ["--no-password"]  # fail instead of prompting on a terminal
    if user:
        options.append(f"--username={user}")
    if host:
        options.append(f"--host={host}")
    if port:
        options.append(f"--port={port}")
    dbname = settings_dict.get("NAME") or (None if settings_dict["OPTIONS"].get("service") else "postgres")
    if dbname:
        options.append(f"--dbname={dbname}")
    return options, {**os.environ, **(extra_env or {})}


def _pg_run(command: list[str], env: dict[str, str], what: str) -> None:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip() or f"exit status {finished.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def _pg_dump(program: str, settings_dict: dict, target: Path) -> None:
    options, env = _pg_connection(settings_dict)
    command = [program, "--format=custom", f"--file={target}", *options]
    _pg_run(command, env, "pg_dump")


def _pg_restore(settings_dict: dict, source: Path) -> None:
    options, env = _pg_connection(settings_dict)
    command = [
        _pg_program("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",  # all or nothing: a failure leaves the database as it was
        "--exit-on-error",
        *options,
        str(source),
    ]
    _pg_run(command, env, "pg_restore")


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_backup(connection, target: Path) -> None:
    # Through Django's own connection, so an in-memory database (the test suite's) works too.
    # Inside a transaction the connection holds SQLite's write lock and the copy would wait
    # for it forever.
    if connection.in_atomic_block:
        raise BackupError("A SQLite backup cannot run inside a transaction (transaction.atomic).")
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from None
    finally:
        destination.close()


def _sqlite_restore(connection, source_path: Path) -> None:
    source = sqlite3.connect(_read_only(source_path), uri=True)
    try:
        if connection.is_in_memory_db():
            # Closing an in-memory database would destroy it: copy into the live connection.
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            target = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
            try:
                source.backup(target)
            finally:
                target.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite restore failed: {error}") from None
    finally:
        source.close()


def _is_django_sqlite(path: Path) -> bool:
    try:
        database = sqlite3.connect(_read_only(path), uri=True)
        try:
            row = database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'")
            return row.fetchone() is not None
        finally:
            database.close()
    except sqlite3.Error:
        return False


def _read_only(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"
