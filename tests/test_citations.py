"""Citations a reference manager reads: each format parsed by a library made for it."""

import datetime
import json

import bibtexparser
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from django.urls import reverse

from claims.dates import DatePrecision
from claims.models import Claim, Source
from tests.factories import ClaimFactory, OutletFactory, SourceFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quoted():
    source = SourceFactory(
        title="Russia to delist the Taliban {at last} & 100% sure_",
        kind=Source.Kind.NEWS_REPORT,
        outlet=OutletFactory(name="TASS"),
        authors="Anna Smith and Reuters staff",
        url="https://example.org/delist",
        published_on=datetime.date(2024, 10, 1),
        published_on_precision=DatePrecision.MONTH,
    )
    return ClaimFactory(
        source=source,
        speaker=SpeakerFactory(name="Zamir Kabulov"),
        speaker_role="special envoy",
        kind=Claim.Kind.QUOTE,
        text="The Taliban are the real power.\nThey govern.",
        stated_on=datetime.date(2024, 9, 30),
        stated_on_precision=DatePrecision.DAY,
    )


def download(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode()


def cite(client, claim, kind):
    return download(client, reverse("claims:claim_cite", args=[claim.pk, kind]))


def test_csl_json_renders_in_a_named_style(client, quoted):
    items = json.loads(cite(client, quoted, "json"))
    assert [item["id"] for item in items] == [f"claim-{quoted.pk}"]
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("harvard-cite-them-right", validate=False), source, formatter.plain
    )
    bibliography.register(Citation([CitationItem(f"claim-{quoted.pk}")]))
    (entry,) = [str(item) for item in bibliography.bibliography()]
    assert "Russia to delist the Taliban" in entry
    assert "2024" in entry and "TASS" in entry and "Smith" in entry
    assert items[0]["issued"] == {"date-parts": [[2024, 10]]}  # the month, not a day
    assert "Zamir Kabulov (special envoy), 30 September 2024" in items[0]["note"]
    assert items[0]["note"].endswith(f"/claims/{quoted.pk}/")


def test_ris_reads_back_with_rispy(client, quoted):
    (entry,) = rispy.loads(cite(client, quoted, "ris"))
    assert entry["type_of_reference"] == "NEWS"
    assert entry["title"] == "Russia to delist the Taliban {at last} & 100% sure_"
    assert entry["authors"] == ["Anna Smith", "Reuters staff"]
    assert entry["secondary_title"] == "TASS"
    assert entry["year"] == "2024" and entry["date"].startswith("2024/10/")
    assert entry["urls"] == ["https://example.org/delist"]
    # The claim's two lines are one RIS value: a newline would start a bogus tag.
    assert entry["abstract"] == "The Taliban are the real power. They govern."
    assert f"Claim Tracker #{quoted.pk}" in entry["notes"][0]


def test_bibtex_reads_back_with_bibtexparser(client, quoted):
    database = bibtexparser.loads(cite(client, quoted, "bib"))
    (entry,) = database.entries
    assert entry["ENTRYTYPE"] == "article" and entry["ID"] == f"claim{quoted.pk}"
    # Braces, & and % are escaped, so the title survives as one value.
    assert entry["title"] == r"Russia to delist the Taliban \{at last\} \& 100\% sure\_"
    assert entry["journal"] == "TASS"
    assert entry["author"] == "{Anna Smith} and {Reuters staff}"
    assert (entry["year"], entry["date"], entry["month"]) == ("2024", "2024-10", "October")
    assert entry["url"] == "https://example.org/delist"


@pytest.mark.parametrize("kind", ["json", "ris", "bib"])
def test_a_filtered_list_cites_exactly_its_claims_in_its_order(client, kind):
    kabulov = SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov")
    wanted = [
        ClaimFactory(speaker=kabulov, stated_on=datetime.date(2024, 10, day)) for day in (1, 9)
    ]
    ClaimFactory()  # another speaker's
    text = download(
        client, reverse("claims:claims_cite", args=[kind]), speaker="zamir-kabulov", sort="oldest"
    )
    if kind == "json":
        ids = [item["id"] for item in json.loads(text)]
    elif kind == "ris":
        ids = [entry["id"] for entry in rispy.loads(text)]
    else:
        ids = [entry["ID"].replace("claim", "claim-") for entry in bibtexparser.loads(text).entries]
    assert ids == [f"claim-{claim.pk}" for claim in wanted]


def test_an_empty_list_is_a_valid_empty_file(client):
    url = reverse("claims:claims_cite", args=["json"])
    assert json.loads(download(client, url, q="zebrafish")) == []


def test_a_bad_filter_is_a_400_and_no_file(client):
    response = client.get(reverse("claims:claims_cite", args=["ris"]), {"stated_after": "soon"})
    assert response.status_code == 400
    assert "stated_after" in response.content.decode()


def test_claim_and_list_pages_link_to_their_citations(client, quoted):
    page = client.get(quoted.get_absolute_url()).content.decode()
    for kind in ("json", "ris", "bib"):
        assert reverse("claims:claim_cite", args=[quoted.pk, kind]) in page
    listing = client.get(reverse("claims:claim_list"), {"kind": "quote"}).content.decode()
    assert reverse("claims:claims_cite", args=["ris"]) + "?kind=quote" in listing
