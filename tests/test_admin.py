import pytest
from django.urls import reverse

from claims.models import Claim, Link, Source, Stance
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def management_form(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def claim_form(claim=None, **fields):
    """The POST data of the claim change form, with no stance or link rows."""
    data = {
        "text": "",
        "kind": Claim.Kind.QUOTE,
        "speaker": "",
        "speaker_role": "",
        "source": "",
        "via": "",
        "context": "",
        "stated_on": "",
        "stated_on_precision": "unknown",
        **management_form("stances"),
        **management_form("links_as_a"),
        **management_form("links_as_b"),
    }
    data.update(fields)
    return data


def test_editor_adds_a_source_with_a_claim_inline(editor_client):
    speaker = SpeakerFactory(name="Zamir Kabulov")
    outlet = OutletFactory(name="TASS")
    response = editor_client.post(
        reverse("admin:claims_source_add"),
        {
            "title": "Russia to delist the Taliban",
            "kind": Source.Kind.NEWS_REPORT,
            "outlet": outlet.pk,
            "authors": "",
            "url": "https://example.org/delist",
            "published_on": "2024-10-01",
            "published_on_precision": "month",
            "accessed_on": "",
            "language": "en",
            "full_text": "Kabulov said a \u201cprincipal decision\u201d\nhas been made.",
            "notes": "",
            **management_form("claims", total=1),
            "claims-0-text": 'a "principal decision" has been made',
            "claims-0-kind": Claim.Kind.PARAPHRASE,
            "claims-0-speaker": speaker.pk,
            "claims-0-speaker_role": "presidential envoy",
            "claims-0-stated_on": "",
            "claims-0-stated_on_precision": "unknown",
            "claims-0-via": "",
            "claims-0-context": "",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    source = Source.objects.get()
    assert source.published_on.isoformat() == "2024-10-01"
    claim = source.claims.get()
    assert claim.speaker == speaker
    assert claim.integrity == Claim.Integrity.LOCATED


def source_form(**fields):
    """The POST data of the source add form, with no claim rows."""
    return {
        "title": "A rewrite",
        "kind": Source.Kind.ANALYSIS,
        "outlet": "",
        "authors": "",
        "url": "",
        "derived_from": "",
        "derivation": "",
        "wire": "",
        "published_on": "2024-10-04",
        "published_on_precision": "day",
        "language": "en",
        **management_form("claims"),
        **fields,
    }


def test_editor_records_what_a_source_derives_from_and_its_claims_count_once(editor_client):
    original = SourceFactory(outlet=OutletFactory(name="The Moscow Times"))
    response = editor_client.post(
        reverse("admin:claims_source_add"),
        source_form(
            outlet=OutletFactory(name="A blog").pk,
            derived_from=original.pk,
            derivation=Source.Derivation.REWRITES,
            **management_form("claims", total=1),
            **{
                "claims-0-text": "Beijing was first.",
                "claims-0-kind": Claim.Kind.ASSERTION,
                "claims-0-stated_on_precision": "unknown",
            },
        ),
    )
    assert response.status_code == 302
    rewrite = Source.objects.exclude(pk=original.pk).get()
    assert (rewrite.derived_from, rewrite.derivation) == (original, "rewrites")
    claim = rewrite.claims.get()
    body = editor_client.get(claim.get_absolute_url()).content.decode()
    # A rewrite's report comes from where its lineage starts, not from the blog.
    assert "<strong>1 independent source</strong>: <bdi>The Moscow Times</bdi>." in body


def test_a_derivation_without_its_source_shows_an_error_in_the_admin(editor_client):
    response = editor_client.post(
        reverse("admin:claims_source_add"), source_form(derivation=Source.Derivation.TRANSLATES)
    )
    assert response.status_code == 200
    assert "Say how the source derives from the other" in response.content.decode()
    assert not Source.objects.exists()


def test_editor_adds_a_claim_and_a_link_from_it(editor_client):
    other = ClaimFactory()
    source = SourceFactory(full_text="")
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form(
            text="China accepted a Taliban-appointed ambassador.",
            kind=Claim.Kind.ASSERTION,
            source=source.pk,
            topics=[TopicFactory().pk],
            **management_form("links_as_a", total=1),
            **{
                "links_as_a-0-kind": Link.Kind.CORROBORATES,
                "links_as_a-0-claim_b": other.pk,
                "links_as_a-0-note": "Both say Beijing accepted the envoy.",
            },
        ),
    )
    assert response.status_code == 302
    claim = Claim.objects.exclude(pk=other.pk).get()
    assert claim.speaker is None
    link = Link.objects.get()
    assert (link.claim_a, link.claim_b) == (claim, other)
    assert link.created_by.username.startswith("user")
    # The link is evidence at once, on both ends.
    other.refresh_from_db()
    assert (claim.corroborating_ids, other.corroborating_ids) == (str(other.pk), str(claim.pk))


SPEAKER_MATCHES_KIND = (
    "A quote or a paraphrase needs its speaker; the source&#x27;s own assertion has none "
    "(the source asserts it)."
)


@pytest.mark.parametrize(
    ("kind", "with_speaker"),
    [(Claim.Kind.QUOTE, False), (Claim.Kind.PARAPHRASE, False), (Claim.Kind.ASSERTION, True)],
)
def test_speaker_must_match_the_kind_of_claim_in_the_admin(editor_client, kind, with_speaker):
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form(
            text="China accepted a Taliban-appointed ambassador.",
            kind=kind,
            speaker=SpeakerFactory().pk if with_speaker else "",
            source=SourceFactory().pk,
        ),
    )
    assert response.status_code == 200
    assert SPEAKER_MATCHES_KIND in response.content.decode()
    assert not Claim.objects.exists()


def test_editor_records_a_claims_stance_on_a_question(editor_client):
    claim = ClaimFactory(kind=Claim.Kind.ASSERTION)
    topic = TopicFactory(title="Which states accepted envoys?")
    topic.answer_subjects.add(SubjectFactory(name="China"))
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = editor_client.get(url).content.decode()
    assert form.index('id="stances-group"') < form.index('id="links_as_a-group"')
    response = editor_client.post(
        url,
        claim_form(
            text=claim.text,
            kind=claim.kind,
            source=claim.source.pk,
            stated_on="2024-10-04",
            stated_on_precision="day",
            **management_form("stances", total=1),
            **{"stances-0-topic": topic.pk, "stances-0-stance": Stance.Kind.SUPPORTS},
        ),
    )
    assert response.status_code == 302
    stance = Stance.objects.get()
    assert (stance.claim, stance.topic, stance.stance) == (claim, topic, "supports")
    assert list(claim.topics.all()) == [topic]  # a stance on a question files the claim under it


def test_editor_adds_a_link_in_the_link_admin(editor_client):
    first, second = ClaimFactory(), ClaimFactory()
    response = editor_client.post(
        reverse("admin:claims_link_add"),
        {"claim_a": first.pk, "claim_b": second.pk, "kind": "same_statement", "note": ""},
    )
    assert response.status_code == 302
    assert Link.objects.between(second, first).get().kind == Link.Kind.SAME_STATEMENT


def test_self_link_shows_an_error_in_the_admin(editor_client):
    claim = ClaimFactory()
    response = editor_client.post(
        reverse("admin:claims_link_add"),
        {"claim_a": claim.pk, "claim_b": claim.pk, "kind": "corroborates", "note": ""},
    )
    assert response.status_code == 200
    assert "A claim cannot be linked to itself." in response.content.decode()
    assert not Link.objects.exists()


def test_duplicate_pair_in_reverse_order_shows_an_error_in_the_admin(editor_client):
    link = LinkFactory()
    response = editor_client.post(
        reverse("admin:claims_link_add"),
        {
            "claim_a": link.claim_b.pk,
            "claim_b": link.claim_a.pk,
            "kind": "contradicts",
            "note": "They disagree.",
        },
    )
    assert response.status_code == 200
    existing = reverse("admin:claims_link_change", args=[link.pk])
    assert (
        f'These two claims are already linked: <a href="{existing}">link #{link.pk} '
        "(Corroborates)</a>. Edit that link instead."
    ) in response.text
    assert response.text.count("already linked") == 1
    assert Link.objects.count() == 1


def test_duplicate_pair_entered_from_the_claim_shows_an_error(editor_client):
    link = LinkFactory()
    claim = link.claim_b
    response = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(
            text=claim.text,
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            stated_on="2024-10-04",
            stated_on_precision="day",
            **management_form("links_as_a", total=1),
            **{
                "links_as_a-0-kind": Link.Kind.CORROBORATES,
                "links_as_a-0-claim_b": link.claim_a.pk,
                "links_as_a-0-note": "Again.",
            },
        ),
    )
    assert response.status_code == 200
    existing = reverse("admin:claims_link_change", args=[link.pk])
    assert f'already linked: <a href="{existing}">link #{link.pk}' in response.text
    assert Link.objects.count() == 1


