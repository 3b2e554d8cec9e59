from django.core.management.base import BaseCommand, CommandError

from claims.importers import CORPUS, SeedError, load_corpus


class Command(BaseCommand):
    help = "Load the seed corpus (idempotent: records that exist already are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CORPUS), help="Corpus JSON file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created; change nothing."
        )

    def handle(self, *args, path, dry_run, **options):
        notes = []
        try:
            counts = load_corpus(path, dry_run=dry_run, notes=notes)
        except OSError as error:
            raise CommandError(f"Seed corpus not loaded, nothing changed: {error}") from error
        except SeedError as error:
            raise CommandError(f"Seed corpus not loaded, nothing changed. {error}") from error
        for note in notes:
            self.stderr.write(f"Note: {note}")
        created = ", ".join(f"{n} {name}" for name, n in counts.items())
        prefix = "Would create" if dry_run else "Created"
        self.stdout.write(f"{prefix}: {created}.")
        if not any(counts.values()):
            self.stdout.write("The seed corpus was already loaded; nothing changed.")
