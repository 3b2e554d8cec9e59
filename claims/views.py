import datetime
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, render

from . import integrity
from .counts import table_counts
from .filters import ClaimFilter, facet_counts
from .models import Claim, Link, Source, Speaker, Topic

PAGE_SIZE = 50
# A facet over more claims than this counts the first this-many (see facet_counts).
TOPIC_CLAIMS = 300  # the most a topic page answers from
FACET_SAMPLE = 10_000


def reader(view):
    """Reading pages are public unless READ_REQUIRES_LOGIN is set."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.READ_REQUIRES_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def paginate(request, queryset, per_page=PAGE_SIZE):
    """The requested page, or an error message for a page that is not there."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number), None
    except PageNotAnInteger:
        return None, f"“{number}” is not a page number."
    except EmptyPage:
        return None, f"There is no page {number}; the results have {paginator.num_pages}."


def paginate_rows(request, ordered, rows):
    """The requested page of `ordered`, its objects taken from `rows`, or an error.

    Counting and slicing run on the bare ids; `rows` (annotations, joins, prefetches)
    is evaluated for the page's ids only, never for every match.
    """
    page, page_error = paginate(request, ordered.values_list("pk", flat=True))
    if page_error:
        return None, None, page_error
    ids = list(page.object_list)
    objects = rows.in_bulk(ids)
    return page, [objects[pk] for pk in ids], None


@reader
def home(request):
    contested_ids = Link.objects.filter(kind=Link.Kind.CONTRADICTS).most_linked_claims(5)
    contested = sorted(
        Claim.objects.for_list().with_link_counts().filter(pk__in=contested_ids),
        key=lambda claim: contested_ids.index(claim.pk),
    )
    counts = {
        model: {"rows": rows, "estimated": estimated}
        for model, (rows, estimated) in table_counts(Claim, Source, Speaker, Link).items()
    }
    context = {
        "claim_count": counts[Claim],
        "source_count": counts[Source],
        "speaker_count": counts[Speaker],
        "link_count": counts[Link],
        "topics": Topic.objects.annotate(claim_count=Count("claims")),
        "contested": contested,
        "latest": Claim.objects.for_list().order_by("-created_at", "-id")[:8],
    }
    return render(request, "claims/home.html", context)


def _without_page(query):
    """The query string that selects the same claims on any page (for the exports)."""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


@reader
def claim_list(request):
    filters = ClaimFilter(request.GET, queryset=Claim.objects.for_list())
    context = {"filters": filters}
    if not filters.is_valid():
        return render(request, "claims/claim_list.html", context, status=400)
    # The per-claim link and origin subqueries run for this page's rows only.
    rows = Claim.objects.for_list().with_corroboration().with_link_counts()
    page, claims, page_error = paginate_rows(request, filters.qs, rows)
    if page_error:
        context["page_error"] = page_error
        return render(request, "claims/claim_list.html", context, status=400)
    facets, sampled = facet_counts(filters, sample=FACET_SAMPLE, total=page.paginator.count)
    context.update(
        page=page,
        claims=claims,
        facets=facets,
        sampled=sampled,
        facet_sample=FACET_SAMPLE,
        export_query=_without_page(request.GET),
    )
    return render(request, "claims/claim_list.html", context)


@reader
def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.for_list().with_corroboration(), pk=pk)
    links = Link.objects.involving(claim).select_related(
        "claim_a__speaker", "claim_a__source__outlet", "claim_b__speaker", "claim_b__source__outlet"
    )
    linked = {kind: [] for kind in Link.Kind}
    for link in links:
        linked[link.kind].append((link, link.other(claim)))
    excerpt = None
    if claim.integrity == Claim.Integrity.LOCATED:
        excerpt = integrity.context_around(claim.source.full_text, claim.span_start, claim.span_end)
    context = {
        "claim": claim,
        "corroborating": linked[Link.Kind.CORROBORATES],
        "contradicting": linked[Link.Kind.CONTRADICTS],
        "same_statement": linked[Link.Kind.SAME_STATEMENT],
        "excerpt": excerpt,
        "permalink": request.build_absolute_uri(claim.get_absolute_url()),
    }
    return render(request, "claims/claim_detail.html", context)


