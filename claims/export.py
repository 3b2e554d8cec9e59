"""CSV exports of the filtered claim list and of the links among its claims.

The claim list's FilterSet decides the rows and their order; this module only writes
them, in one of two ways that give the same bytes:

- on PostgreSQL the database formats every cell and `COPY (the list's query) TO
  STDOUT` streams the file, so it goes at close to the database's own speed;
- anywhere else (SQLite; and on any database when asked, which is how the tests hold
  the two to the same output) Python formats the same cells from an iterator and
  csv.writer writes them.

Both neutralise cells that a spreadsheet would read as a formula, write `\r\n`
between records (RFC 4180) and leave empty cells unquoted. Multi-valued cells are
stored on the claim, in code-point order, so the output does not depend on the
database's collation: the linked ids by claims.evidence, the topic and subject
names by database triggers (migration 0014).

Raw SQL here (STYLE.md): COPY, and the fragments below that format cells in
PostgreSQL exactly as the Python functions beside them do.
"""

import csv
import datetime
import logging

from django.db import connections
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from . import dates
from .dates import DatePrecision
from .filters import ClaimFilter
from .models import Claim, Link
from .views import reader

CLAIM_COLUMNS = [
    "id",
    "permalink",
    "text",
    "kind",
    "speaker",
    "speaker_role",
    "stated_on",
    "stated_on_precision",
    "context",
    "source_id",
    "source_title",
    "outlet",
    "source_url",
    "source_published_on",
    "via",
    "topics",
    "subjects",
    "corroborating_ids",
    "contradicting_ids",
    "independent_corroborations",
    "statement_id",
    "independent_sources",
    "source_kind",
    "source_derived_from_id",
    "source_derivation",
    "source_wire",
]

LINK_COLUMNS = [
    "id",
    "kind",
    "claim_a_id",
    "claim_b_id",
    "claim_a_text",
    "claim_b_text",
    "note",
    "created_at",
]

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV
# injection"); a leading single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = "; "
BOM = "\ufeff".encode()

# The last line of a file whose writing failed after its first byte: the status and
# headers are sent by then, so the file itself says it is incomplete (README, "CSV").
INCOMPLETE = b"\r\n# EXPORT INCOMPLETE: a server error stopped this file; rows are missing.\r\n"

logger = logging.getLogger(__name__)

# Rows fetched per round trip on the Python path, and bytes handed to the server per
# chunk on both: small enough to keep memory flat, large enough to keep it fast.
CHUNK_ROWS = 2000
CHUNK_BYTES = 64 * 1024


# Formatting in Python ---------------------------------------------------------------


def neutralise(value):
    """The cell as written: text a spreadsheet would run as a formula gets a leading '."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def utc_timestamp(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Formatting in PostgreSQL, to the same strings --------------------------------------


def _neutralised_sql(sql):
    # NULLIF: COPY quotes an empty string ("") but writes NULL as nothing, which is
    # what csv.writer writes for ''.
    starts = ", ".join(["'='", "'+'", "'-'", "'@'", "chr(9)", "chr(13)"])
    return f"CASE WHEN left({sql}, 1) IN ({starts}) THEN '''' || {sql} ELSE NULLIF({sql}, '') END"


def _iso_date_sql(date, precision):
    formats = {DatePrecision.DAY: "YYYY-MM-DD", DatePrecision.MONTH: "YYYY-MM"}
    formats[DatePrecision.YEAR] = "YYYY"
    whens = " ".join(
        f"WHEN '{value}' THEN to_char({date}, '{pattern}')" for value, pattern in formats.items()
    )
    return f"CASE {precision} {whens} END"


class _Sql(Func):
    """A cell computed by SQL that `build(connection, *compiled arguments)` writes."""

    output_field = TextField()

    def __init__(self, build, *expressions):
        super().__init__(*expressions)
        self.build = build

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        sql, own_params = self.build(connection, *parts)
        # Arguments are columns: their SQL carries no parameters to repeat.
        if params:
            raise ValueError("Cell arguments must be columns.")
        return sql, own_params


def _neutralised(field):
    return _Sql(lambda connection, sql: (_neutralised_sql(sql), ()), F(field))


def _iso_date(field):
    return _Sql(
        lambda connection, date, precision: (_iso_date_sql(date, precision), ()),
        F(field),
        F(f"{field}_precision"),
    )


# Claims ------------------------------------------------------------------------------


def _permalink_parts(request):
    """The claim page's absolute URL, split around the id."""
    marker = 987654321
    url = request.build_absolute_uri(reverse("claims:claim_detail", args=[marker]))
    before, _, after = url.rpartition(str(marker))  # the host may hold the digits too
    return before, after


