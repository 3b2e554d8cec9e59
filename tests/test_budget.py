"""Queries with a time budget: past it, the page does with an estimate, never an error."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models import BooleanField, F, Func
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import budget
from claims.filters import ClaimFilter, Estimate, Unsized, facet_counts, list_size, sized
from claims.management.commands.generate_claims import generate
from claims.models import Claim
from claims.querysets import NEWEST
from tests.test_facets import DATED, exact

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the budget is PostgreSQL's statement_timeout"
    ),
]


def timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_query_past_its_budget_is_cancelled_and_the_rest_runs_without_it():
    with pytest.raises(budget.OverBudget):
        with budget.within(connection.alias, 20):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(1)")
    assert timeout() == "0"
    with budget.within(connection.alias, 1000):
        assert timeout() == "1s"
        assert Claim.objects.count() == 0  # the transaction is still usable
    assert timeout() == "0"


@pytest.fixture
def slow_claims():
    """400 claims behind a condition that takes a millisecond a claim, as a phrase's
    check of every claim holding its words does."""
    generate(claims=400, links=0, seed=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION slowly_true(bigint) RETURNS boolean AS "
            "$$ SELECT pg_sleep(0.001); SELECT true $$ LANGUAGE sql"
        )
    checked = Func(F("pk"), function="slowly_true", output_field=BooleanField())
    return Claim.objects.alias(checked=checked).filter(checked=True)


def test_a_total_not_countable_within_the_budget_is_an_estimate_with_its_margin(
    slow_claims, settings
):
    settings.COUNT_BUDGET_MS = 50
    total = list_size(slow_claims, exact_up_to=20_000)
    assert isinstance(total, Unsized) and total.over_budget
    shown = sized(total, exact_up_to=20_000, sample=200)
    assert isinstance(shown, Estimate)
    assert abs(shown.rows - 400) <= 3 * shown.margin
    assert timeout() == "0"


def test_facets_not_countable_within_the_budget_are_estimated_from_a_sample(slow_claims, settings):
    settings.COUNT_BUDGET_MS = 50
    filters = ClaimFilter(QueryDict(DATED), queryset=slow_claims)
    assert filters.is_valid()
    facets, estimated = facet_counts(filters, exact_up_to=20_000, sample=200, total=400)
    assert set(estimated) == {"kind", "topic", "subject", "speaker", "outlet", "via"}
    for name in estimated:
        assert facets[name]
        for value, _, count in facets[name]:
            assert isinstance(count, Estimate)
            true = exact(DATED, name, value)
            assert abs(count.rows - true) <= 3 * count.margin + 1, (name, value)
    assert timeout() == "0"


def test_a_total_not_countable_in_time_is_not_read_whole_again_for_its_facets(
    slow_claims, settings
):
    settings.COUNT_BUDGET_MS = 50
    total = list_size(slow_claims, exact_up_to=20_000)
    filters = ClaimFilter(QueryDict(DATED), queryset=slow_claims)
    assert filters.is_valid()
    with CaptureQueriesContext(connection) as run:
        facet_counts(filters, exact_up_to=20_000, sample=100, total=total)
    # No second try at the exact read that ran out of time: straight to the sample.
    assert not any("statement_timeout" in query["sql"] for query in run.captured_queries)
    assert isinstance(total.estimate, Estimate)
    assert abs(total.estimate.rows - 400) <= 3 * total.estimate.margin


def test_hostile_words_in_a_claim_make_a_valid_search_for_similar_words():
    from claims import matching
    from tests.factories import ClaimFactory

    text = "O'Brien \\ a:b & (c|!d) <-> 'quoted' \"x\" ::tsquery"
    other = ClaimFactory(text=f"{text} again")
    claim = ClaimFactory(text=text)
    suggestions = matching.suggest(matching.Probe.of(claim))
    assert other in [suggestion.claim for suggestion in suggestions]


@pytest.fixture
def spent(monkeypatch):
    """Every budget runs out at once: the count a slow server cancels, on demand."""

    @contextmanager
    def within(using, milliseconds):
        raise budget.OverBudget("canceling statement due to statement timeout")
        yield

    monkeypatch.setattr(budget, "within", within)


def listed(client, **query):
    response = client.get(reverse("claims:claim_list"), query)
    assert response.status_code == 200, response.context.get("page_error")
    return response, [claim.text for claim in response.context["claims"]]


def test_a_short_list_not_counted_in_time_still_shows_every_claim_and_its_exact_length(
    client, spent
):
    from tests.factories import ClaimFactory

    ClaimFactory(text="The sanctions on the Taliban stay in place")
    ClaimFactory(text="The Taliban hold actual power in Afghanistan")
    ClaimFactory(text="Russia will keep its envoy in Kabul")
    response, texts = listed(client, q="taliban")
    # The sample of three claims finds next to none; the page read finds both.
    assert sorted(texts) == [
        "The Taliban hold actual power in Afghanistan",
        "The sanctions on the Taliban stay in place",
    ]
    assert response.context["estimated_total"] is None
    assert "2 claims" in response.content.decode()


def test_a_long_list_not_counted_in_time_pages_to_its_true_end(client, spent):
    generate(claims=200, links=0, seed=3)
    dated = {"stated_after": "1900-01-01"}  # a filter no tally counts
    ids = list(
        Claim.objects.filter(stated_on__gte="1900-01-01")
        .order_by(*NEWEST)
        .values_list("pk", flat=True)
    )
    assert len(ids) > 100 and len(ids) % 50  # a last page part full
    response, first = listed(client, **dated)
    shown = response.context["estimated_total"]
    assert isinstance(shown, Estimate) and shown.rows >= 51  # the page read found 51
    assert "± is the 95% margin" in response.content.decode()
    last_page = len(ids) // 50 + 1
    response, last = listed(client, page=last_page, **dated)
    assert response.context["estimated_total"] is None
    assert f"{len(ids)} claims" in response.content.decode()
    assert len(first) == 50 and len(last) == len(ids) % 50
    assert {claim.pk for claim in response.context["claims"]} == set(ids[(last_page - 1) * 50 :])
    page_past = client.get(reverse("claims:claim_list"), {"page": last_page + 1, **dated})
    assert page_past.status_code == 400


def test_a_list_its_sample_missed_shows_what_its_pages_prove(client, spent):
    generate(claims=200, links=0, seed=3)
    Claim.objects.update(sample_key=0.99)  # no claim is in a sample at any rate used
    dated = {"stated_after": "1900-01-01"}
    response, first = listed(client, **dated)
    shown = response.context["estimated_total"]
    # The sample saw none; the page read saw 51: a lower bound, with no margin to give.
    assert shown.at_least and shown.rows == 51
    body = response.content.decode()
    assert "at least 51 claims" in body and "Page 1 of at least 2" in body
    assert "Estimated from a random sample of the claims; ±" not in body  # the total's
    assert len(first) == 50


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**62), "-1", "0", "1e3"])
def test_a_page_no_list_has_is_refused_with_a_reason(client, spent, page):
    from tests.factories import ClaimFactory

    ClaimFactory(text="The sanctions on the Taliban stay in place")
    response = client.get(reverse("claims:claim_list"), {"q": "taliban", "page": page})
    assert response.status_code == 400
    assert f"page {page}" in response.content.decode() or "not a page number" in (
        response.content.decode()
    )


def test_pages_of_an_estimated_search_keep_one_order_to_its_end(client, spent, monkeypatch):
    import datetime

    from claims import views
    from tests.factories import ClaimFactory

    monkeypatch.setattr(views, "RANK_UP_TO", 100)
    for day in range(95):
        ClaimFactory(
            # Relevance and date disagree: the Taliban are named 1, 2 or 3 times.
            text="The Taliban said things" + " of the Taliban" * (day % 3),
            stated_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=day),
        )
    Claim.objects.update(sample_key=0.0)  # every claim sampled: the estimate is double
    response, _ = listed(client, q="taliban")
    assert response.context["unranked"]  # estimated past RANK_UP_TO: newest first
    shown = [claim.pk for claim in response.context["claims"]]
    response, _ = listed(client, q="taliban", page=2)
    assert "95 claims" in response.content.decode()  # the last page tells the length
    shown += [claim.pk for claim in response.context["claims"]]
    assert len(shown) == len(set(shown)) == 95  # none twice, none left out


def _setting(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_a_long_phrase_is_paged_from_its_orders_index_and_the_planner_set_back(client, monkeypatch):
    """The planner sizes a phrase far too short and would read every match to sort the
    page; the sampled length tells the page to read the newest-first index instead."""
    from claims import plans, views

    generate(claims=2_000, links=0, seed=5)
    monkeypatch.setattr(views, "LIST_EXACT_UP_TO", 100)
    monkeypatch.setattr(views, "FACET_EXACT_UP_TO", 100)
    monkeypatch.setattr(views, "FACET_SAMPLE", 100)  # a sample of a part of the list
    monkeypatch.setattr(views, "RANK_UP_TO", 100)
    query = {"q": '"without preconditions"'}
    filters = ClaimFilter(QueryDict("q=%22without+preconditions%22"), queryset=Claim.objects.all())
    assert filters.is_valid()
    newest = list(filters.qs.order_by(*NEWEST).values_list("pk", flat=True))
    assert len(newest) > 200
    seen = []
    original = plans.in_order

    @contextmanager
    def watched(using, enabled=True):
        with original(using, enabled):
            seen.append((enabled, _setting("enable_bitmapscan")))
            yield

    monkeypatch.setattr(plans, "in_order", watched)
    for number in (1, 2):
        response = client.get(reverse("claims:claim_list"), {**query, "page": number})
        assert response.status_code == 200
        assert isinstance(response.context["estimated_total"], Estimate)
        shown = [claim.pk for claim in response.context["claims"]]
        assert shown == newest[(number - 1) * 50 : number * 50]  # the same claims, in order
    assert seen == [(True, "off"), (True, "off")]  # read from the index, both pages
    assert _setting("enable_bitmapscan") == "on" and _setting("enable_seqscan") == "on"


def test_a_phrase_counted_past_its_first_few_is_still_shown_exactly(client, monkeypatch):
    """A phrase is counted only up to DOUBTFUL_FIRST before the pilot sizes it; a list
    the pilot shows short is then read whole by its facets, and its total is exact."""
    from claims import filters as claim_filters

    generate(claims=2_000, links=0, seed=5)
    monkeypatch.setattr(claim_filters, "DOUBTFUL_FIRST", 50)
    query = "q=%22without+preconditions%22"
    true = ClaimFilter(QueryDict(query), queryset=Claim.objects.all()).qs.count()
    assert 50 < true <= 20_000
    response = client.get(f"{reverse('claims:claim_list')}?{query}")
    assert response.context["estimated_total"] is None
    assert response.context["page"].paginator.count == true
    assert f"{true:,} claims" in response.content.decode()
    assert response.context["estimated"] == {}  # its facets exact too


def test_a_phrase_not_counted_in_time_is_sampled_at_most_half_and_its_rate_written_plainly(
    client, spent
):
    """A list that could not be counted in time is never read whole again, however
    few claims its probe finds; the note gives the rate as a person writes it."""
    import re

    generate(claims=600, links=0, seed=5)
    response, _ = listed(client, q='"without preconditions"', kind="quote")
    estimated = response.context["estimated"]
    assert estimated  # sampled, not counted
    for rate in estimated.values():
        assert re.fullmatch(r"\d+(\.\d+)?%", rate), rate
        assert float(rate[:-1]) <= 50
    page = response.content.decode()
    assert all(
        f"random sample of {rate} of" in page or f"{rate} of them" in page
        for rate in estimated.values()
    )
