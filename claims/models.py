from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, router, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least, Length
from django.db.models.lookups import Exact, LessThanOrEqual
from django.urls import reverse
from django.utils.text import Truncator

from . import dates, evidence, integrity
from .dates import DatePrecision
from .history import Recorded
from .querysets import (
    ClaimQuerySet,
    LinkQuerySet,
    RecordedQuerySet,
    SourceQuerySet,
    SpeakerQuerySet,
)
from .search import SearchDocument, SearchDocumentField

# The longest texts a field takes, in characters, chosen for real material and kept
# by the forms (a message that names the limit, the text kept) and by the database.
# A claim is a statement: a long quote is a few paragraphs. A source is the whole
# article or transcript: a day-long hearing transcribed runs to a few MB.
LIMITS = {
    "claim text": 10_000,
    "source text": 5_000_000,
    "note": 20_000,
}


def _limited(what, limit_name=None):
    """Validators for a text field kept to LIMITS[limit_name or what]."""
    limit = LIMITS[limit_name or what]
    message = (
        f"{what[0].upper()}{what[1:]} can be at most {limit:,} characters; "
        "this one has %(show_value)s. Nothing was saved: shorten it and save again."
    )
    return [MaxLengthValidator(limit, message=message)]


def _length_constraint(field, limit_name, name):
    limit = LIMITS[limit_name]
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=name,
        violation_error_message=f"“{field}” exceeds the limit of {limit:,} characters.",
    )


class UniformRandom(models.Func):
    """A random number in [0, 1), evaluated per row, as a database default."""

    output_field = models.FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        return "random()", []

    def as_sqlite(self, compiler, connection, **extra_context):
        # random() is a signed 64-bit integer there; abs() of its minimum overflows.
        return "((random() & 9223372036854775807) / 9223372036854775808.0)", []


class DatePart(models.Func):
    """The day or the month of a date, as a number, the same on both databases.

    For check constraints: SQLite's own EXTRACT is a Python function Django registers
    on its connections, which a constraint must not depend on; a date there is text.
    """

    output_field = models.IntegerField()
    POSITIONS = {"month": 6, "day": 9}

    def __init__(self, expression, part, **extra):
        if part not in self.POSITIONS:
            raise ValueError(f"Not a date part: {part!r}")
        super().__init__(expression, models.Value(part), **extra)

    def _part(self):
        return self.source_expressions[1].value

    def as_sql(self, compiler, connection, **extra_context):
        date_sql, params = compiler.compile(self.source_expressions[0])
        return f"EXTRACT({self._part().upper()} FROM {date_sql})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        date_sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(substr({date_sql}, {self.POSITIONS[self._part()]}, 2) AS INTEGER)", params


def _precision_matches_date(field):
    """A date is unknown exactly when its precision says so; a partial date is the
    first day of its period (claims.dates)."""
    precision = f"{field}_precision"
    unknown = Q(**{f"{field}__isnull": True, precision: DatePrecision.UNKNOWN})
    day = Q(**{f"{field}__isnull": False, precision: DatePrecision.DAY})
    first_day = Q(Exact(DatePart(field, "day"), 1))
    month = Q(**{f"{field}__isnull": False, precision: DatePrecision.MONTH}) & first_day
    year = (
        Q(**{f"{field}__isnull": False, precision: DatePrecision.YEAR})
        & first_day
        & Q(Exact(DatePart(field, "month"), 1))
    )
    return unknown | day | month | year


def _check_precision(instance, field):
    """A partial date is entered as the first day of its period (see claims.dates)."""
    value = getattr(instance, field)
    precision = getattr(instance, f"{field}_precision")
    if value is not None and precision == DatePrecision.UNKNOWN:
        raise ValidationError(
            {f"{field}_precision": "Give the precision of the date, or clear the date."}
        )
    if value is None and precision != DatePrecision.UNKNOWN:
        raise ValidationError({field: "Give the date, or set its precision to unknown."})
    start = dates.truncate(value, precision)
    if start != value:
        # A silent change would claim the editor meant the period's first day.
        raise ValidationError(
            {
                field: (
                    f"{dates.display(value, DatePrecision.DAY)} is more precise than its "
                    f"precision, {precision}. A {precision} is entered as its first day: for "
                    f"{dates.display(start, precision)} enter {start.isoformat()}; "
                    f"or, if the day is known, set the precision to day."
                )
            }
        )


