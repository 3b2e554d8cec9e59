"""Every count the claim list shows beside a facet is exact, or an estimate with its margin."""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.filters import FACETS, ClaimFilter, Estimate, estimate
from claims.importers import load_corpus
from claims.management.commands.generate_claims import generate
from claims.models import Claim, Speaker, Topic
from tests.factories import ClaimFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("claims:claim_list")
DATED = "stated_after=1900-01-01"  # a filter no tally counts


def exact(query, facet, value):
    """The true number of claims the list `query` would show with facet=value instead."""
    data = QueryDict(query, mutable=True)
    data.pop("page", None)
    data[facet] = str(value)
    filters = ClaimFilter(data, queryset=Claim.objects.all())
    assert filters.is_valid(), filters.errors
    return filters.qs.count()


def shown_counts(client, query):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response, [
        (facet, value, count)
        for facet, values in response.context["facets"].items()
        for value, _, count in values
    ]


def queries():
    topic = Topic.objects.order_by("pk").first().slug
    speaker = Speaker.objects.order_by("pk").first().slug
    return ["", "kind=quote", f"topic={topic}", f"speaker={speaker}&kind=paraphrase"]


def test_on_a_list_within_the_budget_every_count_is_exact(client):
    load_corpus()
    generate(claims=1_500, links=0, seed=2)
    for query in queries():
        response, counts = shown_counts(client, query)
        assert response.context["estimated"] == {}
        assert counts, query
        for facet, value, count in counts:
            assert count == exact(query, facet, value), (query, facet, value)


@pytest.fixture
def budget(monkeypatch):
    """A small budget, so that 3,000 claims are more than the exact counts allow."""
    monkeypatch.setattr("claims.views.FACET_EXACT_UP_TO", 1_000)
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 600)


def test_over_the_budget_counts_are_estimates_within_their_stated_margin(client, budget):
    generate(claims=3_000, links=0, seed=2)
    within, total = 0, 0
    # A date filter that keeps the dated claims leaves the lists long, and no facet
    # that a tally or a pair tally counts.
    for query in [f"{query}&{DATED}".lstrip("&") for query in queries()]:
        response, counts = shown_counts(client, query)
        page = response.content.decode()
        for facet, value, count in counts:
            true = exact(query, facet, value)
            if facet in response.context["estimated"]:
                assert isinstance(count, Estimate)
                assert str(count) in page
                # 1.96 standard errors; none may be off by three margins (~6 of them).
                assert abs(count.rows - true) <= 3 * count.margin + 0.005 * true, (query, facet)
                within += abs(count.rows - true) <= count.margin + 0.005 * true
                total += 1
            else:
                assert count == true, (query, facet, value)
        rates = set(response.context["estimated"].values())
        if rates:
            # Said once, above the facets, with each sample's rate.
            assert page.count("are estimated from a random sample") == 1
        if len(rates) == 1:
            (rate,) = rates
            assert f"random sample of {rate} of the claims" in page
        else:  # each rate with the facets it sampled
            for facet, rate in response.context["estimated"].items():
                pattern = rf"{re.escape(rate)} of them for [a-z, ]*\b{facet}\b"
                assert re.search(pattern, page), facet
    assert total > 40
    assert within >= 0.8 * total  # a 95% margin holds for most values


def test_a_list_of_one_filter_counts_its_facets_exactly_beyond_the_budget(client, monkeypatch):
    """One topic, kind or "has" of 3,000 claims: the pair tallies count every facet."""
    monkeypatch.setattr("claims.views.FACET_EXACT_UP_TO", 300)
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 200)
    generate(claims=3_000, links=1_500, seed=2)
    topic = Topic.objects.order_by("pk").first().slug
    for query in ["kind=quote", f"topic={topic}", "has=no_links", "has=corroboration"]:
        response, counts = shown_counts(client, query)
        assert response.context["page"].paginator.count > 300, query  # over the budget
        assert response.context["estimated"] == {}, query
        assert len(counts) > 20, query
        for facet, value, count in counts:
            assert count == exact(query, facet, value), (query, facet, value)
    # Two filters: the list's length is a pair tally's, exact, beside sampled facets.
    query = f"topic={topic}&kind=quote"
    response, _ = shown_counts(client, query)
    assert response.context["estimated_total"] is None
    assert response.context["page"].paginator.count == exact(query, "kind", "quote")


def test_the_sample_is_random_not_the_first_claims_of_the_list(client, budget, monkeypatch):
    """The newest claims all have one speaker: a first-rows sample would show only him."""
    generate(claims=2_000, links=0, seed=5)
    latest = SpeakerFactory(name="Latest Speaker", slug="latest")
    ClaimFactory.create_batch(700, speaker=latest, kind=Claim.Kind.QUOTE)
    response, counts = shown_counts(client, DATED)  # the dated claims, not tallied
    speakers = {value: count for facet, value, count in counts if facet == "speaker"}
    listed = Claim.objects.filter(stated_on__isnull=False).count()
    assert listed > 2_000
    assert response.context["estimated"]["speaker"] == f"{600 / listed * 100:.2g}%"
    assert "latest" in speakers
    assert abs(speakers["latest"].rows - 700) <= 3 * speakers["latest"].margin
    assert len(speakers) > 1


