"""Claim matching: suggestions of the same statement, corroboration or contradiction."""

import datetime

import pytest
from django.db import connection
from django.db.models import Func
from django.urls import reverse

from claims import matching
from claims.importers import load_corpus
from claims.models import Claim, Link
from tests.factories import ClaimFactory, LinkFactory, SourceFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

LAVROV_QUOTE = "They are the real power. We care about Afghanistan and its future."
LAVROV_PARAPHRASE = (
    "Sergey Lavrov stated that the Taliban are currently the actual power in Afghanistan."
)


def kinds_and_reasons(suggestions):
    return {s.claim.pk: (s.kind, s.reasons) for s in suggestions}


def test_the_same_words_by_the_same_speaker_elsewhere_come_first_with_their_reasons():
    lavrov = SpeakerFactory(name="Sergey Lavrov")
    claim = ClaimFactory(text=LAVROV_PARAPHRASE, speaker=lavrov)
    same = ClaimFactory(
        text="Lavrov said the Taliban are the actual power in Afghanistan now.",
        speaker=lavrov,
        stated_on=claim.stated_on + datetime.timedelta(days=1),
    )
    other_topic = ClaimFactory(text="Wheat exports rose in the spring.", speaker=lavrov)
    unrelated = ClaimFactory(text="The weather in Kabul was mild in the autumn of the year.")
    suggestions = matching.suggest(matching.Probe.of(claim))
    ranked = [s.claim for s in suggestions]
    assert ranked[0] == same
    assert other_topic in ranked and ranked.index(other_topic) > 0
    assert claim not in ranked
    kind, reasons = kinds_and_reasons(suggestions)[same.pk]
    assert kind == Link.Kind.SAME_STATEMENT
    assert "same speaker" in reasons
    assert "stated 1 day apart" in reasons
    assert any(r.startswith("similar words") and "actual" in r for r in reasons)
    assert unrelated not in ranked[:1]


def test_a_claim_in_the_same_source_counts_less_than_one_from_elsewhere():
    speaker = SpeakerFactory()
    source = SourceFactory()
    text = "Moscow will keep its embassy in Kabul open through the winter months."
    claim = ClaimFactory(text=text, speaker=speaker, source=source)
    here = ClaimFactory(text=text + " Officials agreed.", speaker=speaker, source=source)
    elsewhere = ClaimFactory(text=text + " Officials agreed.", speaker=speaker)
    suggestions = matching.suggest(matching.Probe.of(claim))
    assert [s.claim for s in suggestions][:2] == [elsewhere, here]
    assert "in the same source" in kinds_and_reasons(suggestions)[here.pk][1]


def test_claims_already_linked_are_not_suggested_again():
    speaker = SpeakerFactory()
    claim = ClaimFactory(text="The council will vote on the sanctions next week.", speaker=speaker)
    linked = ClaimFactory(text="The council will vote on sanctions next week.", speaker=speaker)
    LinkFactory(claim_a=claim, claim_b=linked)
    assert linked not in [s.claim for s in matching.suggest(matching.Probe.of(claim))]
    probe = matching.Probe.of(claim, exclude_linked=False)
    assert linked in [s.claim for s in matching.suggest(probe)]


def test_a_denial_of_the_same_thing_by_someone_else_may_contradict():
    claim = ClaimFactory(
        text="Militants attack Afghanistan from bases inside Pakistan, Kabul said."
    )
    denial = ClaimFactory(
        text="Islamabad said militants do not attack Afghanistan from bases inside Pakistan."
    )
    suggestions = matching.suggest(matching.Probe.of(claim))
    kind, reasons = kinds_and_reasons(suggestions)[denial.pk]
    assert kind == Link.Kind.CONTRADICTS
    assert "one denies what the other says" in reasons


def test_a_candidate_not_yet_stored_gets_suggestions_from_its_words_and_speaker():
    lavrov = SpeakerFactory(name="Sergey Lavrov")
    earlier = ClaimFactory(text=LAVROV_PARAPHRASE, speaker=lavrov)
    probe = matching.Probe(text=LAVROV_QUOTE, speaker_id=lavrov.pk, stated_on=earlier.stated_on)
    top = matching.suggest(probe)
    assert top[0].claim == earlier
    assert "same speaker" in top[0].reasons


