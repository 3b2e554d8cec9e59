"""New source from text: paste an article, review the assist's candidates, save them all."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims.models import Claim, Source, Speaker
from tests.factories import (
    ClaimFactory,
    OutletFactory,
    SpeakerAliasFactory,
    SpeakerFactory,
    UserFactory,
)

URL = reverse("admin:claims_source_from_text")

ARTICLE = (
    "Russian Foreign Minister Sergey Lavrov said on Thursday that Moscow would keep its "
    "embassy in Kabul open. “We will not abandon our partners in Kabul, whatever happens "
    "next,” he told TASS.\n\n"
    "Zamir Kabulov, the Kremlin’s envoy, said Russia would recognise the government only "
    "when it was inclusive."
)


@pytest.fixture
def directory(db):
    lavrov = SpeakerFactory(name="Sergey Lavrov", slug="sergey-lavrov")
    SpeakerAliasFactory(speaker=lavrov, name="Sergei Lavrov")
    tass = OutletFactory(name="TASS", slug="tass")
    return lavrov, tass


def article(**fields):
    return {
        "_step": "extract",
        "title": "Moscow keeps its embassy open",
        "kind": Source.Kind.NEWS_REPORT,
        "outlet": "",
        "authors": "",
        "url": "https://example.org/embassy",
        "published_on": "2024-10-04",  # a Friday
        "published_on_precision": "day",
        "language": "en",
        "full_text": ARTICLE,
        **fields,
    }


def review(client, **fields):
    response = client.post(URL, article(**fields))
    assert response.status_code == 200
    return response


def saved_form(response, changes=None):
    """The review page's form as the browser would post it, with `changes` by form."""
    formset = response.context["formset"]
    data = {**article(), "_step": "save"}
    data.update(
        {
            f"form-{key}": value
            for key, value in {
                "TOTAL_FORMS": formset.total_form_count(),
                "INITIAL_FORMS": formset.initial_form_count(),
                "MIN_NUM_FORMS": 0,
                "MAX_NUM_FORMS": 1000,
            }.items()
        }
    )
    for index, form in enumerate(formset.forms):
        for name in form.fields:
            value = form[name].value()
            if value is None:
                value = ""
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            data[f"form-{index}-{name}"] = value
    for index, fields in (changes or {}).items():
        for name, value in fields.items():
            data[f"form-{index}-{name}"] = value
    return data


def test_pasting_an_article_proposes_its_claims_and_stores_nothing(editor_client, directory):
    lavrov, tass = directory
    response = review(editor_client)
    forms = response.context["formset"].forms
    proposed = [(form["kind"].value(), form["speaker"].value()) for form in forms[:-1]]
    assert proposed == [
        ("paraphrase", "Sergey Lavrov"),
        ("quote", "Sergey Lavrov"),
        ("paraphrase", "Zamir Kabulov"),
    ]
    paraphrase, quote, _ = forms[:-1]
    # "on Thursday" in a piece published on Friday 4 October 2024.
    assert paraphrase["stated_on"].value() == datetime.date(2024, 10, 3)
    assert quote["text"].value() == (
        "We will not abandon our partners in Kabul, whatever happens next"
    )
    assert quote["via"].value() == tass.pk
    page = response.content.decode()
    assert "Attributed to Sergey Lavrov, the nearest speaker named before it." in page
    assert "“Zamir Kabulov” is not a known speaker: proposed as new." in page
    assert "<mark>We will not abandon" in page
    assert not Source.objects.exists()
    assert not Claim.objects.exists()


