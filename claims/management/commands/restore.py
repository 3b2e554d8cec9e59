from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from claims.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to read.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, database, **options):
        try:
            restore(path, using=database)
        except (BackupError, OSError) as error:
            raise CommandError(f"Nothing restored: {error}") from error
        self.stdout.write(f"Restored {path}.")
