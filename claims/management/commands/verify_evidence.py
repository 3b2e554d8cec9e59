from django.core.management.base import BaseCommand, CommandError

from claims import evidence
from claims.models import Claim

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Recompute every claim's evidence values and compare them with the stored ones; "
        "exits with an error listing each difference. Fix them with rebuild_evidence."
    )

    def handle(self, *args, **options):
        problems = evidence.verify()
        if not problems:
            self.stdout.write(f"The stored evidence of all {Claim.objects.count()} claims is true.")
            return
        for pk, field, stored, recomputed in problems[:SHOWN]:
            self.stdout.write(f"claim {pk}: {field} is {stored!r}, recomputed {recomputed!r}")
        if len(problems) > SHOWN:
            self.stdout.write(f"... and {len(problems) - SHOWN} more.")
        claims = len({pk for pk, *_ in problems})
        raise CommandError(
            f"{len(problems)} stored values of {claims} claims differ from a recomputation; "
            "run rebuild_evidence."
        )
