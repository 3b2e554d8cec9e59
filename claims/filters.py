"""The claim list's filters: one FilterSet for the page, the exports and the facets."""

import json
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass

import django_filters
from django import forms
from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from . import budget, counts, facet_sql, search
from .models import Claim, Outlet, Source, Speaker, Subject, Topic
from .querysets import HAS_CHOICES, SORTS


def _has_control_characters(value):
    return any(unicodedata.category(char) == "Cc" for char in value)


# What a pick-list matches a typed name against, per model: its name, and aliases.
NAME_FIELDS = {
    "speaker": ("name", "aliases__name"),
    "outlet": ("name",),
    "source": ("title",),
    "topic": ("title",),
    "subject": ("name",),
}


def _names(model):
    return NAME_FIELDS.get(model._meta.model_name, ())


class SlugOrIdField(forms.ModelChoiceField):
    """Accepts a record's slug (readable permalinks), its numeric id, or its name (a
    speaker's alias too), as typed: the pick-list's value, or a name without it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if _has_control_characters(value):
            # Checked before the lookup: PostgreSQL refuses NUL bytes outright.
            raise forms.ValidationError("This value contains control characters.", code="invalid")
        model = self.queryset.model
        # A slug may be all digits ("1984"): the slug is tried first, then the id.
        lookups = []
        if any(field.name == "slug" for field in model._meta.fields):
            lookups.append({"slug": value})
        if value.isdigit():
            lookups.append({"pk": value})
        for lookup in lookups:
            try:
                return self.queryset.get(**lookup)
            except (model.DoesNotExist, ValueError, TypeError):
                continue
        named = Q()
        for name in _names(model):
            named |= Q(**{f"{name}__iexact": value})
        found = list(self.queryset.filter(named).distinct()[:6]) if named else []
        if len(found) == 1:
            return found[0]
        noun = model._meta.verbose_name
        if found:
            which = "; ".join(f"{obj} ({pick_key(obj)})" for obj in found[:5])
            raise forms.ValidationError(
                f"“{value}” names more than one {noun}: {which}. Choose one from the list, "
                "or give its slug or id.",
                code="ambiguous",
            )
        raise forms.ValidationError(f"There is no {noun} “{value}”.", code="invalid_choice")


def pick_key(obj):
    """What a pick-list puts in the box: the slug where there is one, else the id."""
    return getattr(obj, "slug", None) or str(obj.pk)


class PickListInput(forms.TextInput):
    """A text box with a type-ahead list: htmx fetches the matches as one types
    (claims.views.pick_list) into the box's <datalist>. Without JavaScript it is a
    text box that takes a name, a slug or an id."""

    def __init__(self, name, attrs=None):
        self.list_name = name
        super().__init__(
            {
                "list": f"{name}-options",
                "autocomplete": "off",
                "placeholder": "type a name",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{name}-options",
                "hx-select": f"#{name}-options",
                "hx-swap": "outerHTML",
                "hx-push-url": "false",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["hx-get"] = reverse("claims:pick_list", args=[self.list_name])
        return context

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html

        box = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}-options"></datalist>', box, self.list_name)


class SearchField(forms.CharField):
    """The search box: its text parsed into a claims.search.Search before anything runs."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return text
        try:
            parsed = search.parse(text)
        except search.SearchError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        if not parsed:
            raise forms.ValidationError(
                "The search has no words to look for (only punctuation or exclusions).",
                code="invalid",
            )
        return parsed


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class SlugOrIdFilter(django_filters.ModelChoiceFilter):
    field_class = SlugOrIdField

    def __init__(self, *args, pick_list, **kwargs):
        # A type-ahead box, not a <select> of every speaker: facets offer the common values.
        kwargs.setdefault("widget", PickListInput(pick_list))
        super().__init__(*args, **kwargs)


# Parameters the claim list and its exports understand besides the filters.
OTHER_PARAMETERS = {"page", "bom"}


class ClaimFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        for name, values in self.data.lists():
            if name not in self.fields and name not in OTHER_PARAMETERS:
                self.add_error(None, f"Unknown parameter “{name}”.")
            elif len(values) > 1:
                field = name if name in self.fields else None
                self.add_error(field, f"Give “{name}” once; it was given {len(values)} times.")
        after, before = cleaned.get("stated_after"), cleaned.get("stated_before")
        if after and before and after > before:
            self.add_error(
                "stated_before",
                f"“Stated before” ({before}) is earlier than “stated after” ({after}).",
            )
        for name, value in self.data.items():
            if isinstance(value, str) and _has_control_characters(value):
                field = name if name in self.fields else None
                self.add_error(field, f"“{name}” contains control characters.")
        return cleaned


class ClaimFilter(django_filters.FilterSet):
    q = SearchFilter(method="filter_q", label="Search", max_length=1000)
    speaker = SlugOrIdFilter(queryset=Speaker.objects.all(), pick_list="speaker")
    outlet = SlugOrIdFilter(
        queryset=Outlet.objects.all(), field_name="source__outlet", pick_list="outlet"
    )
    source = SlugOrIdFilter(queryset=Source.objects.all(), pick_list="source")
    via = SlugOrIdFilter(queryset=Outlet.objects.all(), label="Via", pick_list="via")
    topic = SlugOrIdFilter(queryset=Topic.objects.all(), field_name="topics", pick_list="topic")
    subject = SlugOrIdFilter(
        queryset=Subject.objects.all(), field_name="subjects", pick_list="subject"
    )
    kind = django_filters.ChoiceFilter(choices=Claim.Kind.choices, empty_label="any kind")
    stated_after = django_filters.DateFilter(
        field_name="stated_on",
        lookup_expr="gte",
        label="Stated on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    stated_before = django_filters.DateFilter(
        field_name="stated_on",
        lookup_expr="lte",
        label="Stated on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has = django_filters.ChoiceFilter(
        choices=HAS_CHOICES, method="filter_has", label="Has", empty_label="any links, or none"
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        method="filter_sort",
        label="Sort by",
        # What filter_queryset_without() sorts by when none is chosen.
        empty_label="relevance, or newest",
    )

    class Meta:
        model = Claim
        fields = []
        form = ClaimFilterForm

    def filter_q(self, queryset, name, value):
        # The speakers the search names, looked up once for every query on the list.
        return queryset.search(value, found=self.__dict__.setdefault("_speakers_found", {}))

    def filter_has(self, queryset, name, value):
        return queryset.having_links(value)

    def filter_sort(self, queryset, name, value):
        # Applied in filter_queryset(), after every filter, so that relevance sees q.
        return queryset

    def filter_queryset(self, queryset):
        return self.filter_queryset_without(queryset, None)

    def filter_queryset_without(self, queryset, leave_out):
        """The filtered, sorted list with every filter but `leave_out` (for facets).

        It reuses the values the form cleaned: a slug is not looked up again.
        """
        for name, value in self.form.cleaned_data.items():
            if name != leave_out:
                queryset = self.filters[name].filter(queryset, value)
        q = self.form.cleaned_data.get("q") or search.Search(())
        sort = self.form.cleaned_data.get("sort") or ("relevance" if q else "newest")
        return queryset.sorted(sort, q)

    @property
    def labels(self):
        """{filter name: its label}: what the page calls a filter in use."""
        return {name: field.label for name, field in self.form.fields.items()}

    @property
    def active(self):
        """The filters in use, as (name, value) pairs: what the page says it shows."""
        return [
            (name, value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "") and name != "sort"
        ]


# facet name: its lookup path on the claim, in the order the list shows them
FACETS = {
    "kind": "kind",
    "topic": "topics",
    "subject": "subjects",
    "speaker": "speaker",
    "outlet": "source__outlet",
    "via": "via",
}
# The facets that are a column of the claim (or of its source); the others are
# many-to-many.
ON_THE_CLAIM = {"kind", "speaker", "outlet", "via"}
# What each facet reads of each claim: the outlet is its source's (_by_outlet),
# looked up once per source; the topics and subjects, the ids kept on the claim.
COLUMNS = {
    "kind": "kind",
    "speaker": "speaker",
    "outlet": "source",
    "via": "via",
    "topic": "topic_ids",
    "subject": "subject_ids",
}


