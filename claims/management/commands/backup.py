from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from claims.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back the database up to one file (pg_dump on PostgreSQL, the backup API on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to write.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, database, **options):
        try:
            size = backup(path, using=database)
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup made: {error}") from error
        self.stdout.write(f"Backed up the database to {path} ({size:,} bytes).")
