"""The JSON API: the list's filters and errors, cursor pages, one claim, OpenAPI."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from openapi_spec_validator import validate

from claims.dates import DatePrecision
from claims.models import Claim
from tests.factories import ClaimFactory, LinkFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def api(client, **query):
    response = client.get(reverse("claims:api_claims"), query)
    return response.status_code, response.json()


def every_page(client, **query):
    """The ids of every claim, following `next` to the end, and the pages it took."""
    ids, pages = [], 0
    response = client.get(reverse("claims:api_claims"), query)
    while True:
        body = response.json()
        assert response.status_code == 200, body
        ids += [claim["id"] for claim in body["results"]]
        pages += 1
        if body["next"] is None:
            return ids, pages
        response = client.get(body["next"])


def test_the_openapi_document_validates(client):
    document = client.get(reverse("claims:api_openapi")).json()
    validate(document)
    parameters = document["paths"]["/api/claims/"]["get"]["parameters"]
    assert {"speaker", "q", "has", "stated_after", "cursor"} <= {p["name"] for p in parameters}


def test_filters_mean_what_they_mean_on_the_list(client):
    kabulov = SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov")
    quote = ClaimFactory(speaker=kabulov, kind=Claim.Kind.QUOTE)
    ClaimFactory(speaker=kabulov, kind=Claim.Kind.PARAPHRASE)
    ClaimFactory(kind=Claim.Kind.QUOTE)
    query = {"speaker": "Zamir Kabulov", "kind": "quote"}
    status, body = api(client, **query)
    page = client.get(reverse("claims:claim_list"), query)
    assert status == 200
    assert [claim["id"] for claim in body["results"]] == [quote.pk]
    assert [claim.pk for claim in page.context["claims"]] == [quote.pk]
    assert body["results"][0]["speaker"]["slug"] == "zamir-kabulov"


def test_bad_filters_are_400s_with_the_lists_messages(client):
    query = {"stated_after": "2024-10-05", "stated_before": "2024-10-01", "colour": "red"}
    status, body = api(client, **query)
    page = client.get(reverse("claims:claim_list"), query).context["filters"]
    assert status == 400
    assert body["errors"]["stated_before"] == list(page.errors["stated_before"])
    assert "Unknown parameter “colour”." in body["errors"]["__all__"]
    assert api(client, limit="5000")[0] == 400
    assert api(client, cursor="forged")[1]["errors"]["cursor"]
    assert "sort" in api(client, sort="relevance", q="Taliban")[1]["errors"]


@pytest.mark.parametrize("sort", ["newest", "oldest", "added"])
def test_cursor_pages_visit_every_claim_once_in_the_lists_order(client, sort):
    day = datetime.date(2024, 10, 1)
    for n in range(7):  # ties on the date, and claims of unknown date
        dated = n % 3 != 0
        ClaimFactory(
            stated_on=day + datetime.timedelta(days=n // 2) if dated else None,
            stated_on_precision=DatePrecision.DAY if dated else DatePrecision.UNKNOWN,
        )
    ids, pages = every_page(client, sort=sort, limit=2)
    listed = client.get(reverse("claims:claim_list"), {"sort": sort}).context["claims"]
    assert ids == [claim.pk for claim in listed]
    assert pages == 4


def test_one_claim_has_its_links_and_evidence(client):
    claim, other = ClaimFactory(), ClaimFactory()
    LinkFactory(claim_a=other, claim_b=claim, kind="corroborates", note="Same briefing.")
    body = client.get(reverse("claims:api_claim", args=[claim.pk])).json()
    assert body["links"] == [
        {
            "id": body["links"][0]["id"],
            "kind": "corroborates",
            "note": "Same briefing.",
            "claim": {
                "id": other.pk,
                "text": other.text,
                "api_url": f"http://testserver/api/claims/{other.pk}/",
            },
        }
    ]
    assert body["evidence"]["link_count"] == 1
    assert body["evidence"]["corroborating_reports"] == 1
    assert client.get(reverse("claims:api_claim", args=[claim.pk + 100])).status_code == 404


@override_settings(READ_REQUIRES_LOGIN=True)
def test_the_api_follows_the_pages_reading_rules(client):
    response = client.get(reverse("claims:api_claims"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_page_costs_the_same_queries_however_many_claims_it_holds(
    client, django_assert_max_num_queries
):
    ClaimFactory.create_batch(3)
    with django_assert_max_num_queries(20) as few:
        api(client, limit=3)
    ClaimFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        status, body = api(client, limit=30)
    assert status == 200 and len(body["results"]) == 30


@pytest.mark.parametrize("name", ["links", "speakers", "sources", "topics"])
def test_each_listing_pages_through_every_row_once(client, name):
    from claims.models import Link, Source, Speaker, Topic
    from tests.factories import TopicFactory

    LinkFactory.create_batch(3)  # claims, speakers and sources with them
    TopicFactory.create_batch(3)
    model = {"links": Link, "speakers": Speaker, "sources": Source, "topics": Topic}[name]
    url = reverse(f"claims:api_{name}")
    ids, response = [], client.get(url, {"limit": 2})
    while True:
        body = response.json()
        assert response.status_code == 200, body
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        response = client.get(body["next"])
    assert ids == list(model.objects.order_by("pk").values_list("pk", flat=True))
    assert client.get(url, {"speaker": "x"}).status_code == 400