# facet name: the model its tally's values are ids of, and the field that labels them
TALLY_LABELS = {
    "topic": (Topic, "title"),
    "subject": (Subject, "name"),
    "speaker": (Speaker, "name"),
    "outlet": (Outlet, "name"),
    "via": (Outlet, "name"),
}


def _labelled(name, rows):
    """[(url value, label, count)] for a facet's [(value, count)]: kinds or record ids."""
    if name == "kind":
        kinds = dict(Claim.Kind.choices)
        return [(value, kinds[value], n) for value, n in rows]
    model, label = TALLY_LABELS[name]
    records = model.objects.in_bulk([pk for pk, _ in rows])
    return [
        (records[pk].slug or pk, getattr(records[pk], label), n) for pk, n in rows if pk in records
    ]


def _tallied(name, limit):
    """A facet of the whole corpus, from the counts kept on write: exact, one query."""
    if name == "kind":
        return _labelled(name, counts.top(name, limit, ids=False))
    return _labelled(name, [(int(value), n) for value, n in counts.top(name, limit)])


def _paired(filter_name, value, name, limit):
    """A facet of the claims with one filter's value, from the pair tallies: exact, one query."""
    rows = counts.pair_top(filter_name, value, name, limit, ids=name != "kind")
    if name == "kind":
        return _labelled(name, rows)
    return _labelled(name, [(int(pk), n) for pk, n in rows])


def _counted_together(claims, names, limit):
    """Exact facets `names`, all over the list `claims`, read in one pass.

    Returns (facets, how many claims were read). PostgreSQL counts them in one
    query (claims.facet_sql); elsewhere `_read_tallies`, its twin.
    """
    if connections[claims.db].vendor == "postgresql":
        tallies, read = facet_sql.tallies(claims, names, limit)
    else:
        tallies, read = _read_tallies(claims, names)
    return _top(tallies, limit), read


def _read_tallies(claims, names):
    """({facet: Counter of its values}, how many claims were read) for the list `claims`:
    the portable twin of claims.facet_sql.tallies.

    One query reads a few columns of every claim of the list (a list counted exactly
    is short, a sampled one a few thousand claims) and Python counts them: the
    topics and subjects from the ids the triggers keep on each claim
    (claims.triggers), the outlets with one more query, for the sources read.
    Separate GROUP BYs, or a query on each link table for the claims read, would
    each find the same claims again.
    """
    tallies = {name: Counter() for name in names}
    read = 0
    for row in claims.values_list(*(COLUMNS[name] for name in names)):
        read += 1
        for name, value in zip(names, row, strict=True):
            if name in ON_THE_CLAIM:
                if value is not None:
                    tallies[name][value] += 1
            else:
                tallies[name].update(int(pk) for pk in value.split())
    if "outlet" in tallies:
        tallies["outlet"] = _by_outlet(tallies["outlet"], claims.db)
    return tallies, read


def _top(tallies, limit):
    """The `limit` commonest values of each facet of `tallies`, labelled."""
    facets = {}
    for name, tally in tallies.items():
        top = sorted(tally.items(), key=lambda item: (-item[1], item[0]))[:limit]
        facets[name] = _labelled(name, top)
    return facets


def _by_outlet(by_source, using):
    """A Counter of claims by source turned into one by their sources' outlets.

    The claims' outlet is their source's: read for the distinct sources counted, by
    their primary key, rather than joined to every claim read.
    """
    outlets = Counter()
    sources = list(by_source)
    # One array parameter on PostgreSQL; SQLite takes at most 32,766 parameters.
    step = (len(sources) or 1) if connections[using].vendor == "postgresql" else 10_000
    for start in range(0, len(sources), step):
        chunk = _ids(sources[start : start + step], using)
        rows = Source.objects.using(using).filter(pk__in=chunk).order_by()
        for source, outlet in rows.values_list("pk", "outlet_id"):
            if outlet is not None:
                outlets[outlet] += by_source[source]
    return outlets