def test_the_editor_edits_one_rejects_one_and_saves_them_all_at_once(editor_client, directory):
    lavrov, tass = directory
    response = review(editor_client)
    data = saved_form(
        response,
        {
            0: {"text": "Moscow would keep its embassy in Kabul open"},
            2: {"decision": "reject"},
        },
    )
    response = editor_client.post(URL, data)
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:claims_source_change", args=[source.pk])
    claims = list(source.claims.order_by("span_start"))
    assert [claim.text for claim in claims] == [
        "Moscow would keep its embassy in Kabul open",
        "We will not abandon our partners in Kabul, whatever happens next",
    ]
    assert {claim.integrity for claim in claims} == {Claim.Integrity.LOCATED}
    for claim in claims:
        assert source.full_text[claim.span_start : claim.span_end] == claim.text
    assert {claim.speaker for claim in claims} == {lavrov}
    assert claims[1].via == tass
    assert claims[0].stated_on == datetime.date(2024, 10, 3)
    # The rejected claim's speaker was not added.
    assert not Speaker.objects.filter(name="Zamir Kabulov").exists()
    page = editor_client.get(response["Location"], follow=True).content.decode()
    assert "with 2 claims, each found in its text" in page


def test_a_new_speaker_is_added_and_an_alias_finds_a_known_one(editor_client, directory):
    lavrov, _ = directory
    response = review(editor_client)
    data = saved_form(response, {1: {"speaker": "sergei lavrov"}})
    editor_client.post(URL, data)
    assert Claim.objects.filter(speaker=lavrov).count() == 2
    kabulov = Speaker.objects.get(name="Zamir Kabulov")
    assert kabulov.claims.get().speaker_role == "Kremlin’s envoy"


def test_an_accepted_claim_not_in_the_text_is_refused_and_nothing_is_stored(
    editor_client, directory
):
    response = review(editor_client)
    data = saved_form(response, {1: {"text": "We will abandon our partners"}})
    response = editor_client.post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "These words are not in the article&#x27;s text" in page
    assert not Source.objects.exists()
    assert not Claim.objects.exists()
    assert not Speaker.objects.filter(name="Zamir Kabulov").exists()
    # The page keeps what the editor entered, to correct it.
    assert response.context["formset"].forms[1]["text"].value() == "We will abandon our partners"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stated_on": "2024-13-40"}, "Enter a valid date."),
        ({"stated_on": "2024-10-09"}, "after its source was published"),
        ({"speaker": ""}, "A quote or a paraphrase needs its speaker"),
        ({"text": ""}, "An accepted claim needs its text; or reject it."),
        ({"kind": "rumour"}, "Select a valid choice."),
    ],
)
def test_bad_input_in_a_candidate_gets_a_message_and_changes_nothing(
    editor_client, directory, changes, message
):
    response = review(editor_client)
    response = editor_client.post(URL, saved_form(response, {0: changes}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Source.objects.exists()


def test_the_article_is_checked_before_anything_is_proposed(editor_client, directory):
    response = editor_client.post(URL, article(full_text="", published_on="yesterday"))
    assert response.status_code == 200
    assert response.context["formset"] is None
    page = response.content.decode()
    assert "This field is required." in page
    assert "Enter a valid date." in page


def test_hostile_text_in_the_article_is_shown_escaped(editor_client, directory):
    text = 'Sergey Lavrov said the <script>alert("x")</script> plan would fail soon enough.'
    page = review(editor_client, full_text=text).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_only_those_who_may_add_sources_and_claims_reach_it(client, db):
    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, article()).status_code == 403
    assert not Source.objects.exists()


def test_the_sources_list_offers_it(editor_client):
    page = editor_client.get(reverse("admin:claims_source_changelist")).content.decode()
    assert f'href="{URL}"' in page


def test_a_candidate_already_in_the_tracker_shows_its_possible_match(editor_client, directory):
    lavrov, _ = directory
    earlier = ClaimFactory(
        speaker=lavrov, text="We will never abandon our partners in Kabul, whatever happens."
    )
    response = review(editor_client)
    quote = response.context["formset"].forms[1]
    assert quote.matches[0].claim == earlier
    assert "same speaker" in quote.matches[0].reasons
    page = response.content.decode()
    assert "Already in the tracker? Possible matches" in page
    assert reverse("admin:claims_claim_change", args=[earlier.pk]) in page