@reader
def speaker_list(request):
    page, speakers, page_error = paginate_rows(
        request,
        Speaker.objects.order_by("name", "id"),
        Speaker.objects.annotate(claim_count=Count("claims")).prefetch_related("aliases"),
    )
    if page_error:
        return render(request, "claims/speaker_list.html", {"page_error": page_error}, status=400)
    return render(request, "claims/speaker_list.html", {"page": page, "speakers": speakers})


@reader
def speaker_detail(request, slug):
    speaker = get_object_or_404(Speaker.objects.prefetch_related("aliases"), slug=slug)
    claims = speaker.claims.for_list().order_by(F("stated_on").asc(nulls_last=True), "id")
    page, page_error = paginate(request, claims)
    if page_error:
        return render(
            request,
            "claims/speaker_detail.html",
            {"speaker": speaker, "page_error": page_error},
            status=400,
        )
    context = {
        "speaker": speaker,
        "page": page,
        "claims": page.object_list,
        "roles": speaker.claims.exclude(speaker_role="")
        .values_list("speaker_role", flat=True)
        .order_by("speaker_role")
        .distinct(),
    }
    return render(request, "claims/speaker_detail.html", context)


@reader
def source_list(request):
    page, sources, page_error = paginate_rows(
        request,
        Source.objects.order_by(F("published_on").desc(nulls_last=True), "title", "id"),
        Source.objects.select_related("outlet").annotate(claim_count=Count("claims")),
    )
    if page_error:
        return render(request, "claims/source_list.html", {"page_error": page_error}, status=400)
    return render(request, "claims/source_list.html", {"page": page, "sources": sources})


@reader
def source_detail(request, pk):
    source = get_object_or_404(Source.objects.select_related("outlet"), pk=pk)
    claims = list(source.claims.select_related("speaker").order_by("span_start", "id"))
    context = {
        "source": source,
        "claims": claims,
        "current": request.GET.get("claim", ""),
        "unlocated": [claim for claim in claims if claim.integrity != Claim.Integrity.LOCATED],
    }
    return render(request, "claims/source_detail.html", context)


@reader
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    total = topic.claims.count()
    # A research question is answered from a few reports; past TOPIC_CLAIMS the
    # grid would be unreadable and the page slow, so it shows the first ones by
    # date and says so, and the claim list takes the rest.
    claims = list(
        topic.claims.select_related("speaker", "source__outlet", "via")
        .prefetch_related("subjects")
        .with_origin()
        .order_by(F("stated_on").asc(nulls_last=True), "id")[:TOPIC_CLAIMS]
    )
    contradictions = list(
        Link.objects.filter(kind=Link.Kind.CONTRADICTS)
        .filter(Q(claim_a__in=claims) | Q(claim_b__in=claims))
        .select_related(
            "claim_a__speaker", "claim_a__source", "claim_b__speaker", "claim_b__source"
        )
    )
    return render(
        request,
        "claims/topic_detail.html",
        {"topic": topic, "total": total, **answer(claims, contradictions)},
    )


def answer(claims, contradictions):
    """A topic's answer: its claims grouped by subject, and a subject-by-source grid."""
    disputed = {}
    for link in contradictions:
        disputed.setdefault(link.claim_a_id, []).append((link, link.claim_b))
        disputed.setdefault(link.claim_b_id, []).append((link, link.claim_a))
    sources = sorted(
        {claim.source for claim in claims},
        key=lambda s: (s.published_on is None, s.published_on or datetime.date.min, s.pk),
    )
    groups = {}
    for claim in claims:
        for subject in claim.subjects.all() or [None]:
            groups.setdefault(subject, []).append(claim)
    rows = []
    for subject, group in sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0]))):
        cells = []
        for source in sources:
            in_source = [claim for claim in group if claim.source_id == source.pk]
            if not in_source:
                state = "silent"
            elif any(claim.pk in disputed for claim in in_source):
                state = "contradicts"
            else:
                state = "asserts"
            cells.append({"source": source, "state": state, "claims": in_source})
        # A link with both ends in the group is one contradiction, not two.
        against = {}
        for claim in group:
            for link, other in disputed.get(claim.pk, []):
                against.setdefault(link.pk, (link, other))
        against = list(against.values())
        rows.append(
            {
                "subject": subject,
                "claims": group,
                "cells": cells,
                "reports": len(group),
                "origins": len({claim.origin for claim in group}),
                "contradicted_by": against,
            }
        )
    return {"sources": sources, "rows": rows, "claim_count": len(claims)}