def test_contradicts_link_without_note_shows_an_error_in_the_admin(editor_client):
    first, second = ClaimFactory(), ClaimFactory()
    response = editor_client.post(
        reverse("admin:claims_link_add"),
        {"claim_a": first.pk, "claim_b": second.pk, "kind": "contradicts", "note": ""},
    )
    assert response.status_code == 200
    assert "Say what the contradiction is." in response.content.decode()
    assert not Link.objects.exists()


def test_claim_dated_after_its_source_shows_an_error_in_the_admin(editor_client):
    source = SourceFactory()  # published October 2024
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form(
            text="Later words.",
            speaker=SpeakerFactory().pk,
            source=source.pk,
            stated_on="2024-11-02",
            stated_on_precision="day",
        ),
    )
    assert response.status_code == 200
    assert "after its source was published (October 2024)" in response.content.decode()
    assert not Claim.objects.exists()


def test_claim_page_shows_links_entered_from_either_end(editor_client):
    link = LinkFactory(kind=Link.Kind.CONTRADICTS, note="Kabul alleges, Islamabad denies.")
    for claim in (link.claim_a, link.claim_b):
        response = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
        assert "Kabul alleges, Islamabad denies." in response.content.decode()


def test_unlocated_claims_are_filterable_in_the_admin(editor_client):
    source = SourceFactory(full_text="The envoy spoke.")
    found = ClaimFactory.build(source=source, speaker=SpeakerFactory(), text="The envoy spoke.")
    lost = ClaimFactory.build(source=source, speaker=SpeakerFactory(), text="The envoy sang.")
    for claim in (found, lost):
        claim.full_clean()
        claim.save()
    response = editor_client.get(
        reverse("admin:claims_claim_changelist"), {"integrity": "not_found"}
    )
    assert list(response.context["cl"].result_list) == [lost]
    assert "not found in the source text" in response.content.decode()