def _claim_values(queryset):
    """The queryset's rows as the values the Python writer needs, in its order."""
    cells = {
        "id": F("pk"),
        "text": F("text"),
        "kind": F("kind"),
        "speaker": F("speaker__name"),
        "speaker_role": F("speaker_role"),
        "stated_on": F("stated_on"),
        "stated_on_precision": F("stated_on_precision"),
        "context": F("context"),
        "source_id": F("source_id"),
        "source_title": F("source__title"),
        "outlet": F("source__outlet__name"),
        "source_url": F("source__url"),
        "source_published_on": F("source__published_on"),
        "source_published_on_precision": F("source__published_on_precision"),
        "via": F("via__name"),
        "topics": F("topic_names"),
        "subjects": F("subject_names"),
        "corroborating_ids": F("corroborating_ids"),
        "contradicting_ids": F("contradicting_ids"),
        "independent_corroborations": F("independent_witnesses"),
        "statement_id": F("statement_key"),
        "independent_sources": F("independent_sources"),
        "source_kind": F("source__kind"),
        "source_derived_from_id": F("source__derived_from_id"),
        "source_derivation": F("source__derivation"),
        "source_wire": F("source__wire__name"),
    }
    return _cells(queryset, cells)


def _cells(queryset, cells):
    """values_list of `cells`, annotated under names apart from the model's fields."""
    names = [f"cell_{name}" for name in cells]
    return queryset.annotate(**dict(zip(names, cells.values(), strict=True))).values_list(*names)


def claim_copy_sql(queryset, permalink):
    """The COPY statement that writes `queryset`'s claims in its order (PostgreSQL)."""
    before, after = permalink

    def link(connection, claim_id):
        return f"%s || {claim_id}::text || %s", (before, after)

    ordering = queryset.query.order_by or Claim._meta.ordering or ["pk"]
    if queryset.query.distinct:
        # DISTINCT over the formatted cells would be slow and still list a claim twice
        # if the admin's search joined it twice: list each claim once, by id.
        queryset = Claim.objects.filter(pk__in=queryset.order_by().values("pk"))
        queryset = queryset.order_by(*ordering)
    own = {
        "id": F("pk"),
        "permalink": _Sql(link, F("pk")),
        "text": _neutralised("text"),
        "kind": F("kind"),
        "speaker": _neutralised("speaker__name"),
        "speaker_role": _neutralised("speaker_role"),
        "stated_on": _iso_date("stated_on"),
        "stated_on_precision": F("stated_on_precision"),
        "context": _neutralised("context"),
        "source_id": F("source_id"),
        "source_title": _neutralised("source__title"),
        "outlet": _neutralised("source__outlet__name"),
        "source_url": _neutralised("source__url"),
        "source_published_on": _iso_date("source__published_on"),
        "via": _neutralised("via__name"),
        "topics": _neutralised("topic_names"),
        "subjects": _neutralised("subject_names"),
        "corroborating_ids": NullIf(F("corroborating_ids"), Value(""), output_field=TextField()),
        "contradicting_ids": NullIf(F("contradicting_ids"), Value(""), output_field=TextField()),
        "independent_corroborations": F("independent_witnesses"),
        "statement_id": F("statement_key"),
        "independent_sources": F("independent_sources"),
        "source_kind": F("source__kind"),
        "source_derived_from_id": F("source__derived_from_id"),
        "source_derivation": NullIf(F("source__derivation"), Value(""), output_field=TextField()),
        "source_wire": _neutralised("source__wire__name"),
    }
    # Every cell is stored on the claim or a join away (the evidence values and the
    # topic and subject names included), so COPY reads the list's own query.
    listed = _cells(queryset.order_by(*ordering), own)
    connection = connections[queryset.db]
    sql, params = listed.query.get_compiler(connection=connection).as_sql()
    return _copy_statement(connection, sql, params)


