"""No lost edits: a save over a newer save is refused and says what changed."""

import re

import pytest
from django.urls import reverse

from claims.models import Claim, Link
from tests.factories import ClaimFactory, LinkFactory, SourceFactory, TopicFactory, editor
from tests.test_admin import claim_form, management_form

pytestmark = pytest.mark.django_db


def opened(client, url):
    """Open the change form as an editor would: the record it carries."""
    page = client.get(url)
    assert page.status_code == 200
    (value,) = re.findall(r'name="_opened" value="([^"]+)"', page.text)
    return value


def claim_post(claim, **fields):
    data = claim_form(
        text=claim.text,
        kind=claim.kind,
        speaker=claim.speaker_id or "",
        source=claim.source_id,
        speaker_role=claim.speaker_role,
        stated_on=claim.stated_on.isoformat() if claim.stated_on else "",
        stated_on_precision=claim.stated_on_precision,
    )
    data.update(fields)
    return data


@pytest.fixture
def two_editors(client):
    from django.test import Client

    first, second = client, Client()
    first.force_login(editor())
    second.force_login(editor())
    return first, second


def test_second_save_of_a_claim_is_refused_and_shows_what_changed(two_editors):
    first, second = two_editors
    claim = ClaimFactory(speaker_role="envoy")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    first_opened, second_opened = opened(first, url), opened(second, url)

    saved = first.post(url, claim_post(claim, speaker_role="special envoy", _opened=first_opened))
    assert saved.status_code == 302

    refused = second.post(url, claim_post(claim, context="Moscow Format", _opened=second_opened))
    assert refused.status_code == 200
    assert "Someone else saved this claim after you opened it" in refused.text
    assert "Speaker role: was “envoy” when you opened the form, now “special envoy”" in refused.text
    claim.refresh_from_db()
    assert (claim.speaker_role, claim.context) == ("special envoy", "")
    # The editor's own edit is kept in the form, not lost.
    assert 'value="Moscow Format"' in refused.text

    # Having read what changed, saving again is a choice, and it goes through.
    again = opened_from(refused)
    resaved = second.post(
        url,
        claim_post(claim, speaker_role="special envoy", context="Moscow Format", _opened=again),
    )
    assert resaved.status_code == 302
    claim.refresh_from_db()
    assert (claim.speaker_role, claim.context) == ("special envoy", "Moscow Format")


def opened_from(response):
    (value,) = re.findall(r'name="_opened" value="([^"]+)"', response.text)
    return value


def test_the_refusal_names_who_saved_last(two_editors):
    first, second = two_editors
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    second_opened = opened(second, url)
    first.post(url, claim_post(claim, context="Doha", _opened=opened(first, url)))
    saver = Claim.history.filter(id=claim.pk).order_by("-history_date").first().history_user

    refused = second.post(url, claim_post(claim, _opened=second_opened))
    assert f"The last save was by {saver.username} at " in refused.text


def test_a_topic_added_by_someone_else_is_not_removed_by_a_stale_form(two_editors):
    first, second = two_editors
    claim = ClaimFactory()
    topic = TopicFactory(title="Recognition")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    second_opened = opened(second, url)
    assert (
        first.post(url, claim_post(claim, topics=[topic.pk], _opened=opened(first, url)))
    ).status_code == 302

    refused = second.post(url, claim_post(claim, _opened=second_opened))
    assert refused.status_code == 200
    assert "Topics: was “empty” when you opened the form, now “Recognition”" in refused.text
    assert list(claim.topics.all()) == [topic]


