from collections import Counter

from django.db import connections, models
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Least, NullIf

from . import search

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


class ClaimQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("speaker", "source__outlet", "via").prefetch_related(
            "topics", "subjects"
        )

    def search(self, value):
        """Claims whose text, context or reported role match `value`, or whose speaker does."""
        connection = connections[self.db]
        from .models import Speaker

        speakers = Speaker.objects.filter(
            Q(name__icontains=value) | Q(aliases__name__icontains=value)
        ).values("pk")
        return self.filter(search.matches(connection, value) | Q(speaker__in=speakers))

    def having_links(self, value):
        from .models import Link

        if value == "corroboration":
            return self.filter(Link.objects.exists_for(Link.Kind.CORROBORATES))
        if value == "contradiction":
            return self.filter(Link.objects.exists_for(Link.Kind.CONTRADICTS))
        if value == "no_links":
            return self.exclude(Link.objects.exists_for())
        raise ValueError(f"Unknown link filter: {value!r}")

    def sorted(self, sort, q=""):
        """Order by one of SORTS; relevance ranks by the search `q`."""
        if sort == "relevance":
            self = self.annotate(rank=search.rank(connections[self.db], q))
        return self.order_by(*SORTS[sort][1])

    def with_origin(self):
        """Annotate `origin`: reports with the same origin are one witness, not two.

        A claim's group is itself and the claims joined to it by a same-statement link
        (one hop: how editors mark one utterance, or copied wording, in two reports).
        The group's origin is an outlet it came via ("outlet:7", as in "told TASS"),
        else the outlet that published its first claim, else that claim's source
        ("source:3"). Each part is an index lookup per claim: no OR across subqueries,
        which PostgreSQL could only answer by scanning every claim.
        """
        from .models import Claim, Link

        same = Link.objects.filter(kind=Link.Kind.SAME_STATEMENT).order_by()
        after, before = same.filter(claim_a=OuterRef("pk")), same.filter(claim_b=OuterRef("pk"))

        def lowest(links, field):
            return Coalesce(Subquery(links.annotate(low=_min(field)).values("low")), _NONE)

        first = Claim.objects.filter(pk=OuterRef("origin_claim"))
        return (
            self.annotate(
                origin_claim=Least(
                    F("pk"),
                    lowest(after, "claim_b"),
                    lowest(before, "claim_a"),
                    output_field=models.BigIntegerField(),
                ),
                origin_via=NullIf(
                    Least(
                        Coalesce(F("via_id"), _NONE),
                        lowest(after, "claim_b__via_id"),
                        lowest(before, "claim_a__via_id"),
                        output_field=models.BigIntegerField(),
                    ),
                    _NONE,
                ),
            )
            .annotate(
                origin_outlet=Coalesce(
                    F("origin_via"),
                    Subquery(first.values("source__outlet_id")),
                    output_field=models.BigIntegerField(),
                ),
            )
            .annotate(
                origin=Case(
                    When(
                        origin_outlet__isnull=False,
                        then=Concat(Value("outlet:"), Cast("origin_outlet", CharField())),
                    ),
                    default=Concat(
                        Value("source:"), Cast(Subquery(first.values("source_id")), CharField())
                    ),
                    output_field=CharField(),
                )
            )
        )

    def with_corroboration(self):
        """Annotate `corroborating_reports` and `independent_corroborations`.

        Reports are the claims linked to this one by a corroborates link (either end);
        independent corroborations count their distinct origins, leaving out any that
        share this claim's own origin.
        """
        from .models import Claim, Link

        links = (
            Link.objects.filter(kind=Link.Kind.CORROBORATES)
            .filter(Q(claim_a=OuterRef("pk")) | Q(claim_b=OuterRef("pk")))
            .order_by()
        )

        def origin_of(end):
            claim = Claim.objects.filter(pk=OuterRef(end)).with_origin()
            return Subquery(claim.values("origin")[:1])

        partner_origin = Case(
            When(claim_a=OuterRef("pk"), then=origin_of("claim_b")),
            default=origin_of("claim_a"),
            output_field=CharField(),
        )
        origins = (
            links.annotate(partner_origin=partner_origin)
            .exclude(partner_origin=OuterRef("origin"))
            .annotate(n=_count("partner_origin", distinct=True))
            .values("n")
        )
        return self.with_origin().annotate(
            corroborating_reports=Coalesce(Subquery(links.annotate(n=_count("pk")).values("n")), 0),
            independent_corroborations=Coalesce(Subquery(origins), 0),
        )

    def with_link_counts(self):
        """Annotate `corroborations`, `contradictions` and `same_statements`: links by kind."""
        from .models import Link

        def count(kind):
            links = Link.objects.filter(kind=kind).filter(
                Q(claim_a=OuterRef("pk")) | Q(claim_b=OuterRef("pk"))
            )
            return Coalesce(Subquery(links.order_by().annotate(n=_count("pk")).values("n")), 0)

        return self.annotate(
            corroborations=count(Link.Kind.CORROBORATES),
            contradictions=count(Link.Kind.CONTRADICTS),
            same_statements=count(Link.Kind.SAME_STATEMENT),
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


def _count(field, distinct=False):
    """COUNT as a plain function, so that a subquery counts all its rows without GROUP BY."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    return Func(F(field), template=template, output_field=IntegerField())


# Stands for "none" where LEAST() must skip a missing value: SQLite's returns NULL
# when any argument is NULL, PostgreSQL's skips NULLs.
_NONE = Value(2**62, output_field=models.BigIntegerField())


def _min(field):
    """MIN as a plain function, so that a subquery takes it over all its rows."""
    return Func(F(field), template="MIN(%(expressions)s)", output_field=models.BigIntegerField())


class LinkQuerySet(models.QuerySet):
    def involving(self, claim):
        """Links with `claim` at either end: links are undirected."""
        return self.filter(Q(claim_a=claim) | Q(claim_b=claim))

    def between(self, first, second):
        return self.filter(Q(claim_a=first, claim_b=second) | Q(claim_a=second, claim_b=first))

    def most_linked_claims(self, limit):
        """Ids of the claims at the ends of the most of these links, most first.

        Groups the link table by each end (indexed) instead of counting links for every
        claim; a claim just outside the top of both ends may be missed at the margin.
        """
        counts = Counter()
        for end in ("claim_a", "claim_b"):
            rows = self.order_by().values(end).annotate(n=Count("pk")).order_by("-n", end)
            counts.update({row[end]: row["n"] for row in rows[: limit * 10]})
        return [pk for pk, _ in sorted(counts.items(), key=lambda item: (-item[1], -item[0]))][
            :limit
        ]

    def exists_for(self, kind=None):
        """An Exists() that is true for claims (OuterRef pk) with a link of `kind`."""
        links = self.filter(Q(claim_a=OuterRef("pk")) | Q(claim_b=OuterRef("pk")))
        if kind is not None:
            links = links.filter(kind=kind)
        return Exists(links)