class _OutletKind(models.TextChoices):
    NEWS_AGENCY = "news_agency", "news agency"
    NEWSPAPER = "newspaper"
    BROADCASTER = "broadcaster"
    GOVERNMENT = "government"
    THINK_TANK = "think_tank", "think tank"
    BLOG = "blog"
    OTHER = "other"


class Outlet(models.Model):
    """Who publishes: a newspaper, a news agency, a broadcaster, a ministry."""

    Kind = _OutletKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    country = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, blank=True)

    objects = RecordedQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=_OutletKind.values), name="outlet_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class _SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", "news report"
    ANALYSIS = "analysis"
    OPINION = "opinion", "opinion piece"
    INTERVIEW = "interview"
    TRANSCRIPT = "transcript"
    PRESS_RELEASE = "press_release", "press release"
    OTHER = "other"


class _Derivation(models.TextChoices):
    REPUBLISHES = "republishes"
    REWRITES = "rewrites"
    TRANSLATES = "translates"


# What a source's lineage origin, and so the evidence of its claims, depends on.
LINEAGE_FIELDS = ("outlet", "authors", "derived_from", "wire", "published_on", "title", "url")


class Source(models.Model):
    """One published document that reports statements."""

    Kind = _SourceKind
    Derivation = _Derivation

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NEWS_REPORT)
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text="Leave empty when the publisher is not known.",
    )
    authors = models.CharField(
        max_length=500, blank=True, help_text="As credited; leave empty when not stated."
    )
    url = models.URLField("URL", max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True, db_index=True)
    published_on_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag, e.g. en, ru.")
    full_text = models.TextField(
        blank=True,
        help_text="The text exactly as published, typos and all.",
        validators=_limited("a source's text", "source text"),
    )
    accessed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, validators=_limited("the notes", "note"))
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        help_text="The source this one republishes, rewrites or translates.",
    )
    derivation = models.CharField(
        max_length=20,
        choices=_Derivation,
        blank=True,
        db_default="",
        help_text="How this source derives from the one above.",
    )
    wire = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wire_sources",
        help_text="The news agency whose copy this source carries, if it does.",
    )
    import_ref = models.CharField(
        max_length=100, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["-published_on", "title"]
        # Related managers (source.claims.add(), speaker.claims.add()) write through
        # the base manager: it must keep the evidence values current too.
        base_manager_name = "objects"
        constraints = [
            _length_constraint("full_text", "source text", "source_full_text_length"),
            _length_constraint("notes", "note", "source_notes_length"),
            models.CheckConstraint(
                condition=~Q(derived_from=F("id")),
                name="source_not_derived_from_itself",
                violation_error_message="A source cannot derive from itself.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(derived_from__isnull=True, derivation="")
                    | (Q(derived_from__isnull=False) & Q(derivation__in=_Derivation.values))
                ),
                name="source_derivation_named",
                violation_error_message=(
                    "Say how the source derives from the other (republishes, rewrites or "
                    "translates), or clear both."
                ),
            ),
            models.CheckConstraint(
                condition=_precision_matches_date("published_on"),
                name="source_published_on_precision",
                violation_error_message="A published date and its precision must agree.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=_SourceKind.values), name="source_kind_valid"
            ),
        ]
        indexes = [
            # /sources/ in its order, newest first: a page is read from the index.
            # PostgreSQL only (migration 0022): SQLite takes no NULLS LAST here.
            models.Index(
                F("published_on").desc(nulls_last=True),
                F("title"),
                F("id"),
                name="source_listing_idx",
            ),
            # The outlet facet looks up the outlets of a sample's sources by id
            # (claims.filters._by_outlet): from this index alone, not each source's
            # row. SQLite, which has no INCLUDE, makes it a plain copy of the key.
            models.Index(fields=["id"], include=["outlet"], name="source_outlet_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Source, instance=self)
        with transaction.atomic(using=using):
            before = None
            if self.pk is not None:
                before = (
                    Source._base_manager.using(using)
                    .filter(pk=self.pk)
                    .values(*[Source._meta.get_field(name).attname for name in LINEAGE_FIELDS])
                    .first()
                )
            super().save(*args, **kwargs)
            after = {
                Source._meta.get_field(name).attname: getattr(
                    self, Source._meta.get_field(name).attname
                )
                for name in LINEAGE_FIELDS
            }
            if before is not None and before != after:
                evidence.refresh_sources([self.pk], using=using)

    def get_absolute_url(self):
        return reverse("claims:source_detail", args=[self.pk])

    def clean(self):
        _check_precision(self, "published_on")
        self._check_lineage()
        if self.pk is None:
            return
        later = [
            (claim_id, dates.display(stated_on, precision))
            for claim_id, stated_on, precision in self.claims.exclude(stated_on=None).values_list(
                "pk", "stated_on", "stated_on_precision"
            )
            if dates.is_after(stated_on, precision, self.published_on, self.published_on_precision)
        ]
        if later:
            listed = ", ".join(f"#{claim_id} ({shown})" for claim_id, shown in later[:5])
            raise ValidationError(
                {
                    "published_on": (
                        f"Claims from this source are dated after {self.published_on_display}: "
                        f"{listed}. Correct those dates first."
                    )
                }
            )

    @property
    def published_on_display(self):
        return dates.display(self.published_on, self.published_on_precision)

    @property
    def voice(self):
        """Who speaks when the source asserts something: its author and outlet, as known."""
        if self.authors and self.outlet_id:
            return f"{self.authors} ({self.outlet})"
        if self.authors or self.outlet_id:
            return self.authors or str(self.outlet)
        return "an unattributed source (author and publisher not stated)"

    def _check_lineage(self):
        """Refuse a lineage that would lead back to this source."""
        parent = self.derived_from
        seen = set()
        while parent is not None and parent.pk not in seen:
            if self.pk is not None and parent.pk == self.pk:
                raise ValidationError(
                    {"derived_from": "This would make the source derive from itself, in a loop."}
                )
            seen.add(parent.pk)
            parent = parent.derived_from


class _SpeakerKind(models.TextChoices):
    PERSON = "person"
    ORGANISATION = "organisation"
    GOVERNMENT = "government", "government body"
    OUTLET = "outlet", "outlet (its own voice)"


class Speaker(models.Model):
    """A person or organisation that makes statements, an outlet in its own voice included."""

    Kind = _SpeakerKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)
    affiliation = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True, validators=_limited("the description", "note"))

    objects = SpeakerQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="speaker_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=_SpeakerKind.values), name="speaker_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("claims:speaker_detail", args=[self.slug])