def test_a_link_changed_elsewhere_refuses_the_claim_form_that_showed_it(two_editors):
    first, second = two_editors
    link = LinkFactory(note="Both report the decision.")
    claim = link.claim_a
    claim_url = reverse("admin:claims_claim_change", args=[claim.pk])
    claim_opened = opened(second, claim_url)

    link_url = reverse("admin:claims_link_change", args=[link.pk])
    changed = first.post(
        link_url,
        {
            "claim_a": link.claim_a_id,
            "kind": Link.Kind.CONTRADICTS,
            "claim_b": link.claim_b_id,
            "note": "They disagree on the date.",
            "_opened": opened(first, link_url),
        },
    )
    assert changed.status_code == 302

    data = claim_post(claim, _opened=claim_opened)
    data.update(
        {
            **management_form("links_as_a", total=1, initial=1),
            "links_as_a-0-id": link.pk,
            "links_as_a-0-claim_a": claim.pk,
            "links_as_a-0-kind": Link.Kind.CORROBORATES,
            "links_as_a-0-claim_b": link.claim_b_id,
            "links_as_a-0-note": "Both report the decision.",
        }
    )
    refused = second.post(claim_url, data)
    assert refused.status_code == 200
    assert (
        f"link #{link.pk}: Kind: was “Corroborates” when you opened the form, now “Contradicts”"
    ) in refused.text
    linker = Link.history.filter(id=link.pk).order_by("-history_date").first().history_user
    assert f"The last save was by {linker.username} at " in refused.text
    link.refresh_from_db()
    assert (link.kind, link.note) == (Link.Kind.CONTRADICTS, "They disagree on the date.")


def test_second_save_of_a_link_is_refused(two_editors):
    first, second = two_editors
    link = LinkFactory()
    url = reverse("admin:claims_link_change", args=[link.pk])
    first_opened, second_opened = opened(first, url), opened(second, url)

    def post(client, note, token):
        return client.post(
            url,
            {
                "claim_a": link.claim_a_id,
                "kind": link.kind,
                "claim_b": link.claim_b_id,
                "note": note,
                "_opened": token,
            },
        )

    assert post(first, "First editor's note.", first_opened).status_code == 302
    refused = post(second, "Second editor's note.", second_opened)
    assert refused.status_code == 200
    assert "Someone else saved this link after you opened it" in refused.text
    link.refresh_from_db()
    assert link.note == "First editor's note."


def test_second_save_of_a_source_is_refused_and_a_long_text_is_named_not_quoted(two_editors):
    first, second = two_editors
    source = SourceFactory(full_text="Old text. " * 300)
    url = reverse("admin:claims_source_change", args=[source.pk])
    first_opened, second_opened = opened(first, url), opened(second, url)

    def post(client, token, **fields):
        data = {
            "title": source.title,
            "kind": source.kind,
            "outlet": source.outlet_id,
            "authors": "",
            "url": source.url,
            "published_on": source.published_on.isoformat(),
            "published_on_precision": source.published_on_precision,
            "accessed_on": "",
            "language": source.language,
            "full_text": source.full_text,
            "notes": "",
            "derived_from": "",
            "derivation": source.derivation,
            "wire": "",
            "_opened": token,
            **management_form("claims"),
        }
        data.update(fields)
        return client.post(url, data)

    saved = post(first, first_opened, full_text="New text. " * 300)
    assert saved.status_code == 302, saved.context["errors"] if saved.context else ""
    refused = post(second, second_opened, notes="Checked against the print edition.")
    assert refused.status_code == 200
    assert "Full text: changed" in refused.text
    assert "Old text. Old text." not in refused.text.split("What changed")[1].split("</ul>")[0]
    source.refresh_from_db()
    assert source.full_text.startswith("New text.") and source.notes == ""


def test_a_tampered_record_is_refused(two_editors):
    first, _ = two_editors
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    refused = first.post(url, claim_post(claim, context="Kabul", _opened="forged"))
    assert refused.status_code == 200
    assert "record of what it showed is damaged" in refused.text
    claim.refresh_from_db()
    assert claim.context == ""


def test_a_save_with_nothing_changed_in_between_goes_through(two_editors):
    first, _ = two_editors
    claim = ClaimFactory()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    saved = first.post(url, claim_post(claim, context="Kabul", _opened=opened(first, url)))
    assert saved.status_code == 302
    claim.refresh_from_db()
    assert claim.context == "Kabul"
