"""Exact counts at any size, read from the tallies the triggers keep (claims.tallies)."""

from django.db.models.functions import Length

from . import pairs
from .models import Claim, Link, PairTally, Source, Speaker, Tally

TABLES = {Source: "claims_source", Speaker: "claims_speaker", Link: "claims_link"}

# The claim list's filters that a tally counts alone: filter name -> tally facet.
TALLIED_FILTERS = {
    "kind": "kind",
    "speaker": "speaker",
    "source": "source",
    "outlet": "outlet",
    "via": "via",
    "topic": "topic",
    "subject": "subject",
    "has": "has",
}


def _value(value):
    """A filter's cleaned value as its tally names it: a record's id, or the choice."""
    return str(getattr(value, "pk", value))


def tally(facet, value=""):
    """The kept count of claims with `value` for `facet` (0 when none has)."""
    rows = Tally.objects.filter(facet=facet, value=_value(value)).values_list("rows", flat=True)
    return next(iter(rows), 0)


def tallies(facet, values):
    """{value: count} for each of `values` of `facet`, in one query."""
    wanted = {_value(value): value for value in values}
    rows = Tally.objects.filter(facet=facet, value__in=wanted).values_list("value", "rows")
    counts = dict.fromkeys(wanted.values(), 0)
    counts.update((wanted[value], n) for value, n in rows)
    return counts


def top(facet, limit, ids=True):
    """[(value, count)] of the `limit` commonest values of `facet`, most first.

    Ties go in the order of the values: ids (`ids`) in numeric order, as the list's
    own facet queries have them, other values in text order.
    """
    return _top(Tally.objects.filter(facet=facet, rows__gt=0), limit, ids)


def _top(rows, limit, ids):
    rows = rows.order_by("-rows", *([Length("value")] if ids else []), "value")
    return list(rows.values_list("value", "rows")[:limit])


def paired(filter_name, facet):
    """True if a pair tally counts `facet` among the claims of a value of `filter_name`."""
    given = TALLIED_FILTERS.get(filter_name)
    return given in pairs.GIVEN and facet in pairs.COUNTED and given != facet


def pair_top(filter_name, value, facet, limit, ids=True):
    """[(value, count)] of the commonest values of `facet` among the claims that have
    `value` of the filter `filter_name` (a pair tally, claims.pairs): exact, one query."""
    rows = PairTally.objects.filter(
        given_facet=TALLIED_FILTERS[filter_name],
        given_value=_value(value),
        facet=facet,
        rows__gt=0,
    )
    return _top(rows, limit, ids)


def pair_tally(filter_name, value, other_name, other_value):
    """The kept count of claims with both filter values (0 when none has)."""
    rows = PairTally.objects.filter(
        given_facet=TALLIED_FILTERS[filter_name],
        given_value=_value(value),
        facet=TALLIED_FILTERS[other_name],
        value=_value(other_value),
    ).values_list("rows", flat=True)
    return next(iter(rows), 0)


def table_counts():
    """{model: rows} for the claims and each table the home page counts, in one query."""
    keys = {Claim: ("all", ""), **{model: ("table", name) for model, name in TABLES.items()}}
    rows = Tally.objects.filter(facet__in={"all", "table"}).values_list("facet", "value", "rows")
    kept = {(facet, value): n for facet, value, n in rows}
    return {model: kept.get(key, 0) for model, key in keys.items()}


def list_total(active):
    """The exact length of the claim list under `active` filters, if a tally holds it.

    `active` is [(filter name, cleaned value)], sort left out. No filter: every
    claim. One filter that a tally counts alone: that tally. Otherwise None, and
    the list is counted. Two filters that a pair tally counts together: that pair.
    """
    if not active:
        return tally("all")
    if len(active) == 1:
        ((name, value),) = active
        if name in TALLIED_FILTERS:
            return tally(TALLIED_FILTERS[name], value)
    if len(active) == 2:
        for (name, value), (other, other_value) in (active, active[::-1]):
            if other in TALLIED_FILTERS and paired(name, TALLIED_FILTERS[other]):
                return pair_tally(name, value, other, other_value)
    return None
