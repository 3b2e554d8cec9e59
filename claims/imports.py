"""Import claims and links from CSV or XLSX files in the export's own format.

`plan(claims_file, links_file)` reads the files and checks every row against the
database and against the other rows: each row gets its outcome (new, unchanged,
updated or error) with the column and the reason of every error, and the plan lists
the speakers, outlets, topics, subjects and sources it would create. Nothing is
written. `apply(plan, user)` writes a plan without errors in one transaction: all of
it or, on any failure, nothing.

Matching makes a second import of the same file change nothing: a claim by its `id`
(or, without one, by its source, text and speaker), a source by `source_id` (or URL,
or title and outlet), a speaker by name or alias, an outlet, topic or subject by
name, a link by its id or its pair of claims. Ids in the file are kept for the
records it creates, so an export imported into an empty database exports the same
bytes. Computed columns (permalink, the linked ids, the evidence counts) are not
read: the database computes them again from what is imported.

A cell the export neutralised against formula injection (a `'` before `=`, `+`,
`-`, `@`, tab or carriage return) is read without the `'`.
"""

import csv
import datetime
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils.text import Truncator, slugify

from . import dates, export, history
from .dates import DatePrecision
from .models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Subject, Topic

SEPARATOR = ";"
# Columns the export writes that the database computes: read, never imported.
COMPUTED = {
    "permalink",
    "corroborating_ids",
    "contradicting_ids",
    "independent_corroborations",
    "statement_id",
    "independent_sources",
    "claim_a_text",
    "claim_b_text",
}
# The columns read: the export's own (one list, claims.export), less the computed ones.
CLAIM_COLUMNS = set(export.CLAIM_COLUMNS) - COMPUTED
LINK_COLUMNS = set(export.LINK_COLUMNS) - COMPUTED
MAX_ROWS = 100_000
BATCH = 500  # rows looked up per query

# Dates as people write them, beside the ISO forms the export writes.
DAY_FORMATS = ["%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y"]
MONTH_FORMATS = ["%Y-%m", "%B %Y", "%b %Y"]
YEAR_FORMATS = ["%Y"]


class ImportFileError(Exception):
    """The file as a whole cannot be read: its type, encoding or header."""


# Reading files -----------------------------------------------------------------------


