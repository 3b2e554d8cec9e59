"""A read-only JSON API: the claim list's filters, one claim with its links and
evidence, and the OpenAPI 3 document that describes both (`/api/openapi.json`).

The list is the claim list's FilterSet (claims.filters.ClaimFilter): the same
parameters, the same 400s with the same messages, as JSON. It pages with a cursor
(keyset: the position after the last row, signed), so a deep page costs what the
first does. Reading rules are the pages' (`READ_REQUIRES_LOGIN`).
"""

import datetime

from django.core import signing
from django.db.models import BooleanField, F, Func, Value
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from . import dates
from .filters import ClaimFilter
from .models import Claim, Link, Source, Speaker, Topic
from .views import reader

CURSOR_SALT = "claims.api.cursor"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
PAGED_SORTS = ("newest", "oldest", "added")
API_PARAMETERS = ("cursor", "limit")


def _error(status, errors):
    return JsonResponse({"errors": errors}, status=status)


def _record(obj, *names):
    return None if obj is None else {name: getattr(obj, name) for name in names}


def claim_json(claim, absolute):
    source = claim.source
    return {
        "id": claim.pk,
        "url": absolute(claim.get_absolute_url()),
        "api_url": absolute(reverse("claims:api_claim", args=[claim.pk])),
        "text": claim.text,
        "kind": claim.kind,
        "speaker": claim.speaker_id
        and {
            **_record(claim.speaker, "id", "slug", "name", "kind"),
            "url": absolute(claim.speaker.get_absolute_url()),
        },
        "speaker_role": claim.speaker_role,
        "stated_on": dates.iso(claim.stated_on, claim.stated_on_precision) or None,
        "stated_on_precision": claim.stated_on_precision,
        "context": claim.context,
        "source": {
            "id": source.pk,
            "title": source.title,
            "url": source.url or None,
            "outlet": _record(source.outlet, "id", "slug", "name"),
            "published_on": dates.iso(source.published_on, source.published_on_precision) or None,
            "published_on_precision": source.published_on_precision,
            "page": absolute(source.get_absolute_url()),
        },
        "via": _record(claim.via, "id", "slug", "name"),
        "topics": [{"slug": t.slug, "title": t.title} for t in claim.topics.all()],
        "subjects": [{"slug": s.slug, "name": s.name} for s in claim.subjects.all()],
        "evidence": {
            "independent_sources": claim.independent_sources,
            "independent_witnesses": claim.independent_witnesses,
            "statement_reports": claim.statement_reports,
            "corroborating_reports": claim.corroborating_reports,
            "contradicting_reports": claim.contradicting_reports,
            "link_count": claim.link_count,
        },
    }


def _position(claim, sort):
    """The cursor's values after `claim`, in the order of `sort`."""
    if sort == "added":
        return [claim.created_at.isoformat(), claim.pk]
    return [claim.stated_on.isoformat() if claim.stated_on else None, claim.pk]


class _RowCompare(Func):
    """`(a, b) < (x, y)` (or `>`): a row comparison, which PostgreSQL reads as one
    range of the index on (a, b); the same condition spelt with OR is a filter over
    every row before the position. SQLite has row values too."""

    output_field = BooleanField()

    def __init__(self, columns, values, operator):
        self.operator = operator
        super().__init__(*(F(name) for name in columns), *(Value(value) for value in values))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        half = len(parts) // 2
        left, right = ", ".join(parts[:half]), ", ".join(parts[half:])
        return f"({left}) {self.operator} ({right})", params


def _page_after(rows, sort, position, size):
    """Up to `size` claims after `position` in `sort`'s order (claims.querysets.SORTS):
    unknown dates come last, ids break ties. Each part is one index range."""
    value, pk = position
    if sort == "added":
        at = datetime.datetime.fromisoformat(value)
        return list(rows.filter(_RowCompare(["created_at", "id"], [at, pk], "<"))[:size])
    operator = "<" if sort == "newest" else ">"
    unknown = rows.filter(stated_on__isnull=True)
    if value is None:  # already among the claims of unknown date
        return list(unknown.filter(**{"pk__lt" if operator == "<" else "pk__gt": pk})[:size])
    day = datetime.date.fromisoformat(value)
    page = list(rows.filter(_RowCompare(["stated_on", "id"], [day, pk], operator))[:size])
    if len(page) < size:
        page += list(unknown[: size - len(page)])
    return page


