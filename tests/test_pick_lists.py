"""Filters by name: type-ahead options, and names typed without them."""

import pytest
from django.urls import reverse

from claims.models import SpeakerAlias
from tests.factories import ClaimFactory, OutletFactory, SourceFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def listed(response):
    return [claim.pk for claim in response.context["claims"]]


def options(client, name, typed):
    response = client.get(reverse("claims:pick_list", args=[name]), {name: typed})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<datalist id="{name}-options">')
    return body


def test_speaker_options_match_names_and_aliases_best_first(client):
    kabulov = SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov", affiliation="MFA")
    SpeakerAlias.objects.create(speaker=kabulov, name="Kabulov")
    SpeakerFactory(name="Ali Kabulovich", slug="ali-kabulovich")
    body = options(client, "speaker", "kabulov")
    assert body.index('value="zamir-kabulov"') < body.index('value="ali-kabulovich"')
    assert "Zamir Kabulov (MFA)" in body


def test_options_are_escaped_and_short_input_offers_nothing(client):
    SpeakerFactory(name="<script>alert(1)</script> Envoy", slug="envoy")
    body = options(client, "speaker", "envoy")
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "<option" not in options(client, "speaker", "e")


def test_an_unknown_pick_list_is_a_404(client):
    assert client.get(reverse("claims:pick_list", args=["password"])).status_code == 404


def test_a_name_or_an_alias_typed_without_the_list_filters_as_the_slug_does(client):
    kabulov = SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov")
    SpeakerAlias.objects.create(speaker=kabulov, name="Kabulov")
    said = ClaimFactory(speaker=kabulov)
    ClaimFactory()
    url = reverse("claims:claim_list")
    by_slug = listed(client.get(url, {"speaker": "zamir-kabulov"}))
    assert by_slug == [said.pk]
    assert listed(client.get(url, {"speaker": "zamir kabulov"})) == by_slug
    assert listed(client.get(url, {"speaker": "Kabulov"})) == by_slug


def test_a_name_two_records_share_is_a_400_naming_both(client):
    SpeakerFactory(name="Ahmad Shah", slug="ahmad-shah-1")
    SpeakerFactory(name="Ahmad Shah", slug="ahmad-shah-2")
    response = client.get(reverse("claims:claim_list"), {"speaker": "Ahmad Shah"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "names more than one speaker" in body
    assert "ahmad-shah-1" in body and "ahmad-shah-2" in body


def test_outlet_source_and_via_take_names_too(client):
    tass = OutletFactory(name="TASS", slug="tass")
    source = SourceFactory(title="Russia to delist the Taliban", outlet=tass)
    claim = ClaimFactory(source=source, via=tass)
    ClaimFactory()
    url = reverse("claims:claim_list")
    for query in (
        {"outlet": "tass"},
        {"via": "TASS"},
        {"source": "russia to delist the taliban"},
        {"source": str(source.pk)},
    ):
        assert listed(client.get(url, query)) == [claim.pk], query
    body = options(client, "source", "delist")
    assert f'value="{source.pk}"' in body and "Russia to delist the Taliban (TASS" in body
