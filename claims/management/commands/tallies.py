from django.core.management.base import BaseCommand, CommandError

from claims import pairs, tallies

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Compare the counts kept on write (claims_tally and the pair tallies, "
        "claims_pairtally) with a recount of the rows; exits with an error listing each "
        "difference. --rebuild replaces them with the recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Replace every tally with its recount."
        )

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            tallies.rebuild()
            pairs.rebuild()
            self.stdout.write("Every tally and pair tally now holds its recount.")
            return
        problems = [
            (f"{facet} {value!r}", stored, true)
            for facet, value, stored, true in tallies.differences()
        ]
        problems += [
            (f"{given} {given_value!r} with {facet} {value!r}", stored, true)
            for (given, given_value, facet, value), stored, true in pairs.differences()
        ]
        if not problems:
            self.stdout.write(
                f"All {len(tallies.stored()):,} tallies and {len(pairs.stored()):,} pair "
                "tallies agree with the rows."
            )
            return
        for name, stored, true in problems[:SHOWN]:
            self.stdout.write(f"{name}: kept {stored:,}, counted {true:,}")
        if len(problems) > SHOWN:
            self.stdout.write(f"... and {len(problems) - SHOWN} more.")
        raise CommandError(
            f"{len(problems)} tallies differ from a recount of the rows; run tallies --rebuild."
        )
