"""Replace the database's contents with a backup made by `manage.py backup`.

Stop the web nodes, workers and beat first. PostgreSQL: `pg_restore --clean --if-exists
--no-owner --single-transaction` (all or nothing); SQLite: SQLite's backup API copies the
file over the database. A file of the other engine (or not a backup at all) is refused.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.core.backup import BackupError, backup_check, backup_restore


class Command(BaseCommand):
    help = "Restore the database from a backup file (its current contents are replaced)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup: a .dump (PostgreSQL) or .sqlite3 (SQLite) file.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        alias = options["database"]
        name = connections[alias].settings_dict["NAME"]
        try:
            backup_check(path=options["file"], using=alias)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["interactive"]:
            question = f"Replace everything in database {name!r} with {options['file']}? Type 'yes' to continue: "
            try:
                answer = input(question)
            except EOFError:
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled: nothing was changed.")
        try:
            backup_restore(path=options["file"], using=alias)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Database {name!r} restored from {options['file']}."))
