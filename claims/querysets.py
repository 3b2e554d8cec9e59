from collections import Counter

from django.db import connections, models, transaction
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
)

from . import evidence, history, search

HAS_CHOICES = [
    ("corroboration", "corroboration"),
    ("contradiction", "contradiction"),
    ("no_links", "no links"),
]

# sort value: (label, ordering). Claims of unknown date come last in every date
# order, on every database, and every ordering ends on a unique column so that
# pages and exports list the same rows in the same order every time.
NEWEST = [F("stated_on").desc(nulls_last=True), F("id").desc()]
SORTS = {
    "relevance": ("relevance (with a search)", [F("rank").desc(), *NEWEST]),
    "newest": ("newest statement first", NEWEST),
    "oldest": ("oldest statement first", [F("stated_on").asc(nulls_last=True), F("id").asc()]),
    "added": ("recently added", ["-created_at", "-id"]),
    "speaker": ("speaker", ["speaker__name", *NEWEST]),
}


class RecordedQuerySet(models.QuerySet):
    """A QuerySet whose bulk writes are recorded in the history (claims.history)."""

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            # Rows skipped as conflicts come back without an id: nothing was written.
            history.record(self.model, [obj for obj in created if obj.pk is not None], "+", self.db)
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, *args, **kwargs)
            if history.records(self.model, fields):
                history.record_ids(self.model, [obj.pk for obj in objs], "~", self.db)
        return count

    bulk_update.alters_data = True

    def update(self, **kwargs):
        if not history.records(self.model, kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            return _update_exactly(self, list(self.values_list("pk", flat=True)), kwargs)

    update.alters_data = True


class ClaimQuerySet(RecordedQuerySet):
    def for_rows(self):
        """What a row of a list shows (templates/claims/_claim_row.html): no topics."""
        return self.select_related("speaker", "source__outlet", "via")

    def for_list(self):
        """A claim as the API and the claim page show it, with its topics and subjects."""
        return self.for_rows().prefetch_related("topics", "subjects")

    def search(self, value, found=None):
        """Claims whose text, context or reported role match `value`, or whose speaker does.

        `value` is a claims.search.Search, or text to parse into one (SearchError if
        it cannot be run). In each of its alternatives, the words match the claim's
        text or its speaker's name or alias; the words it excludes apply to the text.

        The speakers are looked up first, one query per alternative, and their ids
        written into the claim query: a subquery there would be run again by every
        query on the list (its page, its count, each facet), and would keep
        PostgreSQL from combining the text index with others. `found`, a dict, keeps
        them between calls (a filterset searches its list once per facet).
        """
        from .models import Speaker, SpeakerAlias

        if isinstance(value, str):
            value = search.parse(value)

        found = {} if found is None else found

        def speakers(words):
            if words not in found:
                # A union, not an OR: each side reads its own trigram index (migration
                # 0028), where an OR of the two read every speaker.
                named = Speaker.objects.using(self.db).filter(name__icontains=words).order_by()
                aliased = (
                    SpeakerAlias.objects.using(self.db).filter(name__icontains=words).order_by()
                )
                found[words] = sorted(
                    named.values_list("pk", flat=True).union(
                        aliased.values_list("speaker_id", flat=True)
                    )
                )
            return found[words]

        return self.filter(search.matches(connections[self.db], value, speakers))

    def having_links(self, value):
        """Claims whose statement is corroborated or contradicted, or that have no links.

        Reads the stored evidence values (claims.evidence), as every page does.
        """
        if value == "corroboration":
            return self.filter(corroborating_reports__gt=0)
        if value == "contradiction":
            return self.filter(contradicting_reports__gt=0)
        if value == "no_links":
            return self.filter(link_count=0)
        raise ValueError(f"Unknown link filter: {value!r}")

    def sorted(self, sort, q=""):
        """Order by one of SORTS; relevance ranks by the search `q`."""
        if sort == "relevance":
            if isinstance(q, str):
                q = search.parse(q)
            self = self.annotate(rank=search.rank(connections[self.db], q))
        return self.order_by(*SORTS[sort][1])

    def for_admin(self):
        return self.select_related("speaker", "source__outlet")

    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create(), then the new claims' evidence values (it skips save())."""
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            evidence.refresh([claim.pk for claim in created], using=self.db)
        return created

    bulk_create.alters_data = True

    def update(self, **kwargs):
        """update(), keeping the evidence values of what it changes current."""
        from .models import EVIDENCE_INPUTS

        if not set(kwargs) & set(EVIDENCE_INPUTS):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = _update_exactly(self, ids, kwargs)
            evidence.refresh(ids, using=self.db)
        return count

    update.alters_data = True

    def delete(self):
        """delete(), keeping the evidence values of the claims they were linked to current."""
        from .models import Link

        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            partners = Link.objects.using(self.db).partners_of(ids)
            result = _delete_exactly(self, ids)
            evidence.refresh(partners - set(ids), using=self.db)
        return result

    delete.alters_data = True

    def relocate(self):
        """Re-run the quote-integrity check, e.g. after a source's text changed."""
        claims = list(self.select_related("source"))
        for claim in claims:
            claim.locate_in_source()
        self.model.objects.bulk_update(
            claims, ["span_start", "span_end", "integrity"], batch_size=500
        )
        return len(claims)


def _update_exactly(queryset, ids, values):
    """Update the rows `ids` (read once) and no others: a filter could match others by now.

    A plain QuerySet's update(), in batches: the caller refreshes the evidence once.
    The rows changed are recorded in the history, if it keeps what changed.
    """
    count = 0
    for batch in evidence.batches(ids):
        rows = models.QuerySet(queryset.model, using=queryset.db).filter(pk__in=batch)
        count += models.QuerySet.update(rows, **values)
    if history.records(queryset.model, values):
        history.record_ids(queryset.model, ids, "~", queryset.db)
    return count


def _delete_exactly(queryset, ids):
    """Delete the rows `ids` (read once) with a plain QuerySet's delete(), in batches."""
    deleted, counts = 0, Counter()
    for batch in evidence.batches(ids):
        rows = models.QuerySet(queryset.model, using=queryset.db).filter(pk__in=batch)
        n, per_model = models.QuerySet.delete(rows)
        deleted += n
        counts.update(per_model)
    return deleted, dict(counts)


class SourceQuerySet(RecordedQuerySet):
    def update(self, **kwargs):
        """update(), keeping the evidence values of the claims it changes current."""
        from .models import LINEAGE_FIELDS

        names = {name.removesuffix("_id") for name in kwargs}
        if not names & set(LINEAGE_FIELDS):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = _update_exactly(self, ids, kwargs)
            evidence.refresh_sources(ids, using=self.db)
        return count

    update.alters_data = True


class LinkQuerySet(RecordedQuerySet):
    def partners_of(self, claim_ids):
        """The ids of claims linked to any of `claim_ids`, those among them included."""
        partners = set()
        for batch in evidence.batches(claim_ids):
            for pair in self.filter(Q(claim_a__in=batch) | Q(claim_b__in=batch)).values_list(
                "claim_a_id", "claim_b_id"
            ):
                partners.update(pair)
        return partners

    def bulk_create(self, objs, *args, **kwargs):
        """bulk_create(), then the evidence values of the claims at both ends."""
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            ends = {end for link in created for end in (link.claim_a_id, link.claim_b_id)}
            evidence.refresh(ends, using=self.db)
        return created

    bulk_create.alters_data = True

    def _ends(self):
        """The ids of the claims at either end of these links."""
        return {end for pair in self.values_list("claim_a_id", "claim_b_id") for end in pair}

    def _ends_of(self, ids):
        return {end for batch in evidence.batches(ids) for end in self.filter(pk__in=batch)._ends()}

    def update(self, **kwargs):
        """update(), keeping the evidence values of the claims at both ends current."""
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            ends = self.model.objects.using(self.db)._ends_of(ids)
            count = _update_exactly(self, ids, kwargs)
            ends |= self.model.objects.using(self.db)._ends_of(ids)
            evidence.refresh(ends, using=self.db)
        return count

    update.alters_data = True

    def delete(self):
        """delete(), keeping the evidence values of the claims at both ends current."""
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            ends = self.model.objects.using(self.db)._ends_of(ids)
            result = _delete_exactly(self, ids)
            evidence.refresh(ends, using=self.db)
        return result

    delete.alters_data = True

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


class SpeakerQuerySet(RecordedQuerySet):
    def ranked_by_match(self, term):
        """Best match first: the exact name or alias, then names (at any word) and aliases
        that start with `term`, then those containing it, then the rest (matched elsewhere)."""
        from .models import SpeakerAlias

        def alias(lookup):
            return Exists(
                SpeakerAlias.objects.filter(speaker=OuterRef("pk"), **{f"name__{lookup}": term})
            )

        rank = models.Case(
            models.When(name__iexact=term, then=0),
            models.When(alias("iexact"), then=1),
            # A word of the name starting with the term: "Kab" finds Zamir Kabulov here.
            models.When(Q(name__istartswith=term) | Q(name__icontains=f" {term}"), then=2),
            models.When(alias("istartswith"), then=3),
            models.When(name__icontains=term, then=4),
            models.When(alias("icontains"), then=5),
            default=6,
        )
        return self.annotate(match_rank=rank).order_by("match_rank", "name", "pk")

    def with_reported_role(self):
        """Each speaker's role as its latest dated claim reports it (`reported_role`)."""
        from .models import Claim

        latest = (
            Claim.objects.filter(speaker=OuterRef("pk"))
            .exclude(speaker_role="")
            .order_by(*NEWEST)
            .values("speaker_role")[:1]
        )
        return self.annotate(reported_role=models.Subquery(latest))