def test_an_active_facet_is_estimated_over_its_own_longer_list(client, budget):
    generate(claims=3_000, links=0, seed=2)
    speaker = Speaker.objects.order_by("pk").first()
    response, counts = shown_counts(client, f"speaker={speaker.slug}&{DATED}")
    estimated = response.context["estimated"]
    assert "speaker" in estimated  # over every dated claim: sampled
    assert "kind" not in estimated  # the one speaker's claims: few enough to count
    assert set(estimated) <= set(FACETS)


def test_the_whole_corpus_and_one_filter_read_exact_counts_kept_on_write(
    client, budget, django_assert_num_queries
):
    """Over the budget too: a facet with no other filter, and a one-filter total, are tallies."""
    load_corpus()
    generate(claims=3_000, links=500, seed=2)
    subject = Claim.subjects.through.objects.order_by("pk").first().subject
    for query in queries() + [f"subject={subject.slug}", "has=contradiction"]:
        response, counts = shown_counts(client, query)
        active = {name for name, _ in response.context["filters"].active}
        for facet, value, count in counts:
            if not active - {facet}:
                assert facet not in response.context["estimated"], (query, facet)
                assert count == exact(query, facet, value), (query, facet, value)
        data = QueryDict(query)
        filters = ClaimFilter(data, queryset=Claim.objects.all())
        assert filters.is_valid()
        shown = response.context["page"].paginator.count
        assert shown == filters.qs.count(), query
        assert f"{shown:,} claim" in response.content.decode()
    # The whole corpus, at any size: a tally for the total; the page's ids and rows;
    # a tally for each facet and the labels of five of them.
    with django_assert_num_queries(1 + 2 + 6 + 5):
        client.get(LIST)


def test_the_margin_follows_the_binomial_and_never_reads_zero():
    count = estimate(hits=400, rate=0.1)
    assert count.rows == 4_000
    assert count.margin == 372  # 1.96 * sqrt(400 * 0.9) / 0.1 = 371.8
    assert count.percent == 10
    assert str(estimate(hits=10_000, rate=0.999)) == "about 10,000 ± 1%"
    assert estimate(hits=123_456, rate=0.5).rows == 247_000


def test_a_sample_with_few_hits_has_a_margin_as_wide_as_the_poisson_limit():
    # None of a 1% sample: the count may still be up to 369 (the exact 95% limit).
    none = estimate(hits=0, rate=0.01)
    assert none.rows == 0 and none.margin >= 369
    assert str(none) == f"at most {none.margin:,}"
    # Three hits: the exact upper limit is 8.77 / rate, wider than 1.96 * sqrt(3).
    three = estimate(hits=3, rate=0.01)
    assert three.rows + three.margin >= 877
    # Its interval reaches zero: the page gives the estimate and the interval's top.
    assert str(three) == f"about 300, at most {three.rows + three.margin:,}"
    assert str(estimate(hits=40, rate=0.01)).startswith("about 4,000 ± ")
    assert estimate(hits=0, rate=1.0).margin == 0  # a full count is exact


def test_a_total_no_tally_holds_is_exact_or_an_estimate_within_its_margin(
    client, budget, monkeypatch
):
    """Beyond LIST_EXACT_UP_TO the heading says "about N ± p%"; SQLite always counts."""
    monkeypatch.setattr("claims.views.LIST_EXACT_UP_TO", 300)
    monkeypatch.setattr("claims.views.TOTAL_SAMPLE", 400)
    # The facets' sample, which the total is estimated from when they draw one.
    monkeypatch.setattr("claims.views.FACET_EXACT_UP_TO", 300)
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 150)
    generate(claims=3_000, links=0, seed=2)
    topic = Topic.objects.order_by("pk").first().slug
    on_postgresql = connection.vendor == "postgresql"
    # A phrase: the planner sizes it far too short, and the facets probe its length.
    for query in [
        "q=sanctions",
        'q="without preconditions"',
        f"topic={topic}&{DATED}",
        f"{DATED}&kind=quote",
    ]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        filters = ClaimFilter(QueryDict(query), queryset=Claim.objects.all())
        assert filters.is_valid()
        true = filters.qs.count()
        assert true > 300, query  # longer than the budget
        shown = response.context["estimated_total"]
        page = response.content.decode()
        if on_postgresql:
            assert isinstance(shown, Estimate), query
            assert f"about {shown.rows:,} ± {shown.percent}% claims" in page
            assert "± is the 95% margin" in page
            assert abs(shown.rows - true) <= 3 * shown.margin, query
        else:
            assert shown is None
            assert f"{true:,} claims" in page