def read_table(upload):
    """The rows of an uploaded .csv or .xlsx file as dicts of text, header first."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or not name:
        return _read_csv(data)
    raise ImportFileError(f"“{upload.name}” is neither a .csv nor an .xlsx file.")


def _read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Save it "
            "as CSV UTF-8 and upload it again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ImportFileError(
            f"The CSV cannot be read at line {reader.line_num}: {error}."
        ) from None
    return _with_header(rows)


def _read_xlsx(data):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a damaged file
        raise ImportFileError(f"The XLSX file cannot be opened: {error}.") from None
    sheet = workbook.worksheets[0]
    rows = [[_xlsx_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _with_header(rows)


def _xlsx_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_header(rows):
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFileError("The file is empty: it needs a header row and rows under it.")
    header = [cell.strip() for cell in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it.")
    table = []
    for cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        table.append(dict(zip(header, cells, strict=False)))
    return header, table


def unneutralise(value):
    """A cell without the `'` the export put before a formula-like start."""
    if len(value) > 1 and value[0] == "'" and value[1] in export.FORMULA_STARTS:
        return value[1:]
    return value


def parse_date(value, precision=""):
    """(date, precision) from "2024-10-04", "2024-10", "2024", "October 2024",
    "4 Oct 2024"...; the first day of the period for a partial date."""
    value, precision = value.strip(), precision.strip().lower()
    if precision and precision not in DatePrecision.values:
        raise ValueError(f"“{precision}” is not a precision; use day, month, year or unknown.")
    if not value:
        if precision not in ("", DatePrecision.UNKNOWN):
            raise ValueError(f"the date is empty but its precision says {precision}.")
        return None, DatePrecision.UNKNOWN
    found = None
    for formats, found_precision in [
        (DAY_FORMATS, DatePrecision.DAY),
        (MONTH_FORMATS, DatePrecision.MONTH),
        (YEAR_FORMATS, DatePrecision.YEAR),
    ]:
        for pattern in formats:
            try:
                # A calendar date, no time of day: the naive datetime is only parsed.
                parsed = datetime.datetime.strptime(value, pattern)  # noqa: DTZ007
                found = parsed.date(), found_precision
                break
            except ValueError:
                continue
        if found:
            break
    if found is None:
        raise ValueError(
            f"“{value}” is not a date this import reads; write 2024-10-04, 2024-10, 2024, "
            "4 October 2024 or October 2024."
        )
    date, found_precision = found
    if precision in ("", found_precision):
        return date, found_precision
    if precision == DatePrecision.UNKNOWN:
        raise ValueError(f"the date is {value} but its precision says unknown.")
    start = dates.truncate(date, precision)
    if dates._RANK[precision] > dates._RANK[found_precision] and start == date:
        return date, precision  # 2024-10-01 as "month": October 2024
    raise ValueError(
        f"“{value}” is a {found_precision} but its precision says {precision}"
        + (
            f"; for {dates.display(start, precision)} write {dates.iso(start, precision)}."
            if dates._RANK[precision] > dates._RANK[found_precision]
            else "."
        )
    )


# The plan ----------------------------------------------------------------------------


@dataclass
class Row:
    """One row of a file and what importing it would do."""

    number: int  # the row's line in a spreadsheet: the header is row 1
    label: str = ""
    outcome: str = ""  # new, unchanged, updated, error
    errors: list = field(default_factory=list)  # (column, reason)
    changes: list = field(default_factory=list)  # what an update changes, in words
    notes: list = field(default_factory=list)  # what the editor should know
    record: object = None  # the record as the file has it, unsaved
    existing: object = None  # the record in the database it matches, if any
    created_at: object = None
    topics: list = field(default_factory=list)
    subjects: list = field(default_factory=list)

    def error(self, column, reason):
        self.errors.append((column, reason))
        self.outcome = "error"


@dataclass
class Plan:
    claims: list = field(default_factory=list)
    links: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    new: dict = field(default_factory=lambda: defaultdict(list))  # kind: [names]

    @property
    def rows(self):
        return self.claims + self.links

    @property
    def is_valid(self):
        return not self.file_errors and all(row.outcome != "error" for row in self.rows)

    def counts(self, rows):
        counted = Counter(row.outcome for row in rows)
        return {outcome: counted[outcome] for outcome in ("new", "updated", "unchanged", "error")}

    @property
    def claim_counts(self):
        return self.counts(self.claims)

    @property
    def link_counts(self):
        return self.counts(self.links)


class _Names:
    """Records of one model by a name, and the new ones the plan would create."""

    def __init__(self, model, key, build, kind):
        self.model, self.key, self.build, self.kind = model, key, build, kind
        self.known = {}
        for obj in model.objects.all():
            self.known.setdefault(getattr(obj, key).casefold(), obj)
            if model is Topic:
                self.known.setdefault(obj.slug.casefold(), obj)
        self.created = {}

    def get(self, name, plan):
        folded = name.casefold()
        if folded in self.known:
            return self.known[folded]
        if folded not in self.created:
            self.created[folded] = self.build(name)
            plan.new[self.kind].append(name)
        return self.created[folded]


def unique_slug(model, text, taken):
    base = slugify(text)[:180] or "untitled"
    slug, number = base, 2
    while slug in taken or model.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


class Planner:
    def __init__(self):
        self.plan = Plan()
        self.slugs = defaultdict(set)

        def named(model, kind, key="name", **defaults):
            def build(name):
                return model(
                    **{key: name}, slug=unique_slug(model, name, self.slugs[model]), **defaults
                )

            return _Names(model, key, build, kind)

        self.outlets = named(Outlet, "outlets")
        self.topics = named(Topic, "topics", key="title")
        self.subjects = named(Subject, "subjects")
        self.speakers_by_name = {}
        for speaker in Speaker.objects.all():
            self.speakers_by_name.setdefault(speaker.name.casefold(), speaker)
        self.aliases = defaultdict(set)
        for alias in SpeakerAlias.objects.select_related("speaker"):
            self.aliases[alias.name.casefold()].add(alias.speaker)
        self.new_speakers = {}
        self.sources = Source.objects.select_related("outlet").in_bulk()
        self.source_keys = {}
        for source in self.sources.values():
            self.source_keys.setdefault(self._source_key(source), source)
        self.new_sources = {}  # id (or a key for those without) -> Source
        self.lineage = []  # (new Source, the id it derives from, its row)
        self.claims = {}  # id -> Claim in the database, loaded as needed
        self.planned_claims = {}  # id -> Row
        self.planned_keys = set()

    # Resolving names

    def speaker(self, name, row):
        folded = name.casefold()
        if folded in self.speakers_by_name:
            return self.speakers_by_name[folded]
        matches = self.aliases.get(folded, set())
        if len(matches) > 1:
            names = " or ".join(sorted(speaker.name for speaker in matches))
            row.error("speaker", f"“{name}” is an alias of more than one speaker: {names}.")
            return None
        if matches:
            (speaker,) = matches
            row.notes.append(f"speaker “{name}” matched {speaker.name} by alias")
            return speaker
        if folded not in self.new_speakers:
            self.new_speakers[folded] = Speaker(
                name=name, slug=unique_slug(Speaker, name, self.slugs[Speaker])
            )
            self.plan.new["speakers"].append(name)
        return self.new_speakers[folded]

    def source(self, cells, row):
        raw_id = cells.get("source_id", "").strip()
        title = cells.get("source_title", "").strip()
        url = cells.get("source_url", "").strip()
        outlet_name = cells.get("outlet", "").strip()
        if raw_id:
            if not raw_id.isdigit():
                row.error("source_id", f"“{raw_id}” is not a whole number.")
                return None
            source_id = int(raw_id)
            if source_id in self.sources:
                source = self.sources[source_id]
                if title and title != source.title:
                    row.notes.append(
                        f"source {source_id} is “{Truncator(source.title).chars(60)}” in the "
                        "database; its record there is kept"
                    )
                return source
            if source_id in self.new_sources:
                return self.new_sources[source_id]
        else:
            key = ("url", url) if url else ("title", title, outlet_name.casefold())
            if key in self.source_keys:
                return self.source_keys[key]
            source_id = None
        if not title:
            row.error("source_title", "a new source needs its title.")
            return None
        source = Source(id=source_id, title=title, url=url)
        if outlet_name:
            source.outlet = self.outlets.get(outlet_name, self.plan)
        try:
            source.published_on, source.published_on_precision = parse_date(
                cells.get("source_published_on", "")
            )
        except ValueError as error:
            row.error("source_published_on", f"{error}")
        kind = cells.get("source_kind", "").strip() or Source.Kind.NEWS_REPORT
        if kind not in Source.Kind.values:
            row.error(
                "source_kind",
                f"“{kind}” is not a kind of source; use one of {', '.join(Source.Kind.values)}.",
            )
        source.kind = kind
        derivation = cells.get("source_derivation", "").strip()
        derivations = [value for value, _ in Source._meta.get_field("derivation").choices]
        if derivation and derivation not in derivations:
            row.error(
                "source_derivation",
                f"“{derivation}” is not a derivation; use {', '.join(derivations)}.",
            )
        source.derivation = derivation
        wire = cells.get("source_wire", "").strip()
        if wire:
            source.wire = self.outlets.get(wire, self.plan)
        derived = cells.get("source_derived_from_id", "").strip()
        if derived:
            if not derived.isdigit():
                row.error("source_derived_from_id", f"“{derived}” is not a whole number.")
            else:
                self.lineage.append((source, int(derived), row))
        self.new_sources[source_id if source_id is not None else ("key", len(self.new_sources))] = (
            source
        )
        self.plan.new["sources"].append(title)
        self.source_keys.setdefault(self._source_key(source), source)
        return source

    @staticmethod
    def _source_key(source):
        if source.url:
            return ("url", source.url)
        outlet = source.outlet.name.casefold() if source.outlet else ""
        return ("title", source.title, outlet)

    # Claims

    def claim_row(self, number, cells):
        row = Row(number=number, label=Truncator(cells.get("text", "")).chars(80))
        raw_id = cells.get("id", "").strip()
        claim_id = None
        if raw_id:
            if not raw_id.isdigit():
                row.error("id", f"“{raw_id}” is not a whole number.")
            else:
                claim_id = int(raw_id)
                if claim_id in self.planned_claims:
                    row.error(
                        "id",
                        f"claim {claim_id} is in the file twice (row "
                        f"{self.planned_claims[claim_id].number}).",
                    )
                    claim_id = None

        kind = cells.get("kind", "").strip()
        labels = {str(label).casefold(): value for value, label in Claim.Kind.choices}
        kind = labels.get(kind.casefold(), kind)
        if kind not in Claim.Kind.values:
            row.error(
                "kind", f"“{kind}” is not a kind of claim; use quote, paraphrase or assertion."
            )

        speaker = None
        speaker_name = cells.get("speaker", "").strip()
        if speaker_name:
            speaker = self.speaker(speaker_name, row)
        source = self.source(cells, row)
        via = None
        if cells.get("via", "").strip():
            via = self.outlets.get(cells["via"].strip(), self.plan)
        try:
            stated_on, precision = parse_date(
                cells.get("stated_on", ""), cells.get("stated_on_precision", "")
            )
            if stated_on and not cells.get("stated_on", "").strip()[:4].isdigit():
                row.notes.append(f"date read as {dates.display(stated_on, precision)}")
        except ValueError as error:
            row.error("stated_on", str(error))
            stated_on, precision = None, DatePrecision.UNKNOWN

        row.topics = [
            self.topics.get(name.strip(), self.plan)
            for name in cells.get("topics", "").split(SEPARATOR)
            if name.strip()
        ]
        row.subjects = [
            self.subjects.get(name.strip(), self.plan)
            for name in cells.get("subjects", "").split(SEPARATOR)
            if name.strip()
        ]
        claim = Claim(
            id=claim_id,
            text=cells.get("text", ""),
            kind=kind,
            speaker=speaker,
            speaker_role=cells.get("speaker_role", "").strip(),
            stated_on=stated_on,
            stated_on_precision=precision,
            context=cells.get("context", "").strip(),
            via=via,
        )
        if source is not None:
            claim.source = source
        row.record = claim
        if row.outcome != "error":
            self._check_claim(claim, row)
        if claim_id is not None:
            self.planned_claims[claim_id] = row
        if row.outcome != "error":
            self._check_duplicate(claim, row)
        self.plan.claims.append(row)

    def _check_claim(self, claim, row):
        if (claim.kind == Claim.Kind.ASSERTION) != (claim.speaker is None):
            row.error(
                "speaker",
                "a quote or a paraphrase needs its speaker; the source's own assertion has "
                "none (the source asserts it).",
            )
            return
        try:
            claim.clean_fields(exclude=["source", "speaker", "via", "span_start", "span_end"])
            claim.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = "stated_on" if name == "stated_on_precision" else name
                for message in messages:
                    row.error(column if column in CLAIM_COLUMNS else "text", message)
            return
        if claim.source.full_text:
            if claim.integrity == Claim.Integrity.LOCATED:
                row.notes.append("quote found in the source text")
            else:
                row.notes.append("not found in the source's stored text: check the words")

    def _check_duplicate(self, claim, row):
        key = (id(claim.source), claim.text.strip(), id(claim.speaker))
        if claim.id is None and key in self.planned_keys:
            row.error("text", "the same claim (source, text and speaker) is in the file twice.")
        self.planned_keys.add(key)

    def _compare_claims(self):
        """Each checked row against the claim it matches, fetched in batches."""
        rows = [row for row in self.plan.claims if row.outcome != "error"]
        by_id, by_key = {}, {}
        ids = [row.record.id for row in rows if row.record.id is not None]
        keyed = [
            row for row in rows if row.record.id is None and row.record.source.pk in self.sources
        ]
        existing = Claim.objects.prefetch_related("topics", "subjects").select_related(
            "speaker", "source", "via"
        )
        for start in range(0, len(ids), BATCH):
            by_id.update(existing.in_bulk(ids[start : start + BATCH]))
        for start in range(0, len(keyed), BATCH):
            batch = keyed[start : start + BATCH]
            for claim in existing.filter(
                source_id__in={row.record.source.pk for row in batch},
                text__in={row.record.text for row in batch},
            ):
                by_key[(claim.source_id, claim.text, claim.speaker_id)] = claim
        for row in rows:
            claim = row.record
            if claim.id is not None:
                match = by_id.get(claim.id)
            else:
                speaker = claim.speaker.pk if claim.speaker is not None else None
                match = by_key.get((claim.source.pk, claim.text, speaker))
            self._compare_claim(claim, row, match)

    def _compare_claim(self, claim, row, existing):
        if existing is None:
            row.outcome = "new"
            return
        changes = []
        for name in ["text", "kind", "speaker_role", "context", "stated_on", "stated_on_precision"]:
            before, after = getattr(existing, name), getattr(claim, name)
            if before != after:
                changes.append(f"{name}: “{before or ''}” → “{after or ''}”")
        for name in ["speaker", "source", "via"]:
            before, after = getattr(existing, name), getattr(claim, name)
            if (before.pk if before else None) != (after.pk if after else None) or (
                after is not None and after.pk is None
            ):
                changes.append(f"{name}: “{before or ''}” → “{after or ''}”")
        for name, planned in [("topics", row.topics), ("subjects", row.subjects)]:
            before = {obj.pk for obj in getattr(existing, name).all()}
            if before != {obj.pk for obj in planned} or any(obj.pk is None for obj in planned):
                changes.append(f"{name}: {len(before)} → {len(planned)}")
        claim.id = existing.pk
        row.existing = existing
        row.changes = changes
        row.outcome = "updated" if changes else "unchanged"

    # Links

    def link_row(self, number, cells):
        row = Row(number=number)
        ends = []
        for column in ("claim_a_id", "claim_b_id"):
            raw = cells.get(column, "").strip()
            if not raw.isdigit():
                row.error(
                    column, f"“{raw}” is not a claim id." if raw else "the claim id is missing."
                )
                ends.append(None)
                continue
            claim_id = int(raw)
            if (
                claim_id not in self.planned_claims
                and not Claim.objects.filter(pk=claim_id).exists()
            ):
                row.error(
                    column, f"there is no claim {claim_id} in the database or the claims file."
                )
                ends.append(None)
                continue
            ends.append(claim_id)
        kind = cells.get("kind", "").strip()
        if kind not in Link.Kind.values:
            row.error("kind", f"“{kind}” is not a kind of link; use {', '.join(Link.Kind.values)}.")
        note = cells.get("note", "")
        if kind == Link.Kind.CONTRADICTS and not note.strip():
            row.error("note", "Say what the contradiction is.")
        created_at = None
        if cells.get("created_at", "").strip():
            try:
                created_at = datetime.datetime.fromisoformat(
                    cells["created_at"].strip().replace("Z", "+00:00")
                )
                if created_at.tzinfo is None:
                    created_at = created_at.replace(tzinfo=datetime.UTC)
            except ValueError:
                row.error(
                    "created_at",
                    f"“{cells['created_at']}” is not a time; write 2026-11-23T09:30:00Z.",
                )
        a, b = ends
        if a is not None and a == b:
            row.error("claim_b_id", "A claim cannot be linked to itself.")
        row.label = f"#{a} {kind} #{b}"
        raw_id = cells.get("id", "").strip()
        link_id = int(raw_id) if raw_id.isdigit() else None
        if raw_id and link_id is None:
            row.error("id", f"“{raw_id}” is not a whole number.")
        if row.outcome == "error":
            self.plan.links.append(row)
            return
        row.record = Link(id=link_id, claim_a_id=a, claim_b_id=b, kind=kind, note=note)
        row.created_at = created_at
        existing = Link.objects.between(a, b).first()
        if existing is None and link_id is not None:
            other = Link.objects.filter(pk=link_id).first()
            if other is not None:
                row.error(
                    "id",
                    f"link {link_id} exists already, between other claims "
                    f"(#{other.claim_a_id} and #{other.claim_b_id}).",
                )
                self.plan.links.append(row)
                return
        pair = frozenset((a, b))
        if pair in self.pairs:
            row.error(
                "claim_b_id",
                f"these two claims are linked twice in the file (row {self.pairs[pair]}).",
            )
        self.pairs[pair] = number
        if existing is None:
            row.outcome = row.outcome or "new"
        else:
            row.existing = existing
            row.changes = [
                f"{name}: “{getattr(existing, name)}” → “{getattr(row.record, name)}”"
                for name in ("kind", "note")
                if getattr(existing, name) != getattr(row.record, name)
            ]
            row.outcome = row.outcome or ("updated" if row.changes else "unchanged")
        self.plan.links.append(row)

    def finish(self):
        self._compare_claims()
        for source, derived_id, row in self.lineage:
            target = self.sources.get(derived_id) or self.new_sources.get(derived_id)
            if target is None:
                row.error(
                    "source_derived_from_id",
                    f"there is no source {derived_id} in the database or the file.",
                )
            else:
                source.derived_from = target
        self.plan.new = dict(self.plan.new)
        return self.plan


def _check_header(header, expected, what, plan):
    unknown = [column for column in header if column and column not in expected | COMPUTED]
    if unknown:
        plan.ignored_columns.extend(f"{what}: {column}" for column in unknown)
    return unknown


def plan(claims_file=None, links_file=None):
    """What importing the files would do, row by row. Writes nothing."""
    planner = Planner()
    planner.pairs = {}
    result = planner.plan
    tables = []
    for upload, what, required in [
        (claims_file, "claims", {"text", "kind"}),
        (links_file, "links", {"kind", "claim_a_id", "claim_b_id"}),
    ]:
        if upload is None:
            tables.append(None)
            continue
        try:
            header, table = read_table(upload)
        except ImportFileError as error:
            result.file_errors.append(f"{what} file: {error}")
            tables.append(None)
            continue
        missing = sorted(required - set(header))
        if missing:
            result.file_errors.append(
                f"{what} file: the header has no {', '.join(missing)} column"
                f"{'s' if len(missing) > 1 else ''}; the first row must name the columns, "
                "as the export writes them."
            )
            tables.append(None)
            continue
        _check_header(header, CLAIM_COLUMNS if what == "claims" else LINK_COLUMNS, what, result)
        tables.append(table)
    claims_table, links_table = tables
    for number, cells in enumerate(claims_table or [], start=2):
        planner.claim_row(number, {k: unneutralise(v) for k, v in cells.items()})
    for number, cells in enumerate(links_table or [], start=2):
        planner.link_row(number, {k: unneutralise(v) for k, v in cells.items()})
    return planner.finish()


# Writing -----------------------------------------------------------------------------


def apply(plan, user=None):
    """Write a plan without errors, in one transaction. Returns its counts."""
    for _step in apply_steps(plan, user):
        pass
    return {"claims": plan.claim_counts, "links": plan.link_counts}


def apply_steps(plan, user=None, batch=1000):
    """apply(), yielding (what, done, total) after each batch, so a page can show its
    progress. The transaction commits when the last step is taken; a generator
    closed before that (a client gone) rolls it back: nothing is written."""
    if not plan.is_valid:
        raise ValueError("A plan with errors is not imported.")
    using = router.db_for_write(Claim)
    new = [row for row in plan.claims if row.outcome == "new"]
    updated = [row for row in plan.claims if row.outcome == "updated"]
    links = [row for row in plan.links if row.outcome in ("new", "updated")]
    with transaction.atomic(using=using), history.entry(user=user, reason="import"):
        _save_new_records(plan)
        yield ("new sources, speakers, outlets, topics and subjects", 1, 1)
        for start in range(0, len(new), batch):
            _create_claims(new[start : start + batch], user)
            yield ("new claims", min(start + batch, len(new)), len(new))
        for done, row in enumerate(updated, start=1):
            _update_claim(row, user)
            if done % batch == 0 or done == len(updated):
                yield ("updated claims", done, len(updated))
        for done, row in enumerate(links, start=1):
            _write_link(row, user)
            if done % batch == 0 or done == len(links):
                yield ("links", done, len(links))
        _reset_sequences(using)
    yield ("done", 1, 1)


def _create_claims(rows, user):
    for row in rows:
        claim = row.record
        # Re-assigned now that they are saved, so the claim holds their ids.
        claim.source, claim.speaker, claim.via = claim.source, claim.speaker, claim.via
    Claim.objects.bulk_create([row.record for row in rows], batch_size=500)
    topics, subjects = [], []
    for row in rows:
        pk = row.record.pk
        topics += [Claim.topics.through(claim_id=pk, topic=topic) for topic in row.topics]
        subjects += [
            Claim.subjects.through(claim_id=pk, subject=subject) for subject in row.subjects
        ]
    Claim.topics.through.objects.bulk_create(topics, batch_size=1000)
    Claim.subjects.through.objects.bulk_create(subjects, batch_size=1000)
    # Written past the ORM's signals: the claims' history rows take them in now.
    history.record_ids(Claim, [row.record.pk for row in rows], "+")


def _update_claim(row, user):
    claim = row.existing
    for name in UPDATED_FIELDS:
        setattr(claim, name, getattr(row.record, name))
    claim.save()
    claim.topics.set(row.topics)
    claim.subjects.set(row.subjects)


def _write_link(row, user):
    if row.outcome == "updated":
        link = row.existing
        link.kind, link.note = row.record.kind, row.record.note
    else:
        link = row.record
        link.created_by = user
    link.save()
    if row.outcome == "new" and row.created_at is not None:
        # The time the link was first made, as the file has it (auto_now_add).
        Link.objects.filter(pk=link.pk).update(created_at=row.created_at)


UPDATED_FIELDS = [
    "text",
    "kind",
    "speaker",
    "speaker_role",
    "stated_on",
    "stated_on_precision",
    "context",
    "source",
    "via",
]


def _save_new_records(plan_):
    """Save the outlets, subjects, topics, speakers and sources the plan creates."""
    saved = set()

    def save(obj):
        if obj is not None and obj.pk is None and id(obj) not in saved:
            saved.add(id(obj))
            obj.save()

    sources = []
    for row in plan_.claims:
        claim = row.record
        source = claim.source
        for obj in [claim.via, claim.speaker, *row.topics, *row.subjects]:
            save(obj)
        if source._state.adding and id(source) not in saved:
            saved.add(id(source))
            save(source.outlet)
            save(source.wire)
            source.outlet, source.wire = source.outlet, source.wire
            sources.append(source)
    # Lineage last: a source may derive from one that comes later in the file.
    lineage = []
    for source in sources:
        lineage.append((source, source.derived_from, source.derivation))
        source.derived_from, source.derivation = None, ""
        source.save()
    for source, derived_from, derivation in lineage:
        if derived_from is not None:
            source.derived_from, source.derivation = derived_from, derivation
            source.save()


def _reset_sequences(using):
    """After rows written with their own ids, the next id follows the largest."""
    from django.core.management.color import no_style

    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Claim, Source, Link, Outlet, Speaker, Subject, Topic]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