class SpeakerAlias(models.Model):
    """Another name the speaker goes by, misspellings in the sources included."""

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, db_index=True)

    objects = RecordedQuerySet.as_manager()
    history = Recorded()

    class Meta:
        verbose_name_plural = "speaker aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["speaker", "name"],
                name="speaker_alias_unique",
                violation_error_message="This speaker already has that alias.",
            ),
        ]

    def __str__(self):
        return self.name


class _SubjectKind(models.TextChoices):
    STATE = "state"
    ORGANISATION = "organisation"
    OTHER = "other"


class Subject(models.Model):
    """A state or organisation a claim is about."""

    Kind = _SubjectKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.STATE)

    objects = RecordedQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=_SubjectKind.values), name="subject_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class Topic(models.Model):
    """A research question or theme."""

    title = models.CharField(max_length=300, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, validators=_limited("the description", "note"))
    answer_subjects = models.ManyToManyField(
        Subject,
        blank=True,
        related_name="answered_topics",
        help_text="The possible answers to the question: “China”, “the UAE”.",
    )

    objects = RecordedQuerySet.as_manager()
    history = Recorded(m2m_fields=[answer_subjects])

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("claims:topic_detail", args=[self.slug])


# The claim columns the list's facets count (claims.filters) and its default order
# reads, for covering indexes.
FACET_COLUMNS = ["id", "kind", "speaker", "source", "via", "stated_on"]


class _ClaimKind(models.TextChoices):
    QUOTE = "quote", "direct quote"
    PARAPHRASE = "paraphrase", "paraphrase (reported speech)"
    ASSERTION = "assertion", "the source's own assertion"


