import csv
import datetime
import gc
import io
import tracemalloc

import pandas as pd
import pytest
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from claims import export
from claims.dates import DatePrecision
from claims.filters import ClaimFilter
from claims.importers import load_corpus
from claims.management.commands.generate_claims import generate
from claims.models import Claim, Link
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerAliasFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite has one writer"
)

HEADER = (
    "id,permalink,text,kind,speaker,speaker_role,stated_on,stated_on_precision,context,"
    "source_id,source_title,outlet,source_url,source_published_on,via,topics,subjects,"
    "corroborating_ids,contradicting_ids,independent_corroborations,statement_id,"
    "independent_sources,source_kind,source_derived_from_id,source_derivation,source_wire\r\n"
)
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A2)", "\tx", "\rx"]
SCRIPTS = [
    'He said, "we will not", and left.',
    "Line one\nLine two\r\nLine three",
    "قال المتحدث إن القرار نهائي",
    "Принципиальное решение принято",
    "中国接受了塔利班任命的大使",
    "Talks 🤝 resumed, 🇷🇺 said",
    " a leading space and a trailing one ",
]


def body_of(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def rows_of(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def pandas_rows(body):
    frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    return [list(frame.columns)] + frame.to_numpy().tolist()


def writers():
    """The writers this database has: Python everywhere, COPY on PostgreSQL."""
    return [False, True] if connection.vendor == "postgresql" else [False]


def claims_csv(queryset, rf, use_copy):
    request = rf.get(reverse("claims:claims_csv"))
    return b"".join(export.claim_csv_chunks(queryset, request, use_copy=use_copy))


def links_csv(queryset, use_copy):
    return b"".join(export.link_csv_chunks(queryset, use_copy=use_copy))


def filtered(query):
    filters = ClaimFilter(QueryDict(query), queryset=Claim.objects.all())
    assert filters.is_valid(), filters.errors
    return filters.qs


@pytest.fixture
def small():
    """Three claims that use every column: dates of each precision, via, links, lists."""
    times = OutletFactory(name="The Moscow Times", slug="the-moscow-times")
    tass = OutletFactory(name="TASS", slug="tass")
    report = SourceFactory(
        title="Russia to delist the Taliban",
        outlet=times,
        url="https://example.org/delist",
        published_on=datetime.date(2024, 10, 4),
        published_on_precision=DatePrecision.DAY,
    )
    undated = SourceFactory(
        title="Notes", outlet=None, published_on=None, published_on_precision="unknown"
    )
    envoys = TopicFactory(title="Which states accepted envoys?", slug="envoys")
    delisting = TopicFactory(title="Delisting", slug="delisting")
    decision = ClaimFactory(
        text='A "principal decision" has been made, he said.',
        kind=Claim.Kind.QUOTE,
        speaker=SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov"),
        speaker_role="presidential envoy",
        source=report,
        via=tass,
        context="Moscow Format consultations, Moscow",
        stated_on=datetime.date(2024, 10, 4),
    )
    decision.topics.set([envoys, delisting])
    decision.subjects.set(
        [SubjectFactory(name="United Arab Emirates"), SubjectFactory(name="China")]
    )
    china = ClaimFactory(
        text="China accepted a Taliban-appointed ambassador first.",
        kind=Claim.Kind.ASSERTION,
        source=report,
        stated_on=datetime.date(2024, 10, 1),
        stated_on_precision=DatePrecision.MONTH,
    )
    china.topics.set([envoys])
    denial = ClaimFactory(
        text="No decision\nhas been taken.",
        kind=Claim.Kind.PARAPHRASE,
        speaker=SpeakerFactory(name="Unnamed official", slug="unnamed"),
        source=undated,
        stated_on=None,
        stated_on_precision=DatePrecision.UNKNOWN,
    )
    corroborates = LinkFactory(claim_a=china, claim_b=decision, kind=Link.Kind.CORROBORATES)
    contradicts = LinkFactory(
        claim_a=decision,
        claim_b=denial,
        kind=Link.Kind.CONTRADICTS,
        note="One says it is decided, the other that it is not.",
    )
    return {
        "decision": decision,
        "china": china,
        "denial": denial,
        "corroborates": corroborates,
        "contradicts": contradicts,
        "report": report,
    }


def test_claims_export_is_the_exact_csv_of_the_list(client, small):
    decision, china, denial = small["decision"], small["china"], small["denial"]
    report = small["report"]
    response = client.get("/claims/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    url = "http://testserver/claims"
    assert body_of(response).decode("utf-8") == (
        HEADER + f"{decision.pk},{url}/{decision.pk}/,"
        '"A ""principal decision"" has been made, he said.",quote,Zamir Kabulov,'
        'presidential envoy,2024-10-04,day,"Moscow Format consultations, Moscow",'
        f"{report.pk},Russia to delist the Taliban,The Moscow Times,https://example.org/delist,"
        "2024-10-04,TASS,Delisting; Which states accepted envoys?,China; United Arab Emirates,"
        f"{china.pk},{denial.pk},1,{decision.pk},1,news_report,,,\r\n"
        f"{china.pk},{url}/{china.pk}/,China accepted a Taliban-appointed ambassador first.,"
        f"assertion,,,2024-10,month,,{report.pk},Russia to delist the Taliban,"
        "The Moscow Times,https://example.org/delist,2024-10-04,,Which states accepted envoys?,"
        f",{decision.pk},,1,{china.pk},1,news_report,,,\r\n"
        f'{denial.pk},{url}/{denial.pk}/,"No decision\nhas been taken.",paraphrase,'
        f"Unnamed official,,,unknown,,{denial.source_id},Notes,,,,,,,,{decision.pk},0,"
        f"{denial.pk},1,news_report,,,\r\n"
    )


@pytest.mark.parametrize("use_copy", writers())
def test_each_writer_writes_that_exact_csv(client, rf, small, use_copy):
    expected = body_of(client.get("/claims/export.csv"))
    assert claims_csv(filtered(""), rf, use_copy) == expected
    assert expected.count(b"\r\n") == 4  # header and three records; the cell's newline stays


def test_header_lists_the_documented_columns_in_order(client, db):
    body = body_of(client.get("/claims/export.csv"))
    assert body.decode() == HEADER
    assert HEADER.strip().split(",") == export.CLAIM_COLUMNS


def test_evidence_columns_count_witnesses_and_the_statements_sources(client):
    tass, times = OutletFactory(name="TASS"), OutletFactory(name="The Moscow Times")
    first = ClaimFactory(source=SourceFactory(outlet=times))
    relayed = ClaimFactory(via=tass)
    copy = ClaimFactory(
        source=SourceFactory(derived_from=first.source, derivation="republishes"), via=None
    )
    for report in (relayed, copy):
        LinkFactory(claim_a=first, claim_b=report, kind=Link.Kind.SAME_STATEMENT)
    lavrov = SpeakerFactory(name="Sergey Lavrov")
    agreeing = [ClaimFactory(speaker=lavrov), ClaimFactory(speaker=lavrov)]
    for other in agreeing:
        LinkFactory(claim_a=relayed, claim_b=other)
    header, *rows = rows_of(body_of(client.get("/claims/export.csv?sort=oldest")))
    cells = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}
    evidence = ["corroborating_ids", "independent_corroborations", "statement_id"]
    evidence.append("independent_sources")
    # A relay and a copy of one report: three reports, two sources (The Moscow Times, TASS);
    # one speaker corroborating twice is one witness, for every report of the statement.
    joined = "; ".join(str(other.pk) for other in agreeing)
    assert {pk: [cells[pk][name] for name in evidence] for pk in cells} == {
        first.pk: ["", "1", str(first.pk), "2"],
        relayed.pk: [joined, "1", str(first.pk), "2"],
        copy.pk: ["", "1", str(first.pk), "2"],
        agreeing[0].pk: [str(relayed.pk), "1", str(agreeing[0].pk), "1"],
        agreeing[1].pk: [str(relayed.pk), "1", str(agreeing[1].pk), "1"],
    }


def test_export_streams_and_is_named_for_what_and_when(client, small):
    today = timezone.now().date().isoformat()
    for path, name in [("/claims/export.csv", "claims"), ("/links/export.csv", "links")]:
        response = client.get(path)
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Disposition"] == f'attachment; filename="{name}-{today}.csv"'
        assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=Taliban",
        "q=Kabulov",
        "topic=taliban-envoys",
        "has=corroboration",
        "has=contradiction",
        "has=no_links",
        "sort=oldest",
        "sort=speaker",
        "kind=assertion&sort=added",
        "stated_after=2024-10-01&stated_before=2024-10-31",
        "q=Taliban&sort=oldest",
    ],
)
def test_export_rows_and_order_are_the_lists_across_all_pages(client, query):
    load_corpus()
    expected = list(filtered(query).values_list("pk", flat=True))
    assert expected, "a query that matches nothing proves nothing"
    listed, page = [], 1
    while True:
        response = client.get(f"/claims/?{query}&page={page}")
        assert response.status_code == 200
        listed += [claim.pk for claim in response.context["claims"]]
        if not response.context["page"].has_next():
            break
        page += 1
    rows = rows_of(body_of(client.get(f"/claims/export.csv?{query}")))
    exported = [int(row[0]) for row in rows[1:]]
    assert exported == listed == expected


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("stated_after=yesterday", ["stated_after"]),
        ("kind=rumour&has=everything", ["kind", "has"]),
        ("topic=no-such-topic", ["topic"]),
        ("sort=loudest", ["sort"]),
        ("bom=yes", ["bom"]),
        ("stated_on=2024-10-04", ["stated_on"]),
    ],
)
@pytest.mark.parametrize("path", ["/claims/export.csv", "/links/export.csv"])
def test_invalid_parameters_are_a_plain_400_naming_each_and_no_csv(
    client, small, path, query, names
):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not response.streaming
    text = response.content.decode()
    for name in names:
        assert name in text
    assert "id,permalink" not in text and "id,kind" not in text


def test_bom_1_starts_the_file_with_a_byte_order_mark(client, small):
    plain = body_of(client.get("/claims/export.csv"))
    marked = body_of(client.get("/claims/export.csv?bom=1"))
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    frame = pd.read_csv(io.BytesIO(marked), dtype=str, keep_default_na=False)
    assert list(frame.columns) == export.CLAIM_COLUMNS  # pandas drops the mark
    links = body_of(client.get("/links/export.csv?bom=1"))
    assert links.startswith(b"\xef\xbb\xbfid,kind,")
    assert body_of(client.get("/claims/export.csv?bom=0")) == plain


@pytest.fixture
def hostile():
    """A claim whose every text begins like a formula, and a link to it."""
    values = iter(HOSTILE * 3)
    claim = ClaimFactory(
        text=next(values),
        speaker=SpeakerFactory(name=next(values)),
        speaker_role=next(values),
        context=next(values),
        source=SourceFactory(
            title=next(values), url=next(values), outlet=OutletFactory(name=next(values))
        ),
        via=OutletFactory(name=next(values)),
    )
    claim.topics.set([TopicFactory(title=next(values))])
    claim.subjects.set([SubjectFactory(name=next(values))])
    other = ClaimFactory(text=next(values))
    link = LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.CONTRADICTS, note=next(values))
    return claim, other, link