def _claim_cells(rows, permalink):
    before, after = permalink
    for (
        pk,
        text,
        kind,
        speaker,
        speaker_role,
        stated_on,
        stated_on_precision,
        context,
        source_id,
        source_title,
        outlet,
        source_url,
        published_on,
        published_on_precision,
        via,
        topics,
        subjects,
        corroborating,
        contradicting,
        independent,
        statement,
        sources,
        source_kind,
        derived_from,
        derivation,
        wire,
    ) in rows:
        yield [
            pk,
            f"{before}{pk}{after}",
            neutralise(text),
            kind,
            neutralise(speaker),
            neutralise(speaker_role),
            dates.iso(stated_on, stated_on_precision),
            stated_on_precision,
            neutralise(context),
            source_id,
            neutralise(source_title),
            neutralise(outlet),
            neutralise(source_url),
            dates.iso(published_on, published_on_precision),
            neutralise(via),
            neutralise(topics),
            neutralise(subjects),
            corroborating,
            contradicting,
            independent,
            statement,
            sources,
            source_kind,
            derived_from,
            derivation,
            neutralise(wire),
        ]


def claim_csv_chunks(queryset, request, use_copy=None):
    """The CSV of `queryset`'s claims in its order: a generator of bytes, header first.

    COPY on PostgreSQL unless `use_copy` says otherwise; the Python writer otherwise.
    Run it in autocommit, as requests are: a download stopped half-way cancels the
    COPY, which would leave an enclosing transaction unusable.
    """
    connection = connections[queryset.db]
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    permalink = _permalink_parts(request)
    if use_copy:
        return _copy_chunks(connection, claim_copy_sql(queryset, permalink), CLAIM_COLUMNS)
    values = _claim_values(queryset)
    return _python_chunks(values, CLAIM_COLUMNS, lambda rows: _claim_cells(rows, permalink))


# Links -------------------------------------------------------------------------------


def _link_values(queryset, for_copy):
    if for_copy:
        cells = {
            "id": F("pk"),
            "kind": F("kind"),
            "claim_a_id": F("claim_a_id"),
            "claim_b_id": F("claim_b_id"),
            "claim_a_text": _neutralised("claim_a__text"),
            "claim_b_text": _neutralised("claim_b__text"),
            "note": _neutralised("note"),
            "created_at": _Sql(
                lambda connection, at: (
                    f"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                    (),
                ),
                F("created_at"),
            ),
        }
        return _cells(queryset, cells)
    return queryset.values_list(
        "pk",
        "kind",
        "claim_a_id",
        "claim_b_id",
        "claim_a__text",
        "claim_b__text",
        "note",
        "created_at",
    )


def _link_cells(rows):
    for pk, kind, claim_a_id, claim_b_id, claim_a_text, claim_b_text, note, created_at in rows:
        yield [
            pk,
            kind,
            claim_a_id,
            claim_b_id,
            neutralise(claim_a_text),
            neutralise(claim_b_text),
            neutralise(note),
            utc_timestamp(created_at),
        ]


def links_among(claims):
    """The links whose two ends are both among `claims`, by id."""
    ids = claims.order_by().values("pk")
    return Link.objects.filter(claim_a__in=ids, claim_b__in=ids).order_by("pk")


def link_csv_chunks(queryset, use_copy=None):
    """The CSV of `queryset`'s links in its order, as chunks of bytes, header first."""
    if use_copy is None:
        use_copy = connections[queryset.db].vendor == "postgresql"
    values = _link_values(queryset, use_copy)
    if use_copy:
        connection = connections[queryset.db]
        sql, params = values.query.get_compiler(connection=connection).as_sql()
        return _copy_chunks(connection, _copy_statement(connection, sql, params), LINK_COLUMNS)
    return _python_chunks(values, LINK_COLUMNS, _link_cells)


