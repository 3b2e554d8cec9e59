import datetime
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Case, Count, F, Prefetch, Q, When
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from tracker.routers import read_chunks, reading

from . import counts, evidence, integrity, linked_data, pictures, plans
from .filters import (
    NAME_FIELDS,
    ClaimFilter,
    Estimate,
    Unsized,
    facet_counts,
    list_size,
    pick_key,
    sample_notes,
    sized,
)
from .models import Claim, Link, Outlet, Source, Speaker, Stance, Subject, Topic
from .querysets import SORTS

PAGE_SIZE = 50
TOPIC_CLAIMS = 300  # the most a topic page answers from
# A facet over at most FACET_EXACT_UP_TO claims is counted exactly; over more, it is
# estimated from a random sample of about FACET_SAMPLE of them, with its margin.
FACET_EXACT_UP_TO = 20_000
FACET_SAMPLE = 5_000
# A list's total that no tally holds is counted up to LIST_EXACT_UP_TO claims, and
# estimated beyond, with its margin, from the random sample its facets count (about
# FACET_SAMPLE claims), or where they count none from one of about TOTAL_SAMPLE.
LIST_EXACT_UP_TO = 20_000
TOTAL_SAMPLE = 2_000
# A search ranks its matches by relevance when there are at most RANK_UP_TO of them;
# ranking reads every match. More are shown newest first, and the page says why.
RANK_UP_TO = 5_000


