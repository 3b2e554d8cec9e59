from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.importers import CORPUS, load_corpus


class Command(BaseCommand):
    help = "Load the seed corpus (idempotent: records that exist already are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CORPUS), help="Corpus JSON file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created; change nothing."
        )

    def handle(self, *args, path, dry_run, **options):
        try:
            counts = load_corpus(path, dry_run=dry_run)
        except (OSError, ValueError, KeyError, ValidationError) as error:
            raise CommandError(f"Seed corpus not loaded, nothing changed: {error}") from error
        created = ", ".join(f"{n} {name}" for name, n in counts.items())
        prefix = "Would create" if dry_run else "Created"
        self.stdout.write(f"{prefix}: {created}.")
        if not any(counts.values()):
            self.stdout.write("The seed corpus was already loaded; nothing changed.")