@pytest.mark.parametrize("use_copy", writers())
def test_formula_payloads_are_neutralised_in_the_export_only(rf, hostile, use_copy):
    claim, other, link = hostile
    header, *rows = rows_of(claims_csv(Claim.objects.filter(pk=claim.pk), rf, use_copy))
    row = dict(zip(header, rows[0], strict=True))
    texts = {
        "text": claim.text,
        "speaker": claim.speaker.name,
        "speaker_role": claim.speaker_role,
        "context": claim.context,
        "source_title": claim.source.title,
        "source_url": claim.source.url,
        "outlet": claim.source.outlet.name,
        "via": claim.via.name,
        "topics": claim.topics.get().title,
        "subjects": claim.subjects.get().name,
    }
    for column, value in texts.items():
        assert value.startswith(tuple(HOSTILE[i][0] for i in range(len(HOSTILE))))
        assert row[column] == "'" + value, column
    header, *rows = rows_of(links_csv(Link.objects.filter(pk=link.pk), use_copy))
    row = dict(zip(header, rows[0], strict=True))
    assert row["claim_a_text"] == "'" + claim.text
    assert row["claim_b_text"] == "'" + other.text
    assert row["note"] == "'" + link.note
    # The database keeps the real text.
    claim.refresh_from_db()
    assert claim.text == HOSTILE[0]
    assert Link.objects.get().note == link.note


def test_a_cell_is_neutralised_only_when_it_begins_like_a_formula():
    assert [export.neutralise(value) for value in HOSTILE] == ["'" + value for value in HOSTILE]
    for value in ["", "1+1", "a=b", "e-mail", "'quoted", " =padded", "−2 (a minus sign)"]:
        assert export.neutralise(value) == value


@pytest.mark.parametrize("use_copy", writers())
def test_commas_quotes_newlines_and_every_script_survive_csv_and_pandas(rf, use_copy):
    claims = [ClaimFactory(text=text, context=text, speaker_role=text) for text in SCRIPTS]
    body = claims_csv(Claim.objects.order_by("pk"), rf, use_copy)
    rows = rows_of(body)
    assert rows == pandas_rows(body)
    assert rows[0] == export.CLAIM_COLUMNS
    assert len(rows) == len(SCRIPTS) + 1
    for claim, row in zip(claims, rows[1:], strict=True):
        cells = dict(zip(rows[0], row, strict=True))
        assert cells["id"] == str(claim.pk)
        assert cells["text"] == cells["context"] == cells["speaker_role"] == claim.text


def test_links_export_lists_the_links_among_the_filtered_claims(client, small):
    corroborates, contradicts = small["corroborates"], small["contradicts"]
    decision, china, denial = small["decision"], small["china"], small["denial"]
    ClaimFactory()  # no links: not in the file
    LinkFactory(kind=Link.Kind.SAME_STATEMENT)  # between claims outside the filter below
    created = corroborates.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.get("/links/export.csv?topic=envoys")
    assert response.status_code == 200
    assert body_of(response).decode() == (
        "id,kind,claim_a_id,claim_b_id,claim_a_text,claim_b_text,note,created_at\r\n"
        f"{corroborates.pk},corroborates,{china.pk},{decision.pk},{china.text},"
        f'"{decision.text.replace(chr(34), chr(34) * 2)}",Both report the same decision.,'
        f"{created}\r\n"
    )
    rows = rows_of(body_of(client.get("/links/export.csv")))
    assert [int(row[0]) for row in rows[1:]] == sorted(
        [corroborates.pk, contradicts.pk, Link.objects.get(kind="same_statement").pk]
    )
    rows = rows_of(body_of(client.get(f"/links/export.csv?speaker={denial.speaker.slug}")))
    assert rows == [export.LINK_COLUMNS]  # one end is not enough


def test_admin_action_exports_the_selected_claims_by_id(editor_client, rf, small):
    selected = [small["denial"].pk, small["decision"].pk]
    response = editor_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "export_as_csv", "_selected_action": selected},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = body_of(response)
    rows = rows_of(body)
    assert [int(row[0]) for row in rows[1:]] == sorted(selected)
    assert rows[1][1] == f"http://testserver/claims/{min(selected)}/"
    selection = Claim.objects.filter(pk__in=selected).order_by("pk")
    assert body == claims_csv(selection, rf, use_copy=False)


def test_admin_export_lists_a_claim_once_when_its_search_matches_twice(editor_client):
    zed = SpeakerFactory(name="Zamir Kabulov")
    SpeakerAliasFactory(speaker=zed, name="Zed K.")
    SpeakerAliasFactory(speaker=zed, name="Zed Kabulov")
    topic = TopicFactory(title="Envoys")
    claim, other = ClaimFactory(speaker=zed), ClaimFactory()
    claim.topics.set([topic])
    LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.CORROBORATES)
    response = editor_client.post(
        reverse("admin:claims_claim_changelist") + "?q=Zed",
        {"action": "export_as_csv", "select_across": "1", "index": "0",
         "_selected_action": [claim.pk]},
    )  # fmt: skip
    header, *rows = rows_of(body_of(response))
    assert [row[0] for row in rows] == [str(claim.pk)]
    cells = dict(zip(header, rows[0], strict=True))
    assert (cells["topics"], cells["corroborating_ids"]) == ("Envoys", str(other.pk))


def test_permalinks_survive_a_host_that_holds_digits(client, small):
    response = client.get("/claims/export.csv", HTTP_HOST="testserver:987654321")
    assert response.status_code == 200
    header, *rows = rows_of(body_of(response))
    pk = rows[0][0]
    assert rows[0][1] == f"http://testserver:987654321/claims/{pk}/"


def test_export_requires_a_login_when_reading_does(client, small, settings):
    settings.READ_REQUIRES_LOGIN = True
    for path in ["/claims/export.csv", "/links/export.csv"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


@on_postgresql
@pytest.mark.parametrize("query", ["", "q=Taliban", "topic=taliban-envoys", "sort=oldest"])
def test_copy_and_python_write_the_same_bytes_for_the_seed_corpus(rf, query):
    load_corpus()
    claims = filtered(query)
    copied = claims_csv(claims, rf, use_copy=True)
    assert copied == claims_csv(claims, rf, use_copy=False)
    assert rows_of(copied) == pandas_rows(copied)
    links = export.links_among(claims)
    assert links_csv(links, use_copy=True) == links_csv(links, use_copy=False)
    header, *rows = rows_of(copied)
    if not query:
        # The comparison covers real evidence values.
        for column in ("independent_corroborations", "independent_sources"):
            counts = {row[header.index(column)] for row in rows}
            assert len(counts) > 1, column


@on_postgresql
def test_copy_and_python_write_the_same_bytes_for_generated_data(rf, hostile):
    generate(claims=400, links=900, seed=3)
    for text in SCRIPTS:
        ClaimFactory(text=text, context=text)
    for query in ["", "has=corroboration", "sort=speaker"]:
        claims = filtered(query)
        copied = claims_csv(claims, rf, use_copy=True)
        assert copied == claims_csv(claims, rf, use_copy=False)
        assert len(rows_of(copied)) == claims.count() + 1
        links = export.links_among(claims)
        assert links_csv(links, use_copy=True) == links_csv(links, use_copy=False)


def test_crlf_ends_each_copy_row_and_keeps_newlines_inside_cells():
    rows = [b"1,plain\n", b'2,"two\nlines"\n', b'3,"cr\r\nlf"\n']
    assert export._crlf(rows) == b'1,plain\r\n2,"two\nlines"\r\n3,"cr\r\nlf"\r\n'
    assert export._crlf([b"1,a\n", b"2,b\n"]) == b"1,a\r\n2,b\r\n"


def exported_peak(client):
    """Peak Python memory while a whole export is streamed, and the export's size.

    The least of three runs, each after a collection: the first after new rows also
    warms caches, and when the collector runs adds noise of a few hundred KB.
    """
    runs = []
    for _ in range(3):
        gc.collect()
        tracemalloc.start()
        try:
            response = client.get("/claims/export.csv")
            size = sum(len(chunk) for chunk in response.streaming_content)
            runs.append((tracemalloc.get_traced_memory()[1], size))
        finally:
            tracemalloc.stop()
    return min(runs)


def test_export_memory_stays_flat_as_rows_grow(client, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 100)
    monkeypatch.setattr(export, "CHUNK_BYTES", 16 * 1024)
    generate(claims=300, links=300, seed=1)
    small_peak, small_size = exported_peak(client)
    generate(claims=5700, links=5700, seed=2)
    large_peak, large_size = exported_peak(client)
    assert large_size > 20 * small_size
    # Twenty times the rows in about the same memory: holding the rows, or the file,
    # would grow the peak by more than the difference in size.
    assert large_peak - small_peak < (large_size - small_size) / 5


def fill(rows):
    """`rows` claims, each with a topic, a subject and a link."""
    topic, subject = TopicFactory(), SubjectFactory()
    claims = ClaimFactory.create_batch(rows)
    for claim, other in zip(claims, claims[1:] + claims[:1], strict=True):
        LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.CONTRADICTS)
        claim.topics.add(topic)
        claim.subjects.add(subject)


@pytest.mark.parametrize("rows", [5, 50])
def test_python_writer_runs_one_query_whatever_the_rows(rf, rows, django_assert_num_queries):
    fill(rows)
    with django_assert_num_queries(1):
        body = claims_csv(Claim.objects.order_by("pk"), rf, use_copy=False)
    assert len(rows_of(body)) == Claim.objects.count() + 1 >= rows + 1
    with django_assert_num_queries(1):
        links_csv(Link.objects.order_by("pk"), use_copy=False)


@pytest.mark.parametrize("rows", [5, 50])
def test_export_view_runs_a_fixed_number_of_queries(client, rows, django_assert_max_num_queries):
    fill(rows)
    topic = Claim.objects.first().topics.get()
    # The topic's lookup, the check before the first byte, then the rows.
    with django_assert_max_num_queries(3):
        body = body_of(client.get(f"/claims/export.csv?topic={topic.slug}"))
    assert len(rows_of(body)) == rows + 1


@pytest.mark.parametrize("use_copy", [False, pytest.param(True, marks=on_postgresql)])
def test_a_download_stopped_half_way_leaves_the_connection_usable(rf, small, use_copy):
    request = rf.get(reverse("claims:claims_csv"))
    chunks = export.claim_csv_chunks(Claim.objects.order_by("pk"), request, use_copy=use_copy)
    assert next(chunks).startswith(b"id,permalink,")
    chunks.close()  # as the server does, through the response, when the client goes away
    assert Claim.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("use_copy", [False, pytest.param(True, marks=on_postgresql)])
def test_a_long_download_stopped_half_way_leaves_the_connection_usable(rf, use_copy):
    generate(claims=20_000, links=0, seed=4)
    request = rf.get(reverse("claims:claims_csv"))
    chunks = export.claim_csv_chunks(Claim.objects.order_by("pk"), request, use_copy=use_copy)
    next(chunks), next(chunks)
    chunks.close()  # most rows not yet sent: the COPY is cancelled
    assert Claim.objects.count() == 20_000


def _topics_and_subjects(client, claim):
    response = client.get(reverse("claims:claims_csv"), {"source": claim.source_id})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = [row for row in rows if row["id"] == str(claim.pk)]
    return row["topics"], row["subjects"]


def test_topic_and_subject_cells_follow_every_change_in_code_point_order(client):
    claim = ClaimFactory(text="Uzbekistan accepted the envoy.")
    zeta, alpha = TopicFactory(title="Zeta question?"), TopicFactory(title="alpha question?")
    claim.topics.add(zeta, alpha)
    claim.subjects.add(SubjectFactory(name="Ö-land"), SubjectFactory(name="Uzbekistan"))
    # Code-point order: capitals before small letters, ASCII before "Ö".
    assert _topics_and_subjects(client, claim) == (
        "Zeta question?; alpha question?",
        "Uzbekistan; Ö-land",
    )
    alpha.title = "A question?"
    alpha.save()
    claim.topics.remove(zeta)
    assert _topics_and_subjects(client, claim)[0] == "A question?"
    alpha.delete()
    claim.subjects.clear()
    assert _topics_and_subjects(client, claim) == ("", "")


def test_saving_a_claim_loaded_before_its_topics_changed_keeps_the_new_topics(client):
    claim = ClaimFactory(text="Beijing accepted the envoy.")
    stale = Claim.objects.get(pk=claim.pk)
    claim.topics.add(TopicFactory(title="Which states accepted envoys?"))
    stale.text = "Beijing formally accepted the envoy."
    stale.save()
    assert _topics_and_subjects(client, claim)[0] == "Which states accepted envoys?"


def test_editing_a_topic_link_row_moves_the_name_to_the_right_claims(client):
    first, second = ClaimFactory(), ClaimFactory()
    topic = TopicFactory(title="Which states accepted envoys?")
    first.topics.add(topic)
    Claim.topics.through.objects.filter(claim=first).update(claim=second)
    assert _topics_and_subjects(client, first)[0] == ""
    assert _topics_and_subjects(client, second)[0] == "Which states accepted envoys?"