def _ids(ids, using):
    """`ids` for an __in lookup: on PostgreSQL one array parameter, not thousands.

    Ten thousand parameters cost a facet query more to compose and plan than to run.
    A queryset (the list's ids, not read yet) goes as it is.
    """
    if isinstance(ids, list) and connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


@dataclass(frozen=True)
class Estimate:
    """A count estimated from a Bernoulli sample: `rows` give or take `margin` (95%).

    `at_least`: the claims read showed more than the sample did, so `rows` is what is
    known for certain, a lower bound, and there is no margin to give.
    """

    rows: int
    margin: int
    at_least: bool = False

    @property
    def percent(self):
        """The margin as a percentage of the estimate, rounded up (never "± 0%")."""
        return max(1, math.ceil(100 * self.margin / self.rows)) if self.rows else 100

    def __str__(self):
        if self.at_least:
            return f"at least {self.rows:,}"
        if not self.rows:  # none in the sample: only the interval's top says anything
            return f"at most {self.margin:,}"
        if self.margin >= self.rows:
            # The interval reaches zero (few in the sample): the estimate, and the top.
            return f"about {self.rows:,}, at most {self.rows + self.margin:,}"
        return f"about {self.rows:,} ± {self.percent}%"


def sample_notes(estimated):
    """[(rate, [facet, ...])]: the facets `estimated` names, grouped by their sample's rate.

    The page says once how its estimates were drawn, not under every facet.
    """
    rates = {}
    for name, rate in estimated.items():
        rates.setdefault(rate, []).append(name)
    return list(rates.items())


def _sampled(claims, rate):
    """The claims whose sample_key is below `rate`: a sample at `rate`.

    Each claim's sample_key is uniform in [0, 1), drawn when it was written and
    independent of everything else about it, so each claim is below `rate` with
    probability `rate`, independently of the others: a Bernoulli sample, read by an
    index range scan. The window starts at 0 on every request, so a reload shows the
    same estimate, and the sample's rows (a smaller sample's being among a larger
    one's) stay in the cache. A window placed at random per request read a new
    region of a million rows each time: from disk, once the cache had let it go.
    """
    return claims.filter(sample_key__lt=rate)


