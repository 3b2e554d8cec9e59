from django.core.management.base import BaseCommand

from claims import evidence
from claims.models import Claim


class Command(BaseCommand):
    help = (
        "Recompute every claim's statement, origin, witness and counts from the claims, "
        "links and source lineage, and store those that differ."
    )

    def handle(self, *args, **options):
        changed = evidence.rebuild()
        total = Claim.objects.count()
        self.stdout.write(f"Rebuilt the evidence of {total} claims: {changed} changed.")