class Claim(models.Model):
    """One statement as reported by one source."""

    Kind = _ClaimKind

    class Integrity(models.TextChoices):
        LOCATED = "located", "found in the source text"
        NOT_FOUND = "not_found", "not found in the source text"
        NO_TEXT = "no_text", "source text not stored"

    text = models.TextField(
        help_text="Exactly as the source has it.",
        validators=_limited("a claim's text", "claim text"),
    )
    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        db_index=False,  # claim_speaker_idx covers it
        null=True,
        blank=True,
        related_name="claims",
        help_text="Who said it. A source's own assertion has none: the source asserts it.",
    )
    speaker_role = models.CharField(
        max_length=300, blank=True, help_text="The speaker's role as this source reports it."
    )
    stated_on = models.DateField(
        null=True, blank=True, help_text="When the statement was made (not when it was published)."
    )
    stated_on_precision = models.CharField(
        max_length=10, choices=DatePrecision, default=DatePrecision.UNKNOWN
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        db_index=False,  # claim_source_idx covers it
        related_name="claims",
    )
    via = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        db_index=False,  # claim_via_idx covers it
        null=True,
        blank=True,
        related_name="relayed_claims",
        help_text="The outlet the source says it got the statement from (“told TASS”).",
    )
    context = models.CharField(
        max_length=500, blank=True, help_text="Venue or occasion: “Moscow Format consultations”."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="claims")
    span_start = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Where the text starts in the source."
    )
    span_end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    integrity = models.CharField(
        "quote integrity",
        max_length=20,
        choices=Integrity,
        default=Integrity.NO_TEXT,
        editable=False,
        db_index=True,
    )
    # What `q` searches. GIN-indexed on PostgreSQL (migration 0004); see claims.search.
    search_document = models.GeneratedField(
        expression=SearchDocument("text", "context", "speaker_role"),
        output_field=SearchDocumentField(),
        db_persist=True,
    )
    # The evidence values (claims.evidence computes and stores them; never edit them).
    statement_key = models.BigIntegerField(
        null=True, editable=False, db_index=True, help_text="The smallest id of its statement."
    )
    # Defaults in the database too, for rows written by COPY before they are computed.
    origin_key = models.CharField(
        max_length=40, blank=True, default="", db_default="", editable=False
    )
    witness_key = models.CharField(
        max_length=300, blank=True, default="", db_default="", editable=False
    )
    statement_reports = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    independent_sources = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    corroborating_reports = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    independent_witnesses = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    contradicting_reports = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    link_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    corroborating_ids = models.TextField(blank=True, default="", db_default="", editable=False)
    contradicting_ids = models.TextField(blank=True, default="", db_default="", editable=False)
    # The names of its topics and subjects, "; "-joined in code-point order, for the
    # export: kept by database triggers on the link tables (migration 0013).
    topic_names = models.TextField(blank=True, default="", db_default="", editable=False)
    subject_names = models.TextField(blank=True, default="", db_default="", editable=False)
    # Their ids, space-separated in ascending order, for the facets of a sampled list
    # (claims.filters): kept by the same triggers (migration 0029).
    topic_ids = models.TextField(blank=True, default="", db_default="", editable=False)
    subject_ids = models.TextField(blank=True, default="", db_default="", editable=False)
    import_ref = models.CharField(
        max_length=100, unique=True, null=True, blank=True, editable=False
    )
    # A uniform random number in [0, 1), drawn by the database for each new claim: the
    # claims in any window of it of width p are a Bernoulli sample of rate p, found
    # by an index range scan (facet estimates, claims.filters).
    sample_key = models.FloatField(db_default=UniformRandom(), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)  # indexed with id: claim_added_idx
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()
    # The search document is derived from the other fields: nothing to keep.
    history = Recorded(
        excluded_fields=[
            "search_document",
            "topic_names",
            "subject_names",
            "topic_ids",
            "subject_ids",
            "sample_key",
            *evidence.FIELDS,
        ],
        m2m_fields=[topics, subjects],
    )

    class Meta:
        ordering = [F("stated_on").desc(nulls_last=True), F("id").desc()]
        # Related managers (source.claims.add(), speaker.claims.add()) write through
        # the base manager: it must keep the evidence values current too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["stated_on", "id"], name="claim_stated_on_idx"),
            # "Recently added" (the home page, sort=added) reads the top of this.
            models.Index(fields=["-created_at", "-id"], name="claim_added_idx"),
            # A filter on a speaker, source (or outlet, through its sources) or via
            # selects through one of these; they include what the facets count, so
            # PostgreSQL counts a filtered list from the index, not the claims' rows.
            *(
                models.Index(fields=[field], include=FACET_COLUMNS, name=f"claim_{field}_idx")
                for field in ("speaker", "source", "via")
            ),
            # A facet's sample (claims.filters._sampled) is a range of sample_key; with
            # the columns the facets and filters read included, PostgreSQL counts the
            # sample from the index alone instead of fetching each claim's row.
            models.Index(
                fields=["sample_key"],
                include=[
                    *FACET_COLUMNS,
                    "corroborating_reports",
                    "contradicting_reports",
                    "link_count",
                ],
                name="claim_sample_idx",
            ),
            # "Most contested" (the home page) reads the top of this; few claims are.
            models.Index(
                fields=["-contradicting_reports", "-id"],
                name="claim_contested_idx",
                condition=Q(contradicting_reports__gt=0),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="claim_text_not_empty",
                violation_error_message="A claim needs its text.",
            ),
            _length_constraint("text", "claim text", "claim_text_length"),
            models.CheckConstraint(
                condition=Q(kind__in=_ClaimKind.values), name="claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="assertion", speaker__isnull=True)
                    | (~Q(kind="assertion") & Q(speaker__isnull=False))
                ),
                name="claim_speaker_matches_kind",
                violation_error_message=(
                    "A quote or a paraphrase needs its speaker; the source's own assertion has "
                    "none (the source asserts it)."
                ),
            ),
            models.CheckConstraint(
                condition=_precision_matches_date("stated_on"),
                name="claim_stated_on_precision",
                violation_error_message="A stated date and its precision must agree.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(integrity="located", span_start__isnull=False, span_end__gt=F("span_start"))
                    | (~Q(integrity="located") & Q(span_start__isnull=True, span_end__isnull=True))
                ),
                name="claim_span_matches_integrity",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {Truncator(self.text).chars(80)}"

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Claim, instance=self)
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The database keeps the topic and subject names (triggers): an instance
            # loaded before its topics changed must not write its stale copy back.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and not field.generated
                and field.name not in TRIGGER_MAINTAINED
            ]
        fields = kwargs.get("update_fields")
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            if fields is None or set(fields) & set(EVIDENCE_INPUTS):
                evidence.refresh([self.pk], using=using)
                self.refresh_from_db(fields=evidence.FIELDS)

    def get_absolute_url(self):
        return reverse("claims:claim_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Claim, instance=self)
        with transaction.atomic(using=using):
            partners = Link.objects.using(using).partners_of([self.pk])
            result = super().delete(*args, **kwargs)
            evidence.refresh(partners, using=using)
        return result

    @property
    def stated_on_display(self):
        return dates.display(self.stated_on, self.stated_on_precision)

    @property
    def asserted_by(self):
        """Who says it: the speaker, or for the source's own assertion, the source."""
        return str(self.speaker) if self.speaker_id else self.source.voice

    def clean(self):
        self.text = self.text.strip()
        _check_precision(self, "stated_on")
        # An inline claim of a source being added has the unsaved source, but no source_id.
        if self.source_id is not None:
            source = self.source
        else:
            source = self._meta.get_field("source").get_cached_value(self, default=None)
        if source is not None:
            if dates.is_after(
                self.stated_on,
                self.stated_on_precision,
                source.published_on,
                source.published_on_precision,
            ):
                raise ValidationError(
                    {
                        "stated_on": (
                            f"The statement is dated {self.stated_on_display}, after its source "
                            f"was published ({source.published_on_display})."
                        )
                    }
                )
            self.locate_in_source()

    def locate_in_source(self):
        """Find the text in the source's stored text; record where, or flag it."""
        full_text = self.source.full_text
        span = integrity.locate(self.text, full_text) if full_text else None
        if not full_text:
            self.integrity = self.Integrity.NO_TEXT
        elif span is None:
            self.integrity = self.Integrity.NOT_FOUND
        else:
            self.integrity = self.Integrity.LOCATED
        self.span_start, self.span_end = span or (None, None)


# Claim fields that database triggers keep (migrations 0014, 0029); save() leaves
# them alone.
TRIGGER_MAINTAINED = ("topic_names", "subject_names", "topic_ids", "subject_ids")

# Claim fields the evidence values depend on.
EVIDENCE_INPUTS = ("kind", "speaker", "speaker_id", "source", "source_id", "via", "via_id")


class _Stance(models.TextChoices):
    SUPPORTS = "supports"
    DISPUTES = "disputes"


class Stance(models.Model):
    """Whether a claim filed under a topic supports or disputes the topic's answer."""

    Kind = _Stance

    claim = models.ForeignKey("Claim", on_delete=models.CASCADE, related_name="stances")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="stances")
    stance = models.CharField(max_length=10, choices=_Stance)

    objects = RecordedQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["topic", "claim"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "topic"],
                name="stance_one_per_topic",
                violation_error_message="The claim already has a stance on this topic.",
            ),
            models.CheckConstraint(condition=Q(stance__in=_Stance.values), name="stance_valid"),
        ]

    def __str__(self):
        return f"#{self.claim_id} {self.stance} “{self.topic}”"

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Stance)):
            super().save(*args, **kwargs)
            # A stance on a topic files the claim under it.
            self.claim.topics.add(self.topic)


