"""No request is a 500: searches the database cannot parse, request limits, exports."""

import csv
import io
import logging

import pytest
from django.urls import reverse

from claims import export, search
from claims.models import Claim
from tests.factories import ClaimFactory, SpeakerAliasFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("claims:claim_list")
EXPORTS = [reverse("claims:claims_csv"), reverse("claims:links_csv")]


@pytest.fixture
def claims():
    kabulov = SpeakerFactory(name="Zamir Kabulov")
    return {
        "envoy": ClaimFactory(text="Russia will keep its envoy in Kabul", speaker=kabulov),
        "sanctions": ClaimFactory(text="The sanctions on the Taliban stay in place"),
        "power": ClaimFactory(text="The Taliban hold actual power in Afghanistan"),
    }


def listed(client, q):
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200, response.content[:500]
    return {claim.text for claim in response.context["claims"]}


@pytest.mark.parametrize(
    "q",
    ["-" * 33, "-" * 200 + "taliban", "- " * 40, "-(" * 40, "(-" * 40, "-!" * 40, "-&" * 40],
)
def test_searches_postgresql_cannot_parse_are_refused_with_a_reason(client, claims, q):
    for url in [LIST, *EXPORTS]:
        response = client.get(url, {"q": q})
        assert response.status_code == 400, (url, response.status_code)
        assert "no words to look for" in response.content.decode()


def test_hyphen_runs_around_a_word_still_search_for_it(client, claims):
    assert listed(client, "taliban " + "-" * 40 + " power") == {claims["power"].text}
    assert listed(client, "- " * 40 + "envoy") == {claims["envoy"].text}


def test_search_syntax_means_the_same_on_every_database(client, claims):
    assert listed(client, "taliban -sanctions") == {claims["power"].text}
    assert listed(client, "envoy or sanctions") == {claims["envoy"].text, claims["sanctions"].text}
    assert listed(client, '"actual power"') == {claims["power"].text}
    # The words match a claim's text or its speaker's name; exclusions, the text.
    assert listed(client, "kabulov") == {claims["envoy"].text}
    assert listed(client, "russia -kabulov") == {claims["envoy"].text}
    assert listed(client, "kabulov -sanctions") == {claims["envoy"].text}
    assert listed(client, "kabulov -envoy") == set()
    assert listed(client, "kabulov or sanctions") == {
        claims["envoy"].text,
        claims["sanctions"].text,
    }


def test_a_search_finds_a_speaker_by_a_word_only_an_alias_holds(client, claims):
    SpeakerAliasFactory(speaker=claims["envoy"].speaker, name="Zamir Nabievich Kabulov")
    assert listed(client, "nabievich") == {claims["envoy"].text}
    assert listed(client, "nabievich -envoy") == set()


def test_a_search_of_too_many_words_is_refused_naming_the_limit(client, claims):
    q = " ".join(f"word{n}" for n in range(search.MAX_TERMS + 1))
    response = client.get(LIST, {"q": q})
    assert response.status_code == 400
    assert f"at most {search.MAX_TERMS}" in response.content.decode()
    assert listed(client, " ".join(["taliban"] * search.MAX_TERMS)) == {
        claims["sanctions"].text,
        claims["power"].text,
    }


@pytest.mark.parametrize("debug", [False, True])
def test_too_many_parameters_is_a_400_that_names_the_problem(client, settings, debug):
    settings.DEBUG = debug
    query = "&".join(f"p{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    for url in [LIST, reverse("claims:home"), *EXPORTS]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        body = response.content.decode()
        assert "more than 1,000 parameters" in body
        assert "Traceback" not in body


def test_a_body_over_the_limit_is_a_400_that_names_the_limit(editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = editor_client.post(
        reverse("admin:claims_outlet_add"), {"name": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()


def test_a_request_error_on_an_export_is_plain_text_too(client, settings):
    query = "&".join(f"p{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"{EXPORTS[0]}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "more than 1,000 parameters" in response.content.decode()
    response = client.get(EXPORTS[0], {"speaker": "Кабулов"})
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Кабулов" in response.content.decode("utf-8")


def test_a_disallowed_host_is_a_400_that_says_so(client):
    response = client.get(LIST, headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "does not answer to the host name" in response.content.decode()


def test_an_export_that_fails_after_its_first_byte_says_so_in_the_file(
    client, claims, monkeypatch, caplog
):
    def failing(rows, permalink):
        yield from []
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(export, "_claim_cells", failing)
    monkeypatch.setattr(export, "_crlf", lambda rows: failing(None, None).__next__())
    with caplog.at_level(logging.ERROR, logger="claims.export"):
        response = client.get(EXPORTS[0])
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body.startswith(b"id,permalink,")
    assert body.endswith(export.INCOMPLETE)
    last = list(csv.reader(io.StringIO(body.decode())))[-1]
    assert last[0].startswith("# EXPORT INCOMPLETE")
    assert "The claims export failed" in caplog.text
    assert "the disk went away" in caplog.text
    assert Claim.objects.count() == 3  # the connection is still usable


def test_a_claim_over_the_limit_comes_back_with_its_text_and_the_limit(editor_client):
    claim = ClaimFactory()
    text = " ".join(f"word{n}" for n in range(2_000))  # 17,889 characters, distinct words
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    response = editor_client.post(url, {**data, "text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert "at most 10,000 characters" in page
    assert text in page  # the editor's text is on the form, not lost
    claim.refresh_from_db()
    assert claim.text != text


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [("claim", "text", 10_000), ("source", "full_text", 5_000_000), ("link", "note", 20_000)],
)
def test_the_database_refuses_text_over_its_limit(model, field, limit):
    from django.db import IntegrityError, transaction

    from claims.models import Link, Source
    from tests.factories import LinkFactory

    obj = {"claim": ClaimFactory, "source": lambda: ClaimFactory().source, "link": LinkFactory}[
        model
    ]()
    manager = {"claim": Claim, "source": Source, "link": Link}[model].objects
    with pytest.raises(IntegrityError), transaction.atomic():
        manager.filter(pk=obj.pk).update(**{field: "x" * (limit + 1)})
    manager.filter(pk=obj.pk).update(**{field: "x" * limit})


def _admin_form_data(client, url):
    form = client.get(url).context["adminform"].form
    return {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }


def test_a_long_transcript_saves_and_one_over_the_limit_comes_back(editor_client):
    source = ClaimFactory().source
    url = reverse("admin:claims_source_change", args=[source.pk])
    data = _admin_form_data(editor_client, url)
    data.update(
        {f"claims-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}
    )
    transcript = ("Q: And then? A: Then we talked about the envoy again. " * 66_000)[:3_500_000]
    response = editor_client.post(url, {**data, "full_text": transcript})
    source.refresh_from_db()
    assert source.full_text == transcript, response.content.decode()[-3000:]

    too_long = transcript + "x" * 1_600_000
    response = editor_client.post(url, {**data, "full_text": too_long})
    assert response.status_code == 200
    assert "at most 5,000,000 characters" in response.content.decode()
    source.refresh_from_db()
    assert source.full_text == transcript
