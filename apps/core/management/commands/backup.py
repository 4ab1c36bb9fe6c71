"""Back up the database into BACKUP_DIR and keep the newest BACKUP_KEEP backups of it.

PostgreSQL: `pg_dump --format=custom` (a `.dump` file for `manage.py restore` or
`pg_restore`); SQLite: a copy made with SQLite's online backup API (a `.sqlite3` file).
Beat runs the same every day (core.backup_database). See docs/operations.md, "Backups".
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core.backup import BackupError, backup_create, human_size


class Command(BaseCommand):
    help = "Back up the database into BACKUP_DIR; older backups beyond BACKUP_KEEP are deleted."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Write the backup here instead of BACKUP_DIR.")
        parser.add_argument("--keep", type=int, help="Keep this many backups instead of BACKUP_KEEP.")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        try:
            written = backup_create(using=options["database"], directory=options["dir"], keep=options["keep"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Backup written: {written.path} ({human_size(written.size)}, {written.size} bytes)")
        )
        for old in written.deleted:
            self.stdout.write(f"Deleted old backup: {old}")
