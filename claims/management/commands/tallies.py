from django.core.management.base import BaseCommand, CommandError

from claims import tallies

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Compare the counts kept on write (claims_tally) with a recount of the rows; exits "
        "with an error listing each difference. --rebuild replaces them with the recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Replace every tally with its recount."
        )

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            tallies.rebuild()
            self.stdout.write("Every tally now holds its recount.")
            return
        problems = tallies.differences()
        if not problems:
            self.stdout.write(f"All {len(tallies.stored()):,} tallies agree with the rows.")
            return
        for facet, value, stored, true in problems[:SHOWN]:
            self.stdout.write(f"{facet} {value!r}: kept {stored:,}, counted {true:,}")
        if len(problems) > SHOWN:
            self.stdout.write(f"... and {len(problems) - SHOWN} more.")
        raise CommandError(
            f"{len(problems)} tallies differ from a recount of the rows; run tallies --rebuild."
        )