def test_editor_cannot_delete_sources(editor_client):
    source = SourceFactory()
    response = editor_client.post(
        reverse("admin:claims_source_delete", args=[source.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()


def test_anonymous_visitors_cannot_reach_the_admin(client):
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _fill(rows):
    topic = TopicFactory()
    for _ in range(rows):
        link = LinkFactory()
        link.claim_a.topics.add(topic)
        link.claim_b.topics.add(topic)


CHANGELISTS = ["claim", "source", "speaker", "link", "outlet", "topic", "subject"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_admin_changelist_runs_a_fixed_number_of_queries(
    model, admin_client, django_assert_max_num_queries
):
    url = reverse(f"admin:claims_{model}_changelist")
    _fill(5)
    with django_assert_max_num_queries(14) as small:
        assert admin_client.get(url).status_code == 200
    _fill(45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200
    if model in {"claim", "source", "link"}:
        assert response.context["cl"].result_count >= 50


def test_claim_history_records_who_changed_what_and_restores_it(editor_client):
    claim = ClaimFactory(text="The first wording.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.post(
        url,
        claim_form(
            text="A mistaken wording.",
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            stated_on="2024-10-04",
            stated_on_precision="day",
        ),
    )
    assert response.status_code == 302
    latest, first = claim.history.all()[:2]
    assert latest.text == "A mistaken wording."
    assert latest.history_user.groups.filter(name="Editor").exists()
    history = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history.status_code == 200
    assert latest.history_user.username in history.content.decode()

    revert_url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first.history_id])
    form = editor_client.get(revert_url)
    assert form.status_code == 200
    response = editor_client.post(
        revert_url,
        claim_form(
            text=first.text,
            kind=first.kind,
            speaker=first.speaker_id,
            source=first.source_id,
            stated_on="2024-10-04",
            stated_on_precision="day",
        ),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "The first wording."


def test_claim_added_inline_with_a_new_source_is_checked_against_its_date(editor_client):
    response = editor_client.post(
        reverse("admin:claims_source_add"),
        {
            "title": "An old report",
            "kind": Source.Kind.NEWS_REPORT,
            "published_on": "2024-01-01",
            "published_on_precision": "month",
            "language": "en",
            **management_form("claims", total=1),
            "claims-0-text": "Words from the future.",
            "claims-0-kind": Claim.Kind.QUOTE,
            "claims-0-speaker": SpeakerFactory().pk,
            "claims-0-stated_on": "2025-06-01",
            "claims-0-stated_on_precision": "day",
        },
    )
    assert response.status_code == 200
    assert "after its source was published (January 2024)" in response.content.decode()
    assert not Source.objects.exists()


def test_same_claim_linked_from_both_ends_at_once_shows_an_error(editor_client):
    claim, other = ClaimFactory(), ClaimFactory()
    response = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(
            text=claim.text,
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            stated_on="2024-10-04",
            stated_on_precision="day",
            **management_form("links_as_a", total=1),
            **management_form("links_as_b", total=1),
            **{
                "links_as_a-0-kind": Link.Kind.CORROBORATES,
                "links_as_a-0-claim_b": other.pk,
                "links_as_b-0-kind": Link.Kind.SAME_STATEMENT,
                "links_as_b-0-claim_a": other.pk,
            },
        ),
    )
    assert response.status_code == 200
    assert f"Claim #{other.pk} is linked from both ends here" in response.content.decode()
    assert not Link.objects.exists()


def test_a_day_entered_with_month_precision_is_refused_with_the_normalised_date(editor_client):
    claim = ClaimFactory(kind=Claim.Kind.ASSERTION, stated_on=None, stated_on_precision="unknown")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.post(
        url,
        claim_form(
            text=claim.text,
            kind=claim.kind,
            source=claim.source.pk,
            stated_on="15/09/2024",
            stated_on_precision="month",
        ),
    )
    assert response.status_code == 200
    assert (
        "15 September 2024 is more precise than its precision, month. A month is entered as "
        "its first day: for September 2024 enter 2024-09-01"
    ) in response.text
    claim.refresh_from_db()
    assert claim.stated_on is None


def speaker_candidates(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "claims", "model_name": "claim", "field_name": "speaker"},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_speaker_autocomplete_puts_the_exact_name_first_and_says_who_each_candidate_is(
    editor_client,
):
    minister = SpeakerFactory(
        name="Amir Khan Muttaqi", affiliation="Taliban government (Islamic Emirate)"
    )
    ClaimFactory(speaker=minister, speaker_role="Taliban foreign minister")
    SpeakerFactory(name="Taliban government")

    assert speaker_candidates(editor_client, "Taliban government") == [
        "Taliban government",
        "Amir Khan Muttaqi: Taliban foreign minister (as reported), "
        "Taliban government (Islamic Emirate); matched on affiliation",
    ]


def test_speaker_autocomplete_ranks_an_exact_alias_before_names_that_contain_the_term(
    editor_client,
):
    SpeakerFactory(name="Funding bodies")
    SpeakerFactory(name="Bureau").aliases.create(name="Dunmore")
    SpeakerFactory(name="Unity Council")
    SpeakerFactory(name="United Nations").aliases.create(name="UN")

    assert speaker_candidates(editor_client, "un") == [
        "United Nations",  # an alias is exactly the term
        "Unity Council",  # the name starts with it
        "Funding bodies",  # the name contains it
        "Bureau; also known as “Dunmore”",  # only an alias contains it
    ]


def test_speaker_autocomplete_takes_a_word_of_the_name_before_an_alias(editor_client):
    SpeakerFactory(name="Taliban government").aliases.create(name="Kabul")
    SpeakerFactory(name="Zamir Kabulov")

    assert speaker_candidates(editor_client, "Kab") == [
        "Zamir Kabulov",
        "Taliban government; also known as “Kabul”",
    ]
