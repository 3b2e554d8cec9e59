import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from claims import imports, liar2


class Command(BaseCommand):
    help = (
        "Import a sample of LIAR2's PolitiFact statements through the admin's importer "
        "(claims.liar2 documents the mapping). Idempotent; --dry-run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(liar2.DEFAULT_PATH), help="LIAR2's folder.")
        parser.add_argument("--limit", type=int, default=2000, help="Statements to import.")
        parser.add_argument("--dry-run", action="store_true", help="Plan only; write nothing.")
        parser.add_argument(
            "--show", type=int, default=10, help="Flagged rows to print (errors first)."
        )

    def handle(self, *args, path, limit, dry_run, show, **options):
        started = time.perf_counter()
        try:
            statements = liar2.statements(path, limit)
        except OSError as error:
            raise CommandError(f"LIAR2 not read, nothing changed: {error}") from error
        plan = imports.plan(liar2.as_upload(statements))
        planned = time.perf_counter()
        counts = plan.claim_counts
        self.stdout.write(
            f"{len(statements):,} statements read; plan: {counts['new']:,} new, "
            f"{counts['updated']:,} updated, {counts['unchanged']:,} unchanged, "
            f"{counts['error']:,} errors ({planned - started:.1f} s)."
        )
        for kind, names in plan.new.items():
            self.stdout.write(f"New {kind}: {len(names):,}")
        notes = Counter(
            note.split("“")[0].strip() if "matched" in note else note
            for row in plan.claims
            for note in row.notes
            if not note.startswith("date read as")
        )
        for note, count in notes.most_common():
            self.stdout.write(f"Flagged: {count:,} rows: {note}")
        flagged = [row for row in plan.claims if row.errors] + [
            row for row in plan.claims if _flags(row) and not row.errors
        ]
        for row in flagged[:show]:
            details = [f"{column}: {reason}" for column, reason in row.errors] + _flags(row)
            self.stdout.write(f"  row {row.number} ({row.outcome}): {'; '.join(details)}")
        for error in plan.file_errors:
            self.stderr.write(error)
        if not plan.is_valid:
            raise CommandError("The plan has errors; nothing was imported.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        imports.apply(plan)
        self.stdout.write(f"Imported in {time.perf_counter() - planned:.1f} s.")


def _flags(row):
    """A row's notes worth an editor's look: how a date was read is not one."""
    return [note for note in row.notes if not note.startswith("date read as")]