@reader
def claims(request):
    """The filtered claims, a page at a time: {"results": [...], "next": url|null}."""
    data = request.GET.copy()
    for name in API_PARAMETERS:
        data.pop(name, None)
    sort = data.get("sort") or "newest"
    data["sort"] = sort
    filters = ClaimFilter(data, queryset=Claim.objects.for_list())
    if not filters.is_valid():
        return _error(400, {name: list(messages) for name, messages in filters.errors.items()})
    errors = {}
    if sort not in PAGED_SORTS:
        errors["sort"] = [f"The API pages by sort={', '.join(PAGED_SORTS)}; not “{sort}”."]
    limit, position = _paging(request, errors, "sort", sort)
    if errors:
        return _error(400, errors)
    rows = filters.qs
    if position is None:
        page = list(rows[: limit + 1])
    else:
        page = _page_after(rows, sort, position, limit + 1)
    more, page = len(page) > limit, page[:limit]
    absolute = request.build_absolute_uri
    following = _following(request, more and ("sort", sort, _position(page[-1], sort)))
    return JsonResponse(
        {"results": [claim_json(claim, absolute) for claim in page], "next": following}
    )


def _paging(request, errors, scope, value):
    """The page size and the cursor's position, both checked; a problem goes in `errors`.

    A cursor is signed and names what it pages (`scope` is "sort" or "list"), so one
    taken from another sort or listing is refused rather than misread.
    """
    raw_limit = request.GET.get("limit", str(DEFAULT_LIMIT))
    limit = DEFAULT_LIMIT
    if raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT:
        limit = int(raw_limit)
    else:
        errors["limit"] = [f"Give a number from 1 to {MAX_LIMIT}."]
    if not request.GET.get("cursor"):
        return limit, None
    try:
        cursor = signing.loads(request.GET["cursor"], salt=CURSOR_SALT)
        if cursor[scope] != value:
            raise ValueError
        return limit, cursor["after"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        errors["cursor"] = [f"This cursor is not one this API gave for this {scope}."]
        return limit, None


def _following(request, position):
    """The address of the next page, or None: `position` is (scope, value, after)."""
    if not position:
        return None
    scope, value, after = position
    query = request.GET.copy()
    query["cursor"] = signing.dumps({scope: value, "after": after}, salt=CURSOR_SALT)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@reader
def claim(request, pk):
    """One claim, its evidence counts and its links from either end."""
    found = get_object_or_404(Claim.objects.for_list(), pk=pk)
    absolute = request.build_absolute_uri
    links = Link.objects.involving(found).select_related("claim_a", "claim_b").order_by("pk")
    body = claim_json(found, absolute)
    body["links"] = [
        {
            "id": link.pk,
            "kind": link.kind,
            "note": link.note,
            "claim": {
                "id": other.pk,
                "text": other.text,
                "api_url": absolute(reverse("claims:api_claim", args=[other.pk])),
            },
        }
        for link in links
        for other in [link.claim_b if link.claim_a_id == found.pk else link.claim_a]
    ]
    return JsonResponse(body)


def _by_id(request, rows, serialize, name):
    """A listing of `rows` in id order, paged by a signed cursor: the last id."""
    errors = {}
    unknown = sorted(set(request.GET) - set(API_PARAMETERS))
    if unknown:
        errors["__all__"] = [f"Unknown parameter “{param}”." for param in unknown]
    limit, after = _paging(request, errors, "list", name)
    if errors:
        return _error(400, errors)
    page = list(rows.filter(pk__gt=after or 0).order_by("pk")[: limit + 1])
    more, page = len(page) > limit, page[:limit]
    absolute = request.build_absolute_uri
    following = _following(request, more and ("list", name, page[-1].pk))
    return JsonResponse({"results": [serialize(row, absolute) for row in page], "next": following})


def _link_json(link, absolute):
    return {
        "id": link.pk,
        "kind": link.kind,
        "note": link.note,
        "claim_a": absolute(reverse("claims:api_claim", args=[link.claim_a_id])),
        "claim_b": absolute(reverse("claims:api_claim", args=[link.claim_b_id])),
        "created_at": link.created_at.isoformat(),
    }


def _speaker_json(speaker, absolute):
    return {
        **_record(speaker, "id", "slug", "name", "kind", "affiliation", "country"),
        "aliases": [alias.name for alias in speaker.aliases.all()],
        "url": absolute(speaker.get_absolute_url()),
    }


def _source_json(source, absolute):
    return {
        "id": source.pk,
        "title": source.title,
        "kind": source.kind,
        "url": source.url or None,
        "outlet": _record(source.outlet, "id", "slug", "name"),
        "authors": source.authors,
        "published_on": dates.iso(source.published_on, source.published_on_precision) or None,
        "published_on_precision": source.published_on_precision,
        "derived_from": source.derived_from_id,
        "derivation": source.derivation,
        "page": absolute(source.get_absolute_url()),
    }


def _topic_json(topic, absolute):
    return {
        "id": topic.pk,
        "slug": topic.slug,
        "title": topic.title,
        "description": topic.description,
        "answer_subjects": [s.name for s in topic.answer_subjects.all()],
        "url": absolute(topic.get_absolute_url()),
    }


@reader
def links(request):
    return _by_id(request, Link.objects.all(), _link_json, "links")


@reader
def speakers(request):
    rows = Speaker.objects.prefetch_related("aliases")
    return _by_id(request, rows, _speaker_json, "speakers")


@reader
def sources(request):
    return _by_id(request, Source.objects.select_related("outlet"), _source_json, "sources")


@reader
def topics(request):
    rows = Topic.objects.prefetch_related("answer_subjects")
    return _by_id(request, rows, _topic_json, "topics")


PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"How many rows a page holds; {DEFAULT_LIMIT} unless given.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "Taken from the `next` address of the page before.",
        "schema": {"type": "string"},
    },
]