class _LinkKind(models.TextChoices):
    CORROBORATES = "corroborates"
    CONTRADICTS = "contradicts"
    SAME_STATEMENT = "same_statement", "same statement"


class Link(models.Model):
    """A typed, undirected relation between two claims."""

    Kind = _LinkKind

    claim_a = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_as_a")
    claim_b = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_as_b")
    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    note = models.TextField(
        blank=True,
        help_text="Why these claims are linked.",
        validators=_limited("a link's note", "note"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LinkQuerySet.as_manager()
    history = Recorded()

    class Meta:
        ordering = ["id"]
        # Related managers (source.claims.add(), speaker.claims.add()) write through
        # the base manager: it must keep the evidence values current too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["claim_a", "kind"], name="link_claim_a_kind_idx"),
            models.Index(fields=["claim_b", "kind"], name="link_claim_b_kind_idx"),
        ]
        constraints = [
            _length_constraint("note", "note", "link_note_length"),
            models.CheckConstraint(
                condition=~Q(claim_a=F("claim_b")),
                name="link_not_self",
                violation_error_message="A claim cannot be linked to itself.",
            ),
            # Links are undirected: (a, b) and (b, a) are the same pair.
            models.UniqueConstraint(
                Least("claim_a", "claim_b"),
                Greatest("claim_a", "claim_b"),
                name="link_one_per_pair",
                violation_error_message=(
                    "These two claims are already linked (in one order or the other); "
                    "edit that link instead."
                ),
            ),
            models.CheckConstraint(condition=Q(kind__in=_LinkKind.values), name="link_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="contradicts") | ~Q(note=""),
                name="link_contradiction_has_note",
                violation_error_message="Say what the contradiction is.",
            ),
        ]

    def __str__(self):
        return f"#{self.claim_a_id} {self.get_kind_display()} #{self.claim_b_id}"

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Link, instance=self)
        with transaction.atomic(using=using):
            now = (self.claim_a_id, self.claim_b_id, self.kind)
            before = None
            if self.pk is not None:
                before = (
                    Link._base_manager.using(using)
                    .filter(pk=self.pk)
                    .values_list("claim_a_id", "claim_b_id", "kind")
                    .first()
                )
            super().save(*args, **kwargs)
            # A new note changes no evidence: only the ends and the kind do.
            if before != now:
                evidence.refresh({*now[:2], *(before or ())[:2]}, using=using)

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Link, instance=self)
        with transaction.atomic(using=using):
            ends = {self.claim_a_id, self.claim_b_id}
            result = super().delete(*args, **kwargs)
            evidence.refresh(ends, using=using)
        return result

    def clean(self):
        self.note = self.note.strip()

    def other(self, claim):
        """The claim at the other end from `claim`."""
        return self.claim_b if claim.pk == self.claim_a_id else self.claim_a


class Tally(models.Model):
    """How many claims have a facet value, kept by database triggers (claims.tallies).

    Read-only for the app: written only by the triggers, so never saved from Python.
    """

    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=40)
    rows = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facet", "value"], name="tally_facet_value"),
        ]
        indexes = [models.Index(fields=["facet", "-rows"], name="tally_facet_rows_idx")]

    def __str__(self):
        return f"{self.facet} {self.value}: {self.rows:,}"


class PairTally(models.Model):
    """How many claims have both of two facet values, kept by triggers (claims.pairs).

    ("outlet", "3", "topic", "7"): the claims of outlet 3 on topic 7. Read-only for
    the app, like Tally.
    """

    given_facet = models.CharField(max_length=20)
    given_value = models.CharField(max_length=40)
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=40)
    rows = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["given_facet", "given_value", "facet", "value"], name="pairtally_key"
            ),
        ]
        indexes = [
            # A facet's commonest values under one given value: an index range, in order.
            models.Index(
                fields=["given_facet", "given_value", "facet", "-rows"], name="pairtally_top_idx"
            )
        ]

    def __str__(self):
        return f"{self.given_facet} {self.given_value}, {self.facet} {self.value}: {self.rows:,}"