def test_a_search_with_more_matches_than_are_ranked_shows_the_newest_and_says_so(
    client, monkeypatch
):
    monkeypatch.setattr("claims.views.RANK_UP_TO", 100)
    generate(claims=1_000, links=0, seed=3)
    for query, many in [("sanctions", True), ("Turkmenistan delegation", False)]:
        response = client.get(LIST, {"q": query})
        matches = Claim.objects.search(query)
        assert (matches.count() > 100) is many, query
        shown = [claim.pk for claim in response.context["claims"]]
        note = "Newest first: relevance ranks a search of up to 100 matches"
        assert (note in response.content.decode()) is many
        order = matches.sorted("newest" if many else "relevance", query)
        assert shown and shown == list(order.values_list("pk", flat=True)[: len(shown)])
    # Asked for, relevance ranks every match.
    response = client.get(LIST, {"q": "sanctions", "sort": "relevance"})
    assert "Newest first" not in response.content.decode()


def test_a_search_looks_its_speakers_up_once_for_the_page_and_every_facet(client):
    generate(claims=300, links=0, seed=3)
    speaker = Speaker.objects.order_by("pk").first()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"q": speaker.name, "kind": "quote"})
    assert response.status_code == 200
    assert {claim.speaker for claim in response.context["claims"]} >= {speaker}
    lookups = [q["sql"] for q in captured if 'FROM "claims_speakeralias"' in q["sql"]]
    assert len(lookups) == 1, lookups


def test_topic_and_subject_facets_of_a_counted_list_follow_every_change(client):
    """A list no tally counts reads its topics and subjects from the ids on each claim
    (kept by triggers): every way of changing them shows at once, exactly."""
    from tests.factories import SubjectFactory, TopicFactory

    first, second, third = ClaimFactory.create_batch(3, stated_on="2024-05-01")
    envoys, sanctions = TopicFactory(title="Envoys?"), TopicFactory(title="Sanctions?")
    uzbekistan = SubjectFactory(name="Uzbekistan")
    first.topics.add(envoys, sanctions)
    second.topics.add(envoys)
    third.subjects.add(uzbekistan)

    def facet(name):
        response, counts = shown_counts(client, DATED)
        assert response.context["estimated"] == {}
        shown = {value: count for facet, value, count in counts if facet == name}
        for value, count in shown.items():
            assert count == exact(DATED, name, value), (name, value)
        return shown

    assert facet("topic") == {envoys.slug: 2, sanctions.slug: 1}
    assert facet("subject") == {uzbekistan.slug: 1}
    Claim.topics.through.objects.filter(claim=second).update(claim=third)  # a link row edited
    second.subjects.add(uzbekistan)
    first.topics.remove(envoys)
    assert facet("topic") == {envoys.slug: 1, sanctions.slug: 1}
    assert facet("subject") == {uzbekistan.slug: 2}
    sanctions.delete()
    third.subjects.clear()
    assert facet("topic") == {envoys.slug: 1}
    assert facet("subject") == {uzbekistan.slug: 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="claims.facet_sql is PostgreSQL's")
def test_postgresql_counts_the_facets_as_their_portable_twin_reads_them():
    from claims import facet_sql
    from claims.filters import _read_tallies, _top

    generate(claims=1_500, links=300, seed=4)
    Claim.objects.filter(pk__in=Claim.objects.order_by("pk")[:40]).update(via=None)
    topic = Topic.objects.order_by("pk").first().slug
    for query in [*queries(), DATED, "q=sanctions", f"topic={topic}&q=envoy", "has=no_links"]:
        filters = ClaimFilter(QueryDict(query), queryset=Claim.objects.all())
        assert filters.is_valid(), query
        claims = filters.qs.order_by()
        names = list(FACETS)
        counted, read = facet_sql.tallies(claims, names, 12)
        twin, twin_read = _read_tallies(claims, names)
        assert read == twin_read == claims.count(), query
        assert _top(counted, 12) == _top(twin, 12), query
        assert all(_top(counted, 12).values()), query  # every facet has values to compare


def test_a_claim_filed_under_hundreds_of_subjects_is_saved_and_counted(client):
    """The ids the triggers keep grow with a claim's subjects: no index holds them, so
    no index row size limit refuses the write."""
    from claims.models import Subject

    claim = ClaimFactory(stated_on="2024-05-01")
    subjects = Subject.objects.bulk_create(
        Subject(name=f"Subject {i:04}", slug=f"subject-{i:04}") for i in range(700)
    )
    claim.subjects.add(*subjects)
    claim.refresh_from_db()
    assert len(claim.subject_ids.split()) == 700
    response, counts = shown_counts(client, DATED)
    assert sum(1 for facet, _, count in counts if facet == "subject" and count == 1) == 12