def test_suggestions_take_the_same_queries_however_many_candidates(django_assert_num_queries):
    speaker = SpeakerFactory()
    claim = ClaimFactory(text="Trade with Kabul will grow next year, officials said.")
    probe = matching.Probe.of(claim)
    probe.speaker_id = speaker.pk
    ClaimFactory.create_batch(3, speaker=speaker, text="Trade with Kabul grows.")
    # Seven on SQLite (the pools, the candidates' rows, subjects and topics, and the
    # suggested claims); PostgreSQL adds the look-up of how rare the text's words
    # are, and the savepoint and the time budget around the similar-words search.
    expected = 7 if connection.vendor == "sqlite" else 12
    with django_assert_num_queries(expected) as few:
        matching.suggest(probe)
    ClaimFactory.create_batch(30, speaker=speaker, text="Trade with Kabul will grow.")
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(matching.suggest(probe)) == 5


def test_the_seed_corpus_links_find_their_partners_among_the_top_five():
    load_corpus()
    links = Link.objects.filter(kind__in=[Link.Kind.SAME_STATEMENT, Link.Kind.CORROBORATES])
    ends = found = 0
    for link in links.select_related("claim_a", "claim_b"):
        for claim, partner in ((link.claim_a, link.claim_b), (link.claim_b, link.claim_a)):
            top = matching.suggest(matching.Probe.of(claim, exclude_linked=False))
            ends += 1
            found += partner in [s.claim for s in top]
    assert ends == 72
    assert found / ends >= 0.9, f"recall@5 {found / ends:.3f}"


def test_the_claim_page_in_the_admin_lists_matches_with_a_link_to_confirm_one(editor_client):
    lavrov = SpeakerFactory(name="Sergey Lavrov")
    claim = ClaimFactory(text=LAVROV_PARAPHRASE, speaker=lavrov)
    same = ClaimFactory(
        text="Lavrov: the Taliban are the actual power in Afghanistan.", speaker=lavrov
    )
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    html = page.content.decode()
    assert "Possible matches" in html
    add = reverse("admin:claims_link_add")
    confirm = f"{add}?claim_a={claim.pk}&amp;claim_b={same.pk}&amp;kind=same_statement"
    assert confirm in html
    # The link is not made until the editor saves it, with a note.
    assert not Link.objects.exists()
    form = editor_client.get(confirm.replace("&amp;", "&")).context["adminform"].form
    assert form.initial["claim_b"] == str(same.pk)
    assert form.initial["kind"] == "same_statement"


def test_a_claim_with_nothing_like_it_says_so(editor_client):
    claim = ClaimFactory(text="Unique words here.", speaker=SpeakerFactory())
    Claim.objects.exclude(pk=claim.pk).delete()
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "No claim in the tracker looks like this one." in page.content.decode()


def test_not_only_is_no_denial():
    claim = ClaimFactory(text="Moscow will expand trade with Kabul and build a new railway.")
    other = ClaimFactory(
        text="Moscow will not only expand trade with Kabul but also build a new railway."
    )
    suggestions = matching.suggest(matching.Probe.of(claim))
    assert kinds_and_reasons(suggestions)[other.pk][0] == Link.Kind.CORROBORATES


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the time budget is PostgreSQL's statement_timeout"
)
def test_a_similar_words_search_over_its_budget_still_gives_the_other_suggestions(
    editor_client, settings
):
    speaker = SpeakerFactory()
    claim = ClaimFactory(
        text="Trade with Kabul will grow next year, officials said.", speaker=speaker
    )
    same_speaker = ClaimFactory(text="Wheat prices rose.", speaker=speaker)
    # A ranking that sleeps, in the budget's place: a search that cannot finish in 1 ms.
    settings.MATCHING_WORDS_BUDGET_MS = 1
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION slow_document(d tsvector) RETURNS tsvector AS "
            "$$ SELECT pg_sleep(0.01); SELECT d $$ LANGUAGE sql"
        )
    ClaimFactory.create_batch(5, text="Trade with Kabul will grow.")
    probe = matching.Probe.of(claim)
    original = matching._Rank
    try:
        matching._Rank = lambda field, query: original(Func(field, function="slow_document"), query)
        suggestions = matching.suggest(probe)
        page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    finally:
        matching._Rank = original
    assert probe.words_cut_short
    assert same_speaker in [s.claim for s in suggestions]
    assert "took too long and was stopped" in page.content.decode()
    # The budget was the search's alone: the rest of the request ran as before.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
