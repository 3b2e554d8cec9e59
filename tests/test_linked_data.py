"""Claim and topic pages carry schema.org JSON-LD that a JSON-LD processor reads."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from pyld import jsonld

from claims.dates import DatePrecision
from claims.models import Claim
from tests.factories import (
    ClaimFactory,
    OutletFactory,
    SourceFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

S = "https://schema.org/"


def graph(response):
    """The page's JSON-LD, flattened by pyld into {node id: node}."""
    found = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(found) == 1
    # The vocabulary is inline: no document is fetched (pyld would raise if one were).
    flat = jsonld.flatten(json.loads(found[0]))
    return {node["@id"]: node for node in flat}


def value(node, name):
    return [item.get("@value", item.get("@id")) for item in node.get(S + name, [])]


def typed(nodes, kind):
    return [node for node in nodes.values() if S + kind in node.get("@type", [])]


def test_a_quote_is_a_claim_by_its_speaker_at_its_date_precision_in_its_source(client):
    outlet = OutletFactory(name="TASS")
    source = SourceFactory(
        title="Russia to delist the Taliban",
        outlet=outlet,
        url="https://example.org/delist",
        published_on=datetime.date(2024, 10, 4),
        published_on_precision=DatePrecision.DAY,
    )
    speaker = SpeakerFactory(name="Zamir Kabulov")
    claim = ClaimFactory(
        source=source,
        speaker=speaker,
        kind=Claim.Kind.QUOTE,
        text='The Taliban are "the real power" </script><b>',
        stated_on=datetime.date(2024, 10, 1),
        stated_on_precision=DatePrecision.MONTH,
    )
    claim.subjects.add(SubjectFactory(name="Taliban"))
    response = client.get(claim.get_absolute_url())
    nodes = graph(response)
    page = response.wsgi_request.build_absolute_uri(claim.get_absolute_url())

    node = nodes[page]
    assert node["@type"] == [S + "Claim"]
    assert value(node, "text") == [claim.text]  # escaped in the HTML, intact in the graph
    assert value(node, "datePublished") == ["2024-10"]  # the month, not a made-up day
    author = nodes[value(node, "author")[0]]
    assert author["@type"] == [S + "Person"] and value(author, "name") == ["Zamir Kabulov"]
    work = nodes[value(node, "appearance")[0]]
    assert work["@type"] == [S + "CreativeWork"]
    assert value(work, "name") == ["Russia to delist the Taliban"]
    assert value(work, "datePublished") == ["2024-10-04"]
    assert value(work, "url") == ["https://example.org/delist"]
    assert value(nodes[value(work, "publisher")[0]], "name") == ["TASS"]
    (quotation,) = typed(nodes, "Quotation")
    assert value(quotation, "text") == [claim.text]
    assert value(quotation, "spokenByCharacter") == [author["@id"]]
    assert [value(nodes[about], "name") for about in value(node, "about")] == [["Taliban"]]


def test_a_paraphrase_has_no_quotation_and_an_unknown_date_no_date(client):
    claim = ClaimFactory(
        kind=Claim.Kind.PARAPHRASE, stated_on=None, stated_on_precision=DatePrecision.UNKNOWN
    )
    nodes = graph(client.get(claim.get_absolute_url()))
    (node,) = typed(nodes, "Claim")
    assert typed(nodes, "Quotation") == []
    assert S + "datePublished" not in node


def test_a_topic_page_describes_its_question_and_answers(client):
    topic = TopicFactory(
        title="Who governs Afghanistan?", description="Recognition of the Taliban."
    )
    topic.answer_subjects.set([SubjectFactory(name="Taliban"), SubjectFactory(name="NRF")])
    nodes = graph(client.get(reverse("claims:topic_detail", args=[topic.slug])))
    (question,) = typed(nodes, "Question")
    assert value(question, "name") == ["Who governs Afghanistan?"]
    assert value(question, "text") == ["Recognition of the Taliban."]
    answers = sorted(value(nodes[about], "name")[0] for about in value(question, "about"))
    assert answers == ["NRF", "Taliban"]
