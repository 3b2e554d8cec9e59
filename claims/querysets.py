from django.db import models
from django.db.models import Exists, OuterRef, Q


class ClaimQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("speaker", "source__outlet", "via").prefetch_related(
            "topics", "subjects"
        )

    def for_admin(self):
        return self.select_related("speaker", "source__outlet")

    def relocate(self):
        """Re-run the quote-integrity check, e.g. after a source's text changed."""
        claims = list(self.select_related("source"))
        for claim in claims:
            claim.locate_in_source()
        self.model.objects.bulk_update(
            claims, ["span_start", "span_end", "integrity"], batch_size=500
        )
        return len(claims)


class LinkQuerySet(models.QuerySet):
    def involving(self, claim):
        """Links with `claim` at either end: links are undirected."""
        return self.filter(Q(claim_a=claim) | Q(claim_b=claim))

    def between(self, first, second):
        return self.filter(Q(claim_a=first, claim_b=second) | Q(claim_a=second, claim_b=first))

    def exists_for(self, kind=None):
        """An Exists() that is true for claims (OuterRef pk) with a link of `kind`."""
        links = self.filter(Q(claim_a=OuterRef("pk")) | Q(claim_b=OuterRef("pk")))
        if kind is not None:
            links = links.filter(kind=kind)
        return Exists(links)