def _size(claims):
    """About how many claims `claims` holds: enough to choose exact counts or a rate.

    PostgreSQL's planner estimate costs nothing where count(*) would read every row
    of a long list. It only chooses the method: a list it overestimates is sampled
    (still an unbiased estimate, with its margin), one it underestimates is counted
    exactly (slower, still true). Other databases count.
    """
    if connections[claims.db].vendor != "postgresql":
        return claims.count()
    plan = json.loads(claims.values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


PILOT = 0.01  # the rate of the sample that sizes a list the planner underestimated
# A doubtful list is counted up to this many claims before the pilot sizes it: a
# phrase of common words finds them in its first few thousand candidates, where
# counting to LIST_EXACT_UP_TO read 20,000 claims' documents for nothing.
DOUBTFUL_FIRST = 2_000


@dataclass
class Unsized:
    """A list too long to count within the budget; its length is to be estimated.

    `over` is the planner's estimate of its length, which only chooses a sampling
    rate. facet_counts() sets `estimate` from the random sample its facets count,
    so that the list's length costs no query of its own (`sized` does the rest).
    """

    claims: object
    over: int
    estimate: object = None
    over_budget: bool = False  # counting it ran out of time once: not again
    piloted: bool = False  # `over` is from a pilot sample, not the planner alone


def list_size(claims, exact_up_to, doubtful=False):
    """How many claims `claims` holds: an int, exact, or Unsized (see `sized`).

    A list the planner sizes at most `exact_up_to` is counted, up to one more than
    that: a list the planner underestimated (a phrase, say) is not read to its end.
    A `doubtful` list (a phrase, which the planner sizes 5 to 2,000 times too
    short) is counted only up to DOUBTFUL_FIRST: one longer is sized by the pilot
    sample, and counted exactly later if that shows it short (`sized`, and the
    facets, which read a short list whole). SQLite counts.
    """
    claims = claims.order_by()
    if connections[claims.db].vendor != "postgresql":
        return claims.count()
    over = _size(claims)
    if over <= exact_up_to:
        if doubtful:
            exact_up_to = min(exact_up_to, DOUBTFUL_FIRST)
        try:
            with budget.within(claims.db, settings.COUNT_BUDGET_MS):
                counted = claims.values("pk")[: exact_up_to + 1].count()
        except budget.OverBudget:
            # Not countable in time (a phrase: every claim holding its words is read
            # to check their order), whatever the planner thought.
            over = max(over, round(_sampled(claims, PILOT).count() / PILOT))
            return Unsized(claims, over, over_budget=True, piloted=True)
        if counted <= exact_up_to:
            return counted
        # The planner underestimated (words it takes for independent occur together):
        # `counted` is only a lower bound, too low to choose a sampling rate by, so
        # a pilot sample of 1% of every claim sizes the list.
        over = max(counted, round(_sampled(claims, PILOT).count() / PILOT))
        return Unsized(claims, over, piloted=True)
    return Unsized(claims, over)


def sized(total, exact_up_to, sample):
    """`total` as an int or an Estimate with its margin.

    An Unsized list takes what its facets read (the exact count, or the estimate
    from their sample), or else an estimate from a random sample of about `sample`
    of its claims (`_sampled`); a list the estimate shows short enough to count
    after all is counted.
    """
    if not isinstance(total, Unsized):
        return total
    found = total.estimate
    if isinstance(found, int):
        return found
    if found is None:
        # A list that could not be counted in time is never read whole again.
        rate = min(0.5 if total.over_budget else 1.0, sample / total.over)
        found = estimate(_sampled(total.claims, rate).count(), rate)
    if found.rows + found.margin > exact_up_to or total.over_budget:
        return found
    try:
        with budget.within(total.claims.db, settings.COUNT_BUDGET_MS):
            return total.claims.count()
    except budget.OverBudget:
        return found


FEW_HITS = 30  # under this many hits in a sample, its margin is not the normal one


def estimate(hits, rate):
    """The count of a value `hits` times in a sample taken at `rate`, with its margin.

    Each claim is in the sample with probability `rate`, so hits / rate is unbiased;
    its standard error is sqrt(hits * (1 - rate)) / rate, and the margin is 1.96
    of them (a 95% interval, by the normal approximation to the binomial).

    Under FEW_HITS that approximation fails (no hits would read "0 ± 0"), and the
    margin is the distance to the upper 95% limit of a Poisson count of `hits`,
    (sqrt(hits + 1) + 0.98)^2 by the square-root transformation: 3.9 for no hits,
    where the exact limit is 3.7, and at least as wide for every count under 30.
    """
    rows = hits / rate
    margin = 1.96 * math.sqrt(hits * (1 - rate)) / rate
    if hits < FEW_HITS:
        upper = (math.sqrt(hits + 1) + 0.98) ** 2
        margin = max(margin, (upper - hits) * math.sqrt(1 - rate) / rate)
    return Estimate(rows=_significant(rows), margin=math.ceil(margin))


def _significant(number, digits=3):
    """`number` rounded to `digits` significant digits: the estimate claims no more."""
    if number < 10**digits:
        return round(number)
    scale = 10 ** (len(str(int(number))) - digits)
    return round(number / scale) * scale


def facet_counts(filterset, limit=12, exact_up_to=None, sample=None, total=None):
    """For each facet, its values with their claim counts under the *other* active filters.

    Returns ({facet: [(url value, label, count), ...]}, {facet: its sampling rate}).

    - A facet with no *other* filter active counts the whole corpus: its counts are
      read from the tallies (claims.counts), exact, one query.
    - A facet with one other filter active, of a value a pair tally counts it under
      (claims.pairs), reads that: exact, one query.
    - The inactive facets all count the list itself (`total` claims), together.
    - An active facet counts the list without its own filter, longer than the page
      (sized by `_size`).

    A list of at most `exact_up_to` claims (or any, when None) is counted exactly:
    count is an int. A longer one is estimated from one random sample of about
    `sample` of its claims (`_sampled`): count is an Estimate, its margin shown, and
    the facet is in the second dict with its rate. At most three queries per list
    counted (`_counted_together`), and the labels.
    """
    facets, estimated = {}, {}
    active = {name for name, _ in filterset.active}
    q = filterset.form.cleaned_data.get("q")
    probe = bool(q) and q.has_phrase  # the planner cannot size the list (see _counted)
    together = []
    for name in FACETS:
        others = [(other, value) for other, value in filterset.active if other != name]
        if not others:
            facets[name] = _tallied(name, limit)
        elif len(others) == 1 and counts.paired(others[0][0], name):
            facets[name] = _paired(*others[0], name, limit)
        elif name in active:
            claims = filterset.filter_queryset_without(filterset.queryset.all(), name)
            facets.update(
                _counted(claims, [name], limit, exact_up_to, sample, None, estimated, probe)
            )
        else:
            together.append(name)
    if together:
        claims = filterset.filter_queryset_without(filterset.queryset.all(), None)
        facets.update(
            _counted(claims, together, limit, exact_up_to, sample, total, estimated, probe)
        )
    return {name: facets[name] for name in FACETS}, estimated


def _counted(claims, names, limit, exact_up_to, sample, over, estimated, probe=False):
    """Facets `names` over `claims` (`over` of them, if known): exact, or from a sample.

    `over` may be Unsized (the list's own length, still to estimate): its `estimate`
    is then set from what the facets read claim by claim: the sample's size as an
    Estimate, or the exact count when they read the whole list. `probe`: the
    planner's length of the list is not to be trusted to set the sampling rate.
    """
    claims = claims.order_by()
    unsized = over if isinstance(over, Unsized) else None
    if unsized:
        over = unsized.over
        probe = probe and not unsized.piloted
    if exact_up_to is not None and over is None:
        over = _size(claims)
    # A list whose total could not be counted in time is not read whole for its facets.
    late = unsized is not None and unsized.over_budget
    if not late and (exact_up_to is None or over <= exact_up_to):
        try:
            with budget.within(claims.db, settings.COUNT_BUDGET_MS):
                facets, read = _counted_together(claims, names, limit)
        except budget.OverBudget:
            # Not countable in time: estimated from the sample instead, as a longer
            # list would be.
            late = True
        else:
            if unsized:
                unsized.estimate = read  # every claim of the list was read: exact
            return facets
    # A list that could not be counted in time is never read whole again.
    most = 0.5 if late else 1.0
    if late:
        over = max(over, 2 * sample)
    rate = min(most, sample / over)
    if probe:
        # The planner's length of a list that `probe` names doubtful (a phrase: 5 to
        # 2,000 times too short on generated data) would set a rate that reads many
        # times `sample` claims. The sample at 1 / PROBE of that rate is counted
        # first, and the length it shows sets the rate. (Choosing the rate from the
        # probe's count biases the estimate by about 1 / sample: nothing beside its
        # margin.)
        first = rate / PROBE
        rate = max(first, min(most, sample * first / max(_sampled(claims, first).count(), 1)))
    if rate >= 1.0:
        # The probe shows a list short enough to read whole: its counts are exact.
        facets, read = _counted_together(claims, names, limit)
        if unsized:
            unsized.estimate = read
        return facets
    sampled, read = _counted_together(_sampled(claims, rate), names, limit)
    if unsized:
        unsized.estimate = estimate(read, rate)
    for name in names:
        estimated[name] = _percent(rate)
    return {
        name: [(value, label, estimate(n, rate)) for value, label, n in values]
        for name, values in sampled.items()
    }


PROBE = 16  # a doubtful list's sample: 1 / PROBE of it is read first (see _counted)


def _percent(rate):
    """A sampling rate as the page writes it: "3.2%", "0.013%", "50%"."""
    return f"{float(f'{rate * 100:.2g}'):g}%"
