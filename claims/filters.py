"""The claim list's filters: one FilterSet for the page, the exports and the facets."""

import unicodedata

import django_filters
from django import forms
from django.db import connections
from django.db.models import Count, F, Func, Subquery
from django.db.models.expressions import RawSQL

from . import search
from .models import Claim, Outlet, Source, Speaker, Subject, Topic
from .querysets import HAS_CHOICES, SORTS


def _has_control_characters(value):
    return any(unicodedata.category(char) == "Cc" for char in value)


class SlugOrIdField(forms.ModelChoiceField):
    """Accepts a record's slug (readable permalinks) or its numeric id."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if _has_control_characters(value):
            # Checked before the lookup: PostgreSQL refuses NUL bytes outright.
            raise forms.ValidationError("This value contains control characters.", code="invalid")
        # A slug may be all digits ("1984"): the slug is tried first, then the id.
        lookups = []
        if any(field.name == "slug" for field in self.queryset.model._meta.fields):
            lookups.append({"slug": value})
        if value.isdigit():
            lookups.append({"pk": value})
        for lookup in lookups:
            try:
                return self.queryset.get(**lookup)
            except (self.queryset.model.DoesNotExist, ValueError, TypeError):
                continue
        raise forms.ValidationError(
            f"There is no {self.queryset.model._meta.verbose_name} “{value}”.",
            code="invalid_choice",
        )


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

    def __init__(self, *args, **kwargs):
        # A text box, not a <select> of every speaker: facets offer the common values.
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "slug or id"}))
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
    speaker = SlugOrIdFilter(queryset=Speaker.objects.all())
    outlet = SlugOrIdFilter(queryset=Outlet.objects.all(), field_name="source__outlet")
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(), widget=forms.TextInput(attrs={"placeholder": "id"})
    )
    via = SlugOrIdFilter(queryset=Outlet.objects.all(), label="Via")
    topic = SlugOrIdFilter(queryset=Topic.objects.all(), field_name="topics")
    subject = SlugOrIdFilter(queryset=Subject.objects.all(), field_name="subjects")
    kind = django_filters.ChoiceFilter(choices=Claim.Kind.choices)
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
    has = django_filters.ChoiceFilter(choices=HAS_CHOICES, method="filter_has", label="Has")
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        method="filter_sort",
        label="Sort by",
    )

    class Meta:
        model = Claim
        fields = []
        form = ClaimFilterForm

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

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
    def active(self):
        """The filters in use, as (name, value) pairs: what the page says it shows."""
        return [
            (name, value)
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "") and name != "sort"
        ]


# facet name: (lookup path of its value, of its label, of its URL value)
FACETS = {
    "kind": ("kind", None, None),
    "topic": ("topics", "topics__title", "topics__slug"),
    "subject": ("subjects", "subjects__name", "subjects__slug"),
    "speaker": ("speaker", "speaker__name", "speaker__slug"),
    "outlet": ("source__outlet", "source__outlet__name", "source__outlet__slug"),
    "via": ("via", "via__name", "via__slug"),
}


def facet_counts(filterset, limit=12, sample=None, total=None):
    """For each facet, its values with their claim counts under the *other* active filters.

    Returns ({facet: [(url value, label, count), ...]}, {facets that were sampled}),
    one query per facet whatever the number of claims (and, for a long list, one
    that picks its sample for the facets to share). With `sample`, each facet
    counts only the first `sample` claims of its list (in the list's order), so that
    a facet over a million claims reads thousands of rows, not every row; a facet
    whose list was that long is reported as sampled. Each facet drops its own filter,
    so a short list can still have a facet over every claim: for an active facet
    the query also counts what it read; for the others the list's own `total`
    (the number of claims the filterset selects) tells.
    """
    kinds = dict(Claim.Kind.choices)
    facets, sampled = {}, set()
    first_of_list = None
    for name, (path, label, slug) in FACETS.items():
        # The sort stays: a sample is the first claims *as listed*.
        claims = filterset.filter_queryset_without(filterset.queryset.all(), name)
        fields = [path] if label is None else [path, label, slug]
        active = name in filterset.data
        seen = {}
        if sample and (active or total is None):
            first = claims.values("pk")[:sample]
            claims = Claim.objects.filter(pk__in=first)
            # How many claims were counted, in the same query: `sample` means more.
            counted = Claim.objects.filter(pk__in=first).order_by()
            counted = counted.annotate(n=Func(F("pk"), function="COUNT")).values("n")
            seen = {"seen": Subquery(counted)}
        elif sample and total > sample:
            # Every inactive facet counts the list itself: pick its sample once.
            if first_of_list is None:
                first_of_list = list(claims.values_list("pk", flat=True)[:sample])
            claims = Claim.objects.filter(pk__in=_ids(first_of_list, claims.db))
        rows = list(
            claims.order_by()
            .exclude(**{f"{path}__isnull": True})
            .values(*fields)
            .annotate(n=Count("pk", distinct=True), **seen)
            .order_by("-n", path)[:limit]
        )
        if sample and rows and (rows[0]["seen"] >= sample if seen else total > sample):
            sampled.add(name)
        if label is None:
            facets[name] = [(row[path], kinds[row[path]], row["n"]) for row in rows]
        else:
            facets[name] = [(row[slug] or row[path], row[label], row["n"]) for row in rows]
    return facets, sampled


def _ids(ids, using):
    """`ids` for an __in lookup: one array parameter on PostgreSQL, not thousands."""
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids
