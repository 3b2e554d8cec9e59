"""Import of claims and links from the export's own format (claims.imports)."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims import imports, liar2
from claims.dates import DatePrecision
from claims.importers import load_corpus
from claims.models import Claim, Link, Outlet, Source, Speaker, Subject, Topic
from tests.factories import ClaimFactory, SourceFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

HEADER = "id,text,kind,speaker,speaker_role,stated_on,stated_on_precision,source_id,source_title"


def upload(text, name="claims.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def exported(client):
    claims = client.get("/claims/export.csv?sort=oldest")
    links = client.get("/links/export.csv?sort=oldest")
    return b"".join(claims.streaming_content), b"".join(links.streaming_content)


def empty_the_database():
    Link.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.update(derived_from=None, derivation="")
    Source.objects.all().delete()
    for model in (Speaker, Outlet, Topic, Subject):
        model.objects.all().delete()


def test_an_export_imported_into_an_empty_database_exports_the_same_bytes(client):
    load_corpus()
    claims_csv, links_csv = exported(client)
    assert claims_csv.count(b"\r\n") > 90 and links_csv.count(b"\r\n") > 30

    empty_the_database()
    plan = imports.plan(upload(claims_csv.decode()), upload(links_csv.decode(), "links.csv"))
    assert plan.is_valid, [(row.number, row.errors) for row in plan.rows if row.errors]
    assert plan.claim_counts["new"] == claims_csv.count(b"\r\n") - 1
    imports.apply(plan)

    assert exported(client) == (claims_csv, links_csv)


def test_importing_the_same_files_again_changes_nothing(client):
    load_corpus()
    claims_csv, links_csv = exported(client)
    claims_before, links_before = Claim.objects.count(), Link.objects.count()

    plan = imports.plan(upload(claims_csv.decode()), upload(links_csv.decode(), "links.csv"))
    assert plan.is_valid
    assert plan.claim_counts == {"new": 0, "updated": 0, "unchanged": claims_before, "error": 0}
    assert plan.link_counts == {"new": 0, "updated": 0, "unchanged": links_before, "error": 0}
    assert plan.new == {}
    imports.apply(plan)
    assert (Claim.objects.count(), Link.objects.count()) == (claims_before, links_before)
    assert exported(client) == (claims_csv, links_csv)


def test_the_plan_writes_nothing_and_says_what_it_would_do():
    source = SourceFactory(title="Russia to delist the Taliban")
    speaker = SpeakerFactory(name="Zamir Kabulov")
    speaker.aliases.create(name="Kabulov")
    existing = ClaimFactory(
        source=source,
        speaker=speaker,
        text="Talks resume.",
        kind="quote",
        speaker_role="",
        stated_on=None,
        stated_on_precision="unknown",
    )
    csv_text = (
        f"{HEADER}\r\n"
        f"{existing.pk},Talks resume.,quote,Kabulov,,,unknown,{source.pk},\r\n"
        f",A new decision.,paraphrase,Kabulov,envoy,October 2024,,{source.pk},\r\n"
        f",Kabul disagrees.,quote,Zabihullah Mujahid,spokesman,4 Oct 2024,,{source.pk},\r\n"
    )
    counts = (Claim.objects.count(), Speaker.objects.count())
    plan = imports.plan(upload(csv_text))
    assert [row.outcome for row in plan.claims] == ["unchanged", "new", "new"]
    assert plan.new == {"speakers": ["Zabihullah Mujahid"]}
    second = plan.claims[1]
    assert "speaker “Kabulov” matched Zamir Kabulov by alias" in second.notes
    assert (second.record.stated_on, second.record.stated_on_precision) == (
        datetime.date(2024, 10, 1),
        DatePrecision.MONTH,
    )
    assert "date read as October 2024" in second.notes
    assert plan.claims[2].record.stated_on == datetime.date(2024, 10, 4)
    assert (Claim.objects.count(), Speaker.objects.count()) == counts


def test_every_error_names_its_row_column_and_reason():
    source = SourceFactory()
    csv_text = (
        f"{HEADER}\r\n"
        f",Fine.,assertion,,,,,{source.pk},\r\n"
        f",No speaker.,quote,,,,,{source.pk},\r\n"
        f",Bad date.,assertion,,,31 Febtember 2024,,{source.pk},\r\n"
        f",Bad kind.,rumour,,,,,{source.pk},\r\n"
        f",Too precise.,assertion,,,2024-10-04,month,{source.pk},\r\n"
        f"x,Bad id.,assertion,,,,,{source.pk},\r\n"
    )
    plan = imports.plan(upload(csv_text))
    assert not plan.is_valid
    errors = {row.number: row.errors for row in plan.claims if row.errors}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert errors[3][0][0] == "speaker" and "needs its speaker" in errors[3][0][1]
    assert errors[4][0][0] == "stated_on" and "is not a date this import reads" in errors[4][0][1]
    assert errors[5][0] == (
        "kind",
        "“rumour” is not a kind of claim; use quote, paraphrase or assertion.",
    )
    assert errors[6][0][0] == "stated_on"
    assert "for October 2024 write 2024-10" in errors[6][0][1]
    assert errors[7][0] == ("id", "“x” is not a whole number.")
    with pytest.raises(ValueError):
        imports.apply(plan)
    assert not Claim.objects.exists(), "one bad row: nothing is written"


def test_links_to_claims_that_are_nowhere_are_errors():
    claim = ClaimFactory()
    links = (
        "id,kind,claim_a_id,claim_b_id,note,created_at\r\n"
        f",corroborates,{claim.pk},999999,,\r\n"
        f",contradicts,{claim.pk},{ClaimFactory().pk},,\r\n"
    )
    plan = imports.plan(links_file=upload(links, "links.csv"))
    assert plan.links[0].errors == [
        ("claim_b_id", "there is no claim 999999 in the database or the claims file.")
    ]
    assert plan.links[1].errors == [("note", "Say what the contradiction is.")]


def test_cells_neutralised_by_the_export_are_read_as_they_were():
    source = SourceFactory()
    csv_text = f"{HEADER},context\r\n,'=SUM(A1:A2),assertion,,,,,{source.pk},,'-ish\r\n"
    plan = imports.plan(upload(csv_text))
    imports.apply(plan)
    claim = Claim.objects.get()
    assert (claim.text, claim.context) == ("=SUM(A1:A2)", "-ish")


def test_quote_integrity_is_checked_against_the_sources_text():
    source = SourceFactory(full_text="Kabulov said a “principal decision” has been made.")
    speaker = SpeakerFactory(name="Zamir Kabulov")
    csv_text = (
        f"{HEADER}\r\n"
        f",a “principal decision” has been made,paraphrase,{speaker.name},,,,{source.pk},\r\n"
        f",no decision was taken,paraphrase,{speaker.name},,,,{source.pk},\r\n"
    )
    plan = imports.plan(upload(csv_text))
    assert "quote found in the source text" in plan.claims[0].notes
    assert "not found in the source's stored text: check the words" in plan.claims[1].notes
    imports.apply(plan)
    located = Claim.objects.get(text__startswith="a ")
    assert located.integrity == Claim.Integrity.LOCATED


def test_an_xlsx_file_imports_like_its_csv():
    openpyxl = pytest.importorskip("openpyxl")
    source = SourceFactory()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["text", "kind", "stated_on", "source_id", "topics"])
    sheet.append(
        [
            "Talks resume.",
            "assertion",
            datetime.date(2024, 10, 4),
            source.pk,
            "Delisting; Recognition",
        ]
    )
    data = io.BytesIO()
    workbook.save(data)
    plan = imports.plan(SimpleUploadedFile("claims.xlsx", data.getvalue()))
    assert plan.is_valid, [row.errors for row in plan.claims]
    assert plan.new == {"topics": ["Delisting", "Recognition"]}
    imports.apply(plan)
    claim = Claim.objects.get()
    assert claim.stated_on == datetime.date(2024, 10, 4)
    assert sorted(claim.topics.values_list("title", flat=True)) == ["Delisting", "Recognition"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-10-04", (datetime.date(2024, 10, 4), DatePrecision.DAY)),
        ("4 Oct 2024", (datetime.date(2024, 10, 4), DatePrecision.DAY)),
        ("4 October 2024", (datetime.date(2024, 10, 4), DatePrecision.DAY)),
        ("October 4, 2024", (datetime.date(2024, 10, 4), DatePrecision.DAY)),
        ("2024-10", (datetime.date(2024, 10, 1), DatePrecision.MONTH)),
        ("October 2024", (datetime.date(2024, 10, 1), DatePrecision.MONTH)),
        ("2024", (datetime.date(2024, 1, 1), DatePrecision.YEAR)),
        ("", (None, DatePrecision.UNKNOWN)),
    ],
)
def test_dates_are_read_with_their_precision(text, expected):
    assert imports.parse_date(text) == expected


def test_a_file_that_is_not_a_table_is_refused_as_a_whole():
    plan = imports.plan(SimpleUploadedFile("claims.csv", b"\xff\xfe\x00garbage"))
    assert plan.file_errors == [
        "claims file: The file is not UTF-8 text (byte 1 cannot be read). Save it as CSV "
        "UTF-8 and upload it again."
    ]
    plan = imports.plan(upload("title,words\r\na,b\r\n"))
    assert "the header has no kind, text columns" in plan.file_errors[0]


# In the admin --------------------------------------------------------------------------


IMPORT = "/admin/claims/claim/import/"


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


def test_the_admin_previews_an_upload_and_writes_only_on_confirmation(editor_client, import_dir):
    source = SourceFactory()
    csv_text = (
        f"{HEADER}\r\n"
        f",Talks resume.,assertion,,,October 2024,,{source.pk},\r\n"
        f",The envoy agrees.,quote,Zamir Kabulov,envoy,,,{source.pk},\r\n"
    )
    page = editor_client.get("/admin/claims/claim/")
    assert 'href="/admin/claims/claim/import/"' in page.text

    preview = editor_client.post(IMPORT, {"claims_file": upload(csv_text)})
    assert preview.status_code == 200
    assert "What the import would do" in preview.text
    assert "New speakers (1)" in preview.text and "Zamir Kabulov" in preview.text
    assert "date read as October 2024" in preview.text
    assert preview.text.count('class="outcome-new"') == 2
    assert not Claim.objects.exists(), "the preview writes nothing"
    token = preview.context["token"]
    previewed = preview.context["previewed"]

    done = editor_client.post(IMPORT, {"token": token, "previewed": previewed, "confirm": "1"})
    assert done.status_code == 200
    page = b"".join(done.streaming_content).decode()
    assert "<li>new claims: 2 of 2 written</li>" in page
    assert "Imported: 2 new and 0 updated claims (0 unchanged)" in page
    assert Claim.objects.count() == 2
    claim = Claim.objects.get(text="The envoy agrees.")
    assert claim.speaker.name == "Zamir Kabulov"
    history = claim.history.get()
    assert history.history_change_reason == "import"
    assert list(import_dir.iterdir()) == [], "the files are removed once imported"


def test_a_file_with_an_error_cannot_be_confirmed(editor_client, import_dir):
    source = SourceFactory()
    csv_text = f"{HEADER}\r\n,Fine.,assertion,,,,,{source.pk},\r\n,Bad.,quote,,,,,{source.pk},\r\n"
    preview = editor_client.post(IMPORT, {"claims_file": upload(csv_text)})
    assert preview.status_code == 200
    assert "<code>speaker</code>: a quote or a paraphrase needs its speaker" in preview.text
    assert 'name="confirm"' not in preview.text
    assert "Nothing can be imported until every error below is fixed" in preview.text
    assert not Claim.objects.exists()


def test_a_confirmation_after_the_database_changed_shows_the_plan_again(editor_client, import_dir):
    source = SourceFactory()
    csv_text = f"{HEADER}\r\n7001,Talks resume.,assertion,,,,,{source.pk},\r\n"
    preview = editor_client.post(IMPORT, {"claims_file": upload(csv_text)})
    ClaimFactory(id=7001, kind="assertion", speaker=None, text="Something else.")

    again = editor_client.post(
        IMPORT,
        {
            "token": preview.context["token"],
            "previewed": preview.context["previewed"],
            "confirm": "1",
        },
    )
    assert again.status_code == 200
    assert "The database changed since the preview" in again.text
    assert Claim.objects.get(pk=7001).text == "Something else."


def test_a_reviewer_cannot_import(client, import_dir):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    client.force_login(reviewer)
    assert client.get(IMPORT).status_code == 403
    assert "/admin/claims/claim/import/" not in client.get("/admin/claims/claim/").text


# LIAR2 through the same importer -------------------------------------------------------

needs_liar2 = pytest.mark.skipif(
    not (liar2.DEFAULT_PATH / "test.csv").exists(),
    reason="LIAR2 is read from ../shared/datasets/liar2, absent here",
)


@needs_liar2
def test_a_liar2_sample_imports_through_the_same_path_and_again_changes_nothing():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import_liar2", limit=60, stdout=out)
    assert "60 statements read; plan: 60 new, 0 updated, 0 unchanged, 0 errors" in out.getvalue()
    first = liar2.statements(limit=1)[0]
    claim = Claim.objects.get(text=" ".join(first["statement"].split()))
    assert claim.kind == Claim.Kind.PARAPHRASE
    assert claim.source.title.startswith(f"PolitiFact fact-check {first['id']}: rated ")
    assert claim.stated_on == imports.parse_date(first["date"])[0]
    assert claim.source.outlet.name == "PolitiFact"

    again = io.StringIO()
    call_command("import_liar2", limit=60, stdout=again)
    assert "plan: 0 new, 0 updated, 60 unchanged, 0 errors" in again.getvalue()
    assert Claim.objects.count() == 60


def test_an_import_stopped_half_way_writes_nothing():
    source = SourceFactory()
    rows = "".join(f",Statement {n}.,quote,Speaker {n},,,,{source.pk},\r\n" for n in range(5))
    plan = imports.plan(upload(f"{HEADER}\r\n{rows}"))
    speakers = Speaker.objects.count()
    steps = imports.apply_steps(plan, batch=2)
    assert next(steps)[0].startswith("new sources, speakers")
    assert next(steps) == ("new claims", 2, 5)
    steps.close()  # the editor left the progress page
    assert not Claim.objects.exists()
    assert Speaker.objects.count() == speakers
