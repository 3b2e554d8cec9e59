"""Claims as references for a reference manager: CSL-JSON, RIS and BibTeX.

A claim is cited as the source that reports it (title, publisher, authors, date at
its precision, address), with the claim itself in the note and the abstract: who
said it, when, the words, and the claim's permalink here. One claim has its own
address (`/claims/<id>/cite.ris`); a filtered list has the list's filters, as the
CSV export does (`/claims/cite.ris?speaker=...`), streamed.

The writers are ours, small and strict (one line per RIS tag, BibTeX's special
characters escaped); the tests read every format back with a parser made for it
(citeproc-py, rispy, bibtexparser), so a writer's mistake cannot hide behind the
same library reading what it wrote.
"""

import json
import re

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header

from . import dates
from .dates import DatePrecision
from .export import _filtered
from .models import Claim, Source
from .views import reader

FORMATS = {
    # extension: (media type, writer)
    "json": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems",
    "bib": "application/x-bibtex",
}
NEWS = {Source.Kind.NEWS_REPORT, Source.Kind.ANALYSIS, Source.Kind.OPINION, Source.Kind.INTERVIEW}
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def _authors(source):
    """The credited authors, one by one ("A, B and C" or "A; B")."""
    names = re.split(r"\s*(?:;|,|\band\b|&)\s*", source.authors or "")
    return [name for name in names if name]


def _date_parts(date, precision):
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    parts = {DatePrecision.YEAR: 1, DatePrecision.MONTH: 2}.get(precision, 3)
    return [date.year, date.month, date.day][:parts]


def note(claim, permalink):
    """The claim in words, for a reference's note."""
    who = claim.asserted_by
    if claim.speaker_role:
        who += f" ({claim.speaker_role})"
    said = {
        Claim.Kind.QUOTE: f"“{claim.text}”",
        Claim.Kind.PARAPHRASE: f"as reported, {claim.text}",
    }.get(claim.kind, claim.text)
    stated = claim.stated_on_display
    when = f", {stated}" if claim.stated_on else ""
    via = f" Via {claim.via.name}." if claim.via_id else ""
    return f"{who}{when}: {said}{via} Claim Tracker #{claim.pk}: {permalink}"


def csl(claim, permalink):
    """The CSL-JSON item of `claim`."""
    source = claim.source
    item = {
        "id": f"claim-{claim.pk}",
        "type": "article-newspaper" if source.kind in NEWS else "document",
        "title": source.title,
        "URL": source.url or permalink,
        "note": note(claim, permalink),
        "abstract": claim.text,
        "archive": "Claim Tracker",
        "archive_location": f"claim #{claim.pk}",
    }
    if source.outlet_id:
        item["container-title"] = item["publisher"] = source.outlet.name
    authors = _authors(source)
    if authors:
        item["author"] = [{"literal": name} for name in authors]
    issued = _date_parts(source.published_on, source.published_on_precision)
    if issued:
        item["issued"] = {"date-parts": [issued]}
    return item


def _one_line(value):
    return " ".join(str(value).split())


def ris(claim, permalink):
    """The RIS record of `claim`: tag, two spaces, hyphen, space, value; CRLF lines."""
    source = claim.source
    lines = [("TY", "NEWS" if source.kind in NEWS else "GEN"), ("ID", f"claim-{claim.pk}")]
    lines.append(("TI", source.title))
    if source.outlet_id:
        lines += [("T2", source.outlet.name), ("PB", source.outlet.name)]
    lines += [("AU", name) for name in _authors(source)]
    issued = _date_parts(source.published_on, source.published_on_precision)
    if issued:
        lines.append(("PY", f"{issued[0]:04d}"))
        parts = [f"{part:02d}" for part in issued[1:]]
        # YYYY/MM/DD/other, a part not known left empty: "2024/10//" for October 2024.
        padding = [""] * (3 - len(issued))
        lines.append(("DA", "/".join([f"{issued[0]:04d}", *parts, *padding]) + "/"))
    lines += [("UR", source.url or permalink), ("AB", claim.text), ("N1", note(claim, permalink))]
    lines.append(("DB", "Claim Tracker"))
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
    return text + "ER  - \r\n\r\n"


_TEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex(value):
    return "".join(_TEX.get(char, char) for char in _one_line(value))


def bibtex(claim, permalink):
    """The BibTeX entry of `claim` (UTF-8; biblatex's `date` keeps the precision)."""
    source = claim.source
    news = source.kind in NEWS and source.outlet_id
    fields = [("title", _tex(source.title))]
    if source.outlet_id:
        fields.append(("journal" if news else "publisher", _tex(source.outlet.name)))
    authors = _authors(source)
    if authors:
        # Each name braced: a credit such as "Reuters staff" is not a first and last name.
        fields.append(("author", " and ".join(f"{{{_tex(name)}}}" for name in authors)))
    issued = _date_parts(source.published_on, source.published_on_precision)
    if issued:
        fields.append(("year", f"{issued[0]:04d}"))
        fields.append(("date", dates.iso(source.published_on, source.published_on_precision)))
    fields += [
        ("url", source.url or permalink),
        ("abstract", _tex(claim.text)),
        ("note", _tex(note(claim, permalink))),
    ]
    if issued and len(issued) > 1:
        fields.append(("month", MONTHS[issued[1] - 1]))  # a macro, unbraced
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@{'article' if news else 'misc'}{{claim{claim.pk},\n{body}\n}}\n\n"


def _permalink(request, claim):
    return request.build_absolute_uri(claim.get_absolute_url())


def _chunks(claims, request, kind):
    if kind == "json":
        yield "[\n"
        for n, claim in enumerate(claims):
            text = json.dumps(csl(claim, _permalink(request, claim)), ensure_ascii=False)
            yield ("" if n == 0 else ",\n") + text
        yield "\n]\n"
        return
    write = ris if kind == "ris" else bibtex
    for claim in claims:
        yield write(claim, _permalink(request, claim))


def _response(chunks, name, kind):
    filename = f"{name}.{kind}"
    return StreamingHttpResponse(
        (chunk.encode() for chunk in chunks),
        content_type=f"{FORMATS[kind]}; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


@reader
def claim_citation(request, pk, kind):
    claim = get_object_or_404(
        Claim.objects.select_related("speaker", "source__outlet", "via"), pk=pk
    )
    return _response(_chunks([claim], request, kind), f"claim-{claim.pk}", kind)


@reader
def claims_citations(request, kind):
    """The filtered list's claims, in its order, as references."""
    claims, _bom, error = _filtered(request)
    if error:
        return error
    rows = claims.select_related("speaker", "source__outlet", "via").iterator(chunk_size=1000)
    name = f"claims-{timezone.now().date().isoformat()}"
    return _response(_chunks(rows, request, kind), name, kind)