def reader(view):
    """Reading pages are public unless READ_REQUIRES_LOGIN is set.

    They read from the replica when READ_REPLICA names one (tracker.routers), a
    streamed export to its last chunk.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if settings.READ_REQUIRES_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        with reading():
            response = view(request, *args, **kwargs)
        if response.streaming:
            response.streaming_content = read_chunks(response.streaming_content)
        return response

    return wrapped


@dataclass(frozen=True)
class PageError:
    """Why the requested page cannot be shown, and the last page, where it is known.

    The page offers a way back: the first page, and the last where there is one.
    """

    message: str
    last: int | None = None

    def __str__(self):
        return self.message


def paginate(request, queryset, per_page=PAGE_SIZE, count=None):
    """The requested page, or a PageError for a page that is not there.

    `count`, when known (a tally, claims.counts), spares the paginator its count(*).
    """
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number), None
    except PageNotAnInteger:
        return None, PageError(f"“{number}” is not a page number.", paginator.num_pages)
    except EmptyPage:
        pages = paginator.num_pages
        return None, PageError(
            f"There is no page {number}; the results have {pages:,} page{'s' * (pages != 1)}.",
            pages,
        )


def paginate_rows(request, ordered, rows, count=None):
    """The requested page of `ordered`, its objects taken from `rows`, or an error.

    Counting and slicing run on the bare ids; `rows` (annotations, joins, prefetches)
    is evaluated for the page's ids only, never for every match.
    """
    page, page_error = paginate(request, ordered.values_list("pk", flat=True), count=count)
    if page_error:
        return None, None, page_error
    ids = list(page.object_list)
    objects = rows.in_bulk(ids)
    return page, [objects[pk] for pk in ids], None


# No list is longer: a page past it is refused before the database is asked (an
# offset past 2**63 is an error there).
MAX_OFFSET = 2**62


# A page of a long list in an indexed order is read from that order's index when
# the list's estimated length shows it lies within the first WALK_UP_TO claims of it
# (claims.plans): the planner, sizing a phrase far too short, would read every match.
WALK_UP_TO = 20_000
IN_INDEX_ORDER = {"newest", "oldest", "added"}


def _page_of_estimate(request, ordered, estimate, in_index_order=False):
    """The requested page of a list whose length is only estimated, and its length.

    The estimate may fall short of the list's end or reach past it, so the page is
    read with one row more than it shows: a page that comes back short is the
    list's last, and its length, offset plus rows, is exact (an int); a full one
    shows the list holds at least that many, whatever the sample said.
    Returns (page, claims, error, exact): exact is the list's length if the page
    showed it, else None. `in_index_order`: the list is sorted in the order of an
    index (IN_INDEX_ORDER), which the page may be read from (WALK_UP_TO).
    """
    number = request.GET.get("page", "1")
    try:
        number = int(number)
    except ValueError:
        number = 0
    if number < 1:
        return None, None, PageError(f"“{request.GET['page']}” is not a page number."), None
    offset = (number - 1) * PAGE_SIZE
    past_the_end = PageError(f"There is no page {number}; the results end before it.")
    if offset > MAX_OFFSET:
        return None, None, past_the_end, None
    # How many claims of the whole corpus come before the page's end, in its order.
    walked = (offset + PAGE_SIZE + 1) * counts.tally("all") / max(estimate, 1)
    with plans.in_order(ordered.db, in_index_order and walked <= WALK_UP_TO):
        ids = list(ordered.values_list("pk", flat=True)[offset : offset + PAGE_SIZE + 1])
    if not ids and number > 1:
        return None, None, past_the_end, None
    exact = offset + len(ids) if len(ids) <= PAGE_SIZE else None
    paginator = Paginator(ordered, PAGE_SIZE)
    paginator.count = exact if exact is not None else max(estimate, offset + len(ids))
    ids = ids[:PAGE_SIZE]
    objects = Claim.objects.for_rows().in_bulk(ids)
    claims = [objects[pk] for pk in ids]
    return Page(claims, number, paginator), claims, None, exact


@reader
def home(request):
    # The claims whose statement the most reports contradict (stored evidence values).
    contested = (
        Claim.objects.for_rows()
        .filter(contradicting_reports__gt=0)
        .order_by("-contradicting_reports", "-id")[:5]
    )
    tables = counts.table_counts()
    topics = list(Topic.objects.all())
    claims_in = counts.tallies("topic", topics)
    for topic in topics:
        topic.claim_count = claims_in[topic]
    context = {
        "claim_count": tables[Claim],
        "source_count": tables[Source],
        "speaker_count": tables[Speaker],
        "link_count": tables[Link],
        "topics": topics,
        "contested": contested,
        "latest": Claim.objects.for_rows().order_by("-created_at", "-id")[:8],
    }
    return render(request, "claims/home.html", context)


def _without_page(query):
    """The query string that selects the same claims on any page (for the exports)."""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


@reader
def claim_list(request):
    filters = ClaimFilter(request.GET, queryset=Claim.objects.for_rows())
    context = {"filters": filters}
    if not filters.is_valid():
        return render(request, "claims/claim_list.html", context, status=400)
    ordered = filters.qs
    total = counts.list_total(filters.active)
    if total is None:
        q = filters.form.cleaned_data.get("q")
        total = list_size(ordered, LIST_EXACT_UP_TO, doubtful=bool(q) and q.has_phrase)
    # The facets first: a list too long to count takes its length from their sample.
    unsized = total
    facets, estimated = facet_counts(
        filters, exact_up_to=FACET_EXACT_UP_TO, sample=FACET_SAMPLE, total=total
    )
    total = sized(total, LIST_EXACT_UP_TO, TOTAL_SAMPLE)
    if isinstance(unsized, Unsized) and isinstance(total, int) and estimated:
        # The planner overestimated: the list is short, and its facets can be exact.
        facets, estimated = facet_counts(
            filters, exact_up_to=FACET_EXACT_UP_TO, sample=FACET_SAMPLE, total=total
        )
    estimated_total = total if isinstance(total, Estimate) else None
    rows = estimated_total.rows if estimated_total else total
    unranked = (
        filters.form.cleaned_data.get("q") and not filters.form.cleaned_data.get("sort")
    ) and rows > RANK_UP_TO
    if unranked:
        ordered = ordered.order_by(*SORTS["newest"][1])
    if estimated_total:
        q, sort = filters.form.cleaned_data.get("q"), filters.form.cleaned_data.get("sort")
        sort = "newest" if unranked else sort or ("relevance" if q else "newest")
        page, claims, page_error, exact = _page_of_estimate(
            request, ordered, rows, in_index_order=sort in IN_INDEX_ORDER
        )
        if exact is None and page and page.paginator.count > rows:
            # The page read shows more claims than the sample promised: what is
            # known is a lower bound.
            estimated_total = Estimate(rows=page.paginator.count, margin=0, at_least=True)
        if exact is not None:
            # The list ended on the page: its length is known, and short.
            estimated_total = None
            if unranked and exact <= RANK_UP_TO and page.number == 1:
                # The whole list is on this page (on a later one, the earlier pages
                # were read newest first, and the order must not change under them).
                unranked = False
                ordered = filters.qs
                page, claims, page_error, _ = _page_of_estimate(request, ordered, exact)
            if estimated and exact <= FACET_EXACT_UP_TO:
                facets, estimated = facet_counts(
                    filters, exact_up_to=FACET_EXACT_UP_TO, sample=FACET_SAMPLE, total=exact
                )
    else:
        page, claims, page_error = paginate_rows(request, ordered, Claim.objects.for_rows(), rows)
    if page_error:
        context["page_error"] = page_error
        return render(request, "claims/claim_list.html", context, status=400)
    context.update(
        page=page,
        claims=claims,
        estimated_total=estimated_total,
        unranked=unranked,
        rank_up_to=RANK_UP_TO,
        facets=facets,
        estimated=estimated,
        sample_notes=sample_notes(estimated),
        export_query=_without_page(request.GET),
    )
    return render(request, "claims/claim_list.html", context)


@reader
def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.for_list(), pk=pk)
    related = "speaker", "source__outlet", "via"
    statement = {claim.pk: claim}
    if claim.statement_key is not None:  # None until its evidence is computed
        statement.update(
            (other.pk, other)
            for other in Claim.objects.filter(statement_key=claim.statement_key).select_related(
                *related
            )
        )
        statement[claim.pk] = claim
    links = Link.objects.filter(
        Q(claim_a__in=list(statement)) | Q(claim_b__in=list(statement))
    ).select_related(*(f"{end}__{path}" for end in ("claim_a", "claim_b") for path in related))
    linked = {kind: [] for kind in Link.Kind}
    notes = {}
    for link in links:
        inside, other = (
            (link.claim_a, link.claim_b)
            if link.claim_a_id in statement
            else (link.claim_b, link.claim_a)
        )
        if other.pk in statement:
            # A same-statement link inside the statement: its note tells what differs.
            for end in (link.claim_a_id, link.claim_b_id):
                if end != claim.pk and (end not in notes or claim.pk in link_ends(link)):
                    notes[end] = link
            continue
        # Evidence for any report of the statement is evidence for this claim.
        linked[link.kind].append((link, other, None if inside.pk == claim.pk else inside))
    same = [
        (notes.get(other.pk), other, None)
        for other in sorted(statement.values(), key=lambda c: c.pk)
        if other.pk != claim.pk
    ]
    corroborating = linked[Link.Kind.CORROBORATES]
    keys = {claim.origin_key, claim.witness_key}
    keys |= {other.witness_key for _, other, _ in corroborating}
    keys |= {other.origin_key for other in statement.values()}
    names = evidence.describe(keys)
    excerpt = None
    if claim.integrity == Claim.Integrity.LOCATED:
        excerpt = integrity.context_around(claim.source.full_text, claim.span_start, claim.span_end)
    context = {
        "claim": claim,
        "corroborating": corroborating,
        "contradicting": linked[Link.Kind.CONTRADICTS],
        "same_statement": same,
        "origin": names[claim.origin_key],
        "witness": names[claim.witness_key],
        "sources": sorted({names[other.origin_key] for other in statement.values()}),
        "witnesses": sorted(
            {names[other.witness_key] for _, other, _ in corroborating} - {names[claim.witness_key]}
        ),
        "definitions": evidence.DEFINITIONS,
        "excerpt": excerpt,
        "permalink": request.build_absolute_uri(claim.get_absolute_url()),
        "linked_data": linked_data.script(linked_data.claim(claim, request.build_absolute_uri)),
        # The topics whose network draws this claim: a stance on it, about an answer.
        "networks": Topic.objects.filter(
            stances__claim=claim, answer_subjects__in=claim.subjects.all()
        )
        .distinct()
        .order_by("title"),
    }
    return render(request, "claims/claim_detail.html", context)


def link_ends(link):
    return (link.claim_a_id, link.claim_b_id)


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
    claims = speaker.claims.for_rows().order_by(F("stated_on").asc(nulls_last=True), "id")
    page, page_error = paginate(request, claims, count=counts.tally("speaker", speaker))
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
        "timeline": pictures.timeline(speaker.claims.all()),
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
        count=counts.table_counts()[Source],
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
    topic = get_object_or_404(Topic.objects.prefetch_related("answer_subjects"), slug=slug)
    answers = sorted(topic.answer_subjects.all(), key=lambda subject: subject.name)
    total = counts.tally("topic", topic)
    # The answer is built from the claims that take a stance on the question about one
    # of its answers: curated evidence, a few per answer. Past TOPIC_CLAIMS the page
    # says so, and the claim list takes the rest.
    stances = Stance.objects.filter(topic=topic)
    evidence_claims = list(
        Claim.objects.filter(stances__topic=topic, subjects__in=answers)
        .distinct()
        .select_related("speaker", "source__outlet", "source__derived_from", "via")
        .prefetch_related(
            "subjects", Prefetch("stances", queryset=stances, to_attr="topic_stances")
        )
        .order_by(F("stated_on").asc(nulls_last=True), "id")[: TOPIC_CLAIMS + 1]
    )
    capped = len(evidence_claims) > TOPIC_CLAIMS
    evidence_claims = evidence_claims[:TOPIC_CLAIMS]
    ids = [claim.pk for claim in evidence_claims]
    network = pictures.network(
        evidence_claims, answers, Link.objects.filter(claim_a__in=ids, claim_b__in=ids)
    )
    keys = {claim.statement_key for claim in evidence_claims}
    # Every report of those statements, by ids: an OR across the two ends' joins
    # could use no index and read every link (6 s at a million).
    reports = list(Claim.objects.filter(statement_key__in=keys).values_list("pk", flat=True))
    contradictions = list(
        Link.objects.filter(kind=Link.Kind.CONTRADICTS)
        .filter(Q(claim_a__in=reports) | Q(claim_b__in=reports))
        .select_related(
            *(
                f"{end}__{path}"
                for end in ("claim_a", "claim_b")
                for path in ("speaker", "source__outlet")
            )
        )
    )
    findings = answer(answers, evidence_claims, contradictions)
    names = evidence.describe(
        {key for finding in findings for key in finding["witness_keys"] | finding["origin_keys"]}
    )
    for finding in findings:
        finding["witnesses"] = sorted(names[key] for key in finding["witness_keys"])
        finding["sources"] = sorted(names[key] for key in finding["origin_keys"])
    sources = sorted(
        {claim.source for claim in evidence_claims},
        # By date, and an original before the sources that copy it.
        key=lambda s: (
            s.published_on is None,
            s.published_on or datetime.date.min,
            s.derived_from_id is not None,
            s.title,
        ),
    )
    grid = [
        {
            "finding": finding,
            "cells": [
                [
                    (claim, stance)
                    for claim, stance in finding["cells"]
                    if claim.source_id == source.pk
                ]
                for source in sources
            ],
        }
        for finding in findings
    ]
    context = {
        "topic": topic,
        "linked_data": linked_data.script(
            linked_data.topic(topic, answers, request.build_absolute_uri)
        ),
        "total": total,
        "claims": (
            []
            if answers
            else topic.claims.for_rows().order_by(F("stated_on").asc(nulls_last=True), "id")[
                :PAGE_SIZE
            ]
        ),
        "findings": findings,
        "grid": grid,
        "sources": sources,
        "evidence_count": len(evidence_claims),
        "network": network,
        "capped": capped,
        "definitions": evidence.DEFINITIONS,
    }
    return render(request, "claims/topic_detail.html", context)


def answer(answers, claims, contradictions):
    """For each answer subject: its supporting and disputing claims, counts and verdict.

    A claim supports (or disputes) an answer when it takes that stance on the topic and
    is about that subject. A contradicts link to any report of a supporting claim's
    statement disputes it too. Counts read the stored evidence values.
    """
    against = {}
    for link in contradictions:
        for end, other in ((link.claim_a, link.claim_b), (link.claim_b, link.claim_a)):
            against.setdefault(end.statement_key, []).append((link, other))
    findings = []
    for subject in answers:
        cells, supporting, disputing = [], [], []
        for claim in claims:
            if subject not in claim.subjects.all():
                continue
            stance = claim.topic_stances[0].stance if claim.topic_stances else ""
            cells.append((claim, stance))
            if stance == Stance.Kind.SUPPORTS:
                supporting.append(claim)
            elif stance == Stance.Kind.DISPUTES:
                disputing.append((None, claim))
        seen = {claim.pk for _, claim in disputing}
        for claim in supporting:
            for link, other in against.get(claim.statement_key, []):
                if other.pk not in seen and other.statement_key != claim.statement_key:
                    seen.add(other.pk)
                    disputing.append((link, other))
        witness_keys = {claim.witness_key for claim in supporting}
        dated = [claim for claim in supporting if claim.source.published_on]
        first = min(dated, key=lambda claim: claim.source.published_on, default=None)
        findings.append(
            {
                "subject": subject,
                "supporting": supporting,
                "disputing": disputing,
                "cells": cells,
                "witness_keys": witness_keys,
                "origin_keys": {claim.origin_key for claim in supporting},
                "first_reported": first.source.published_on_display if first else None,
                "verdict": _verdict(len(supporting), len(witness_keys), len(disputing)),
            }
        )
    return findings


def _verdict(reports, witnesses, disputes):
    """The answer for one subject in plain words."""
    if not reports:
        return "disputed, and no report supports it" if disputes else "not reported"
    if disputes:
        return "disputed"
    if witnesses >= 2:
        return "yes"
    return "reported by a single witness, not independently corroborated"


PICK_LISTS = {
    "speaker": Speaker,
    "outlet": Outlet,
    "via": Outlet,
    "source": Source,
    "topic": Topic,
    "subject": Subject,
}
PICK_LIST_SIZE = 10


@reader
def pick_list(request, name):
    """The type-ahead options of a filter box: records whose name (or a speaker's
    alias) contains what was typed, the best matches first, as a <datalist>."""
    model = PICK_LISTS.get(name)
    if model is None:
        raise Http404(f"No pick-list “{name}”.")
    term = " ".join(request.GET.get(name, "").split())[:200]
    options = []
    if len(term) >= 2 and term.isprintable():
        if model is Speaker:
            found = Speaker.objects.filter(
                Q(name__icontains=term) | Q(aliases__name__icontains=term)
            )
            ranked = Speaker.objects.filter(pk__in=found.values("pk")).ranked_by_match(term)
            options = [
                (s.slug, f"{s.name} ({s.affiliation})" if s.affiliation else s.name)
                for s in ranked[:PICK_LIST_SIZE]
            ]
        else:
            field = NAME_FIELDS[model._meta.model_name][0]
            starts = Case(When(**{f"{field}__istartswith": term}, then=0), default=1)
            rows = model.objects.filter(**{f"{field}__icontains": term}).order_by(starts, field)
            if model is Source:
                rows = rows.select_related("outlet")
            options = [(pick_key(obj), pick_label(obj)) for obj in rows[:PICK_LIST_SIZE]]
    context = {"name": name, "options": options}
    return render(request, "claims/_pick_list.html", context)


def pick_label(obj):
    if isinstance(obj, Source):
        outlet = f"{obj.outlet}, " if obj.outlet_id else ""
        return f"{obj.title} ({outlet}{obj.published_on_display})"
    return str(obj)
