"""`manage.py backup` / `restore` and beat's daily backup, on whichever database the suite
runs (SQLite embedded, PostgreSQL in the services suite). The full round trip with orders,
payments and stock is tests/test_backup.py."""

import sqlite3
from io import StringIO

import pytest
from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.core.backup import backup_kind, human_size
from apps.core.models import OutboxMessage
from apps.core.tasks import backup_database

# SQLite copies through Django's connection, which must be outside a transaction; pg_dump
# runs in a session of its own and needs no committed rows here, so PostgreSQL keeps the
# cheaper rolled-back test transaction.
backup_db = pytest.mark.django_db(transaction=settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))


def backup(**options) -> str:
    out = StringIO()
    call_command("backup", stdout=out, **options)
    return out.getvalue()


def backups_in(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))


def this_engine_lookalike(path):
    """Passes the restore's file check (the engine's magic bytes), restores nothing."""
    if connection.vendor == "postgresql":
        path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01" + bytes(200))
    else:
        database = sqlite3.connect(path)
        database.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
        database.close()


def other_engine_backup(path):
    """A genuine-looking backup of the engine the suite does not run on."""
    if connection.vendor == "sqlite":
        path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01" + bytes(200))
        return "a PostgreSQL backup"
    database = sqlite3.connect(path)
    database.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
    database.close()
    return "a SQLite backup"


@backup_db
def test_given_a_database_when_backed_up_then_the_file_is_a_backup_of_its_engine_and_is_reported(tmp_path):
    output = backup(dir=str(tmp_path / "new" / "folder"))

    (name,) = backups_in(tmp_path / "new" / "folder")
    written = tmp_path / "new" / "folder" / name
    assert backup_kind(written) == connection.vendor
    assert name.startswith(f"{connection.vendor}-")
    assert name.endswith({"postgresql": ".dump", "sqlite": ".sqlite3"}[connection.vendor])
    assert f"Backup written: {written} (" in output
    assert f"{written.stat().st_size} bytes)" in output


@backup_db
def test_given_backups_of_this_and_another_database_when_keep_is_two_then_only_the_two_newest_of_this_one_stay(
    tmp_path,
):
    others = ["postgresql-otherdb-20200101T000000.000000Z.dump", "sqlite-other-20200101T000000.000000Z.sqlite3"]
    for name in [*others, "notes.txt"]:
        (tmp_path / name).write_text("not ours")

    outputs = [backup(dir=str(tmp_path), keep=2) for _ in range(3)]

    ours = [name for name in backups_in(tmp_path) if name not in [*others, "notes.txt"]]
    written = [line.split()[2] for output in outputs for line in output.splitlines() if "Backup written" in line]
    assert [tmp_path / name for name in ours] == [tmp_path / path.rsplit("/", 1)[1] for path in written[1:]]
    assert "Deleted old backup" not in outputs[1]
    assert f"Deleted old backup: {written[0]}" in outputs[2]
    assert set(backups_in(tmp_path)) == {*ours, *others, "notes.txt"}


@backup_db
def test_given_backup_keep_in_settings_when_the_beat_task_runs_then_it_writes_to_backup_dir_and_keeps_that_many(
    settings, tmp_path
):
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 1

    first = backup_database.apply().get()
    second = backup_database.apply().get()

    assert backups_in(tmp_path) == [second.rsplit("/", 1)[1]]
    assert first != second


def test_the_daily_backup_is_on_beats_schedule_at_backup_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["backup-database"]

    assert entry["task"] == "core.backup_database"
    assert entry["schedule"] == crontab(minute=0, hour=settings.BACKUP_HOUR)
    assert settings.BACKUP_HOUR == 3  # the default: 03:00 in TIME_ZONE
    assert "core.backup_database" in current_app.tasks


def test_given_a_file_where_the_folder_should_be_when_backing_up_then_it_fails_with_a_clear_message(tmp_path):
    (tmp_path / "taken").write_text("a file")

    with pytest.raises(CommandError, match=r"Cannot create the backup folder .*taken/backups.*Set BACKUP_DIR"):
        backup(dir=str(tmp_path / "taken" / "backups"))


@pytest.mark.services
def test_given_no_pg_dump_when_backing_up_postgresql_then_it_fails_and_says_what_to_install(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL")
    settings.BACKUP_PG_BIN_DIR = str(tmp_path / "empty")

    with pytest.raises(CommandError, match=r"pg_dump was not found in BACKUP_PG_BIN_DIR .*client tools"):
        backup(dir=str(tmp_path / "backups"))

    assert not (tmp_path / "backups").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["other engine", "not a backup"])
def test_given_a_file_that_is_not_a_backup_of_this_engine_when_restoring_then_it_is_refused(kind, tmp_path):
    OutboxMessage.objects.create(topic="test.backup.v1", payload={"n": 1})
    wrong = tmp_path / "wrong.bak"
    if kind == "other engine":
        what = other_engine_backup(wrong)
    else:
        wrong.write_text("SELECT 1;\n")
        what = "not a backup made by `manage.py backup`"
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(wrong), interactive=False)

    assert str(refused.value).startswith(f"{wrong} is {what}, but the database 'default' is {engine}")
    assert OutboxMessage.objects.filter(topic="test.backup.v1").count() == 1


@pytest.mark.django_db
def test_given_a_backup_when_the_restore_is_not_confirmed_then_nothing_changes(tmp_path, monkeypatch):
    this_engine_lookalike(tmp_path / "backup")
    OutboxMessage.objects.create(topic="test.after-backup.v1", payload={})
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "no")

    with pytest.raises(CommandError, match=r"Restore cancelled: nothing was changed\."):
        call_command("restore", str(tmp_path / "backup"))

    assert "Type 'yes' to continue" in questions[0]
    assert OutboxMessage.objects.filter(topic="test.after-backup.v1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_given_a_backup_when_the_restore_is_confirmed_then_later_rows_are_gone(tmp_path, monkeypatch):
    OutboxMessage.objects.create(topic="test.before-backup.v1", payload={})
    backup(dir=str(tmp_path))
    (name,) = backups_in(tmp_path)
    OutboxMessage.objects.create(topic="test.after-backup.v1", payload={})
    monkeypatch.setattr("builtins.input", lambda question: "yes")
    out = StringIO()

    call_command("restore", str(tmp_path / name), stdout=out)

    assert set(OutboxMessage.objects.values_list("topic", flat=True)) == {"test.before-backup.v1"}
    assert f"restored from {tmp_path / name}" in out.getvalue()


def test_given_a_transaction_when_backing_up_or_restoring_sqlite_then_it_refuses_instead_of_waiting(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: pg_dump and pg_restore use sessions of their own")
    this_engine_lookalike(tmp_path / "backup")

    with pytest.raises(CommandError, match=r"cannot run inside a transaction"):
        backup(dir=str(tmp_path))
    with pytest.raises(CommandError, match=r"cannot run inside a transaction"):
        call_command("restore", str(tmp_path / "backup"), interactive=False)


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (217_583, "212.5 KiB"), (3 * 1024**2, "3.0 MiB"), (5 * 1024**4, "5120.0 GiB")],
)
def test_sizes_are_printed_for_people(size, text):
    assert human_size(size) == text