LISTINGS = {
    "links": "The links between claims",
    "speakers": "The speakers, with their aliases",
    "sources": "The sources, with their lineage",
    "topics": "The research questions and their answer subjects",
}


def _listing_paths():
    return {
        f"/api/{name}/": {
            "get": {
                "summary": summary,
                "operationId": f"list{name.capitalize()}",
                "parameters": PAGING,
                "responses": {
                    "200": {
                        "description": "A page, in id order, and the address of the next.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Page"}}
                        },
                    },
                    "400": {"description": "A parameter could not be applied."},
                },
            }
        }
        for name, summary in LISTINGS.items()
    }


def _filter_parameters():
    described = []
    for name, field in ClaimFilter.base_filters.items():
        schema = {"type": "string"}
        choices = getattr(field, "extra", {}).get("choices")
        if choices:
            schema["enum"] = [value for value, _label in choices]
        if name in ("stated_after", "stated_before"):
            schema["format"] = "date"
        described.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(field.label or name),
                "schema": schema,
            }
        )
    return described


@reader
def openapi(request):
    """The OpenAPI 3 document of this API, built from the FilterSet's own filters."""
    errors = {
        "description": "A parameter could not be applied; each message names the problem.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }
    claim_ref = {"$ref": "#/components/schemas/Claim"}
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Claim Tracker API",
            "version": "1",
            "description": "Who said what, when, reported where, and what backs it up or "
            "contradicts it. The claim list's filters, as on /claims/.",
        },
        "servers": [{"url": request.build_absolute_uri("/")}],
        "paths": {
            "/api/claims/": {
                "get": {
                    "summary": "The claims the filters select, a page at a time",
                    "operationId": "listClaims",
                    "parameters": [
                        *_filter_parameters(),
                        *PAGING,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of claims and the address of the next.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["results", "next"],
                                        "properties": {
                                            "results": {"type": "array", "items": claim_ref},
                                            "next": {"type": "string", "nullable": True},
                                        },
                                    }
                                }
                            },
                        },
                        "400": errors,
                    },
                }
            },
            **_listing_paths(),
            "/api/claims/{id}/": {
                "get": {
                    "summary": "One claim with its links and evidence counts",
                    "operationId": "getClaim",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The claim.",
                            "content": {"application/json": {"schema": claim_ref}},
                        },
                        "404": {"description": "No such claim."},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Page": {
                    "type": "object",
                    "required": ["results", "next"],
                    "properties": {
                        "results": {"type": "array", "items": {"type": "object"}},
                        "next": {"type": "string", "nullable": True},
                    },
                },
                "Errors": {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        }
                    },
                },
                "Claim": {
                    "type": "object",
                    "required": ["id", "url", "text", "kind", "source", "evidence"],
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string"},
                        "api_url": {"type": "string"},
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": Claim.Kind.values},
                        "speaker": {"type": "object", "nullable": True},
                        "speaker_role": {"type": "string"},
                        "stated_on": {
                            "type": "string",
                            "nullable": True,
                            "description": "ISO 8601 at its precision: 2024-10-04, "
                            "2024-10 or 2024.",
                        },
                        "stated_on_precision": {"type": "string"},
                        "context": {"type": "string"},
                        "source": {"type": "object"},
                        "via": {"type": "object", "nullable": True},
                        "topics": {"type": "array", "items": {"type": "object"}},
                        "subjects": {"type": "array", "items": {"type": "object"}},
                        "evidence": {
                            "type": "object",
                            "additionalProperties": {"type": "integer"},
                        },
                        "links": {"type": "array", "items": {"type": "object"}},
                    },
                },
            }
        },
    }
    return JsonResponse(document)