# The two writers ---------------------------------------------------------------------


class _Lines:
    """A file for csv.writer that hands back each line instead of storing it."""

    def write(self, line):
        return line


def _header(columns):
    return csv.writer(_Lines()).writerow(columns).encode()


def _python_chunks(values, columns, cells):
    writer = csv.writer(_Lines())
    yield _header(columns)
    lines, size = [], 0
    for row in cells(values.iterator(chunk_size=CHUNK_ROWS)):
        line = writer.writerow(row)
        lines.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(lines).encode()
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode()


def _copy_statement(connection, sql, params):
    """`COPY (sql) TO STDOUT` as CSV, its parameters bound by psycopg.

    COPY takes no server-side parameters, so psycopg quotes them into the statement
    (as it would for `cursor.copy(sql, params)`); binding them first also lets
    Django's debug cursor log the statement and the query-count tests see it.
    """
    return connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)


def _copy_chunks(connection, statement, columns):
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        yield _header(columns)
        rows, size = [], 0
        for row in copy:
            rows.append(row)
            size += len(row)
            if size >= CHUNK_BYTES:
                yield _crlf(rows)
                rows, size = [], 0
        if rows:
            yield _crlf(rows)


def _crlf(rows):
    """Rows from COPY with RFC 4180's `\r\n` after each, where COPY writes `\n`.

    The server sends each row in a message of its own (the protocol says "always one
    per row"), so each row's last byte is its terminator; any other newline is inside
    a quoted cell, and stays as the text has it.
    """
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):
        return data.replace(b"\n", b"\r\n")
    return b"".join(bytes(row[:-1]) + b"\r\n" for row in rows)


# Responses ---------------------------------------------------------------------------


def _guarded(chunks, name, bom):
    """`chunks` after an optional BOM; a failure part-way is logged and marked in the file."""
    sent = 0
    try:
        for chunk in chunks:
            if bom and not sent:
                yield BOM
            sent += len(chunk)
            yield chunk
    except Exception:
        logger.exception("The %s export failed after %d bytes.", name, sent)
        yield INCOMPLETE


def csv_response(chunks, name, bom=False):
    """A streamed CSV download called `<name>-<today, UTC>.csv`.

    Nothing runs until the server reads the first chunk: COPY holds the database
    connection until it ends, so it must not start before middleware is done with it.
    The view has checked every parameter and run the query once (`_filtered`) by then,
    so an error that the request could cause is a 400 before the first byte.
    """
    filename = f"{name}-{timezone.now().date().isoformat()}.csv"
    return StreamingHttpResponse(
        _guarded(chunks, name, bom),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _bad_request(problems):
    lines = ["The export was not made: fix these parameters and try again."]
    lines += [f"{name}: {message}" if name else message for name, message in problems]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


def _filtered(request):
    """The filtered claims and the bom flag, or a 400 naming each bad parameter."""
    filters = ClaimFilter(request.GET, queryset=Claim.objects.all())
    problems = []
    if not filters.is_valid():
        for name, messages in filters.errors.items():
            for message in messages:
                problems.append(("" if name == "__all__" else name, message))
    bom = request.GET.get("bom", "")
    if bom not in ("", "0", "1"):
        problems.append(("bom", "Use bom=1 to start the file with a byte-order mark."))
    if problems:
        return None, False, _bad_request(problems)
    claims = filters.qs
    # The first round trip, before the first byte: the filters' whole WHERE clause
    # runs here, so a database error is the view's (logged, a proper error page), not
    # a file cut after its header.
    claims.order_by().exists()
    return claims, bom == "1", None


@reader
def claims_csv(request):
    claims, bom, error = _filtered(request)
    if error:
        return error
    return csv_response(claim_csv_chunks(claims, request), "claims", bom=bom)


@reader
def links_csv(request):
    claims, bom, error = _filtered(request)
    if error:
        return error
    return csv_response(link_csv_chunks(links_among(claims)), "links", bom=bom)
