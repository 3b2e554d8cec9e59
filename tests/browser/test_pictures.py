"""A speaker's timeline: drawn on the server, at each date's precision, read in a browser."""

import datetime

import pytest

from claims.dates import DatePrecision
from claims.importers import load_corpus
from claims.models import Claim, Speaker
from tests.factories import ClaimFactory, LinkFactory, SpeakerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_claim_leads_to_its_place_on_its_speakers_timeline(live_server, page, screenshots):
    load_corpus()
    speaker = Speaker.objects.get(name="Zamir Kabulov")
    claim = speaker.claims.exclude(stated_on=None).order_by("stated_on").last()
    page.goto(live_server.url + claim.get_absolute_url())
    page.click("#on-timeline")
    page.wait_for_url(f"**#timeline-claim-{claim.pk}")
    svg = page.locator("svg.timeline-svg")
    assert svg.get_attribute("role") == "img"
    assert "Zamir Kabulov" in svg.locator("title").first.text_content()
    mark = page.locator(f"#timeline-claim-{claim.pk}")
    assert mark.is_visible()
    assert claim.text[:40] in mark.locator("title").text_content()
    page.locator("#timeline").screenshot(path=screenshots / "speaker-timeline.png")
    # Every dated claim of the speaker is a mark; the caption says how many.
    dated = speaker.claims.exclude(stated_on=None).count()
    assert page.locator("svg.timeline-svg a.tl-link").count() == dated
    assert f"{dated} statement" in page.locator("#timeline-desc").text_content()
    # The mark is a link back to its claim.
    mark.locator(".tl-mark").click()
    page.wait_for_url(f"**{claim.get_absolute_url()}")


def test_the_timeline_draws_precision_and_contradiction_by_shape(live_server, page, screenshots):
    speaker = SpeakerFactory(name="An Envoy", slug="an-envoy")
    day = ClaimFactory(
        speaker=speaker, stated_on=datetime.date(2024, 5, 15), stated_on_precision=DatePrecision.DAY
    )
    month = ClaimFactory(
        speaker=speaker,
        stated_on=datetime.date(2024, 9, 1),
        stated_on_precision=DatePrecision.MONTH,
    )
    year = ClaimFactory(
        speaker=speaker, stated_on=datetime.date(2023, 1, 1), stated_on_precision=DatePrecision.YEAR
    )
    ClaimFactory(speaker=speaker, stated_on=None, stated_on_precision=DatePrecision.UNKNOWN)
    LinkFactory(claim_a=day, claim_b=ClaimFactory(), kind="contradicts", note="Denied.")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + speaker.get_absolute_url())
    page.screenshot(path=screenshots / "timeline-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    def box(claim):
        return page.locator(f"#timeline-claim-{claim.pk} .tl-mark").bounding_box()

    # A contradicted day is a diamond; a month a bar a twelfth as long as a year's.
    assert page.locator(f"#timeline-claim-{day.pk} polygon.tl-contradicted").count() == 1
    assert round(box(year)["width"] / box(month)["width"]) in (11, 12, 13)
    # In date order, left to right.
    assert box(year)["x"] < box(day)["x"] < box(month)["x"]
    caption = page.locator("#timeline-desc").text_content()
    assert "3 statements" in caption and "1 contradicted" in caption
    assert "1 of unknown date not drawn" in caption
    assert Claim.objects.filter(speaker=speaker).count() == 4


def test_a_topics_network_groups_statements_and_draws_links_by_kind(live_server, page, screenshots):
    from claims.models import Link, Topic

    load_corpus()
    topic = Topic.objects.get(slug="taliban-envoys")
    answers = topic.answer_subjects.all()
    corroboration = Link.objects.filter(
        kind="corroborates",
        claim_a__stances__topic=topic,
        claim_b__stances__topic=topic,
        claim_a__subjects__in=answers,
        claim_b__subjects__in=answers,
    ).first()
    claim = corroboration.claim_a
    # An editor records that another claim of the evidence contradicts this one.
    other = (
        Claim.objects.filter(stances__topic=topic, subjects__in=answers)
        .exclude(pk__in=[corroboration.claim_a_id, corroboration.claim_b_id])
        .exclude(statement_key=claim.statement_key)
        .first()
    )
    Link.objects.create(claim_a=claim, claim_b=other, kind="contradicts", note="Denied.")

    page.goto(live_server.url + claim.get_absolute_url())
    page.locator("a.on-network").first.click()
    page.wait_for_url(f"**#network-claim-{claim.pk}")
    svg = page.locator("svg.network-svg")
    page.locator("#network").screenshot(path=screenshots / "topic-network.png")
    assert svg.get_attribute("role") == "img"
    for subject in answers:
        assert svg.locator("text.nw-answer", has_text=subject.name).count() == 1
    assert svg.locator("path.nw-corroborates").count() >= 1
    assert svg.locator("path.nw-contradicts").count() == 1
    caption = page.locator("#network-desc").text_content()
    corroborating = svg.locator("path.nw-corroborates").count()
    assert f"{corroborating} corroborating" in caption and "1 contradicting" in caption

    def dashes(kind):
        return svg.locator(f"path.nw-{kind}").first.evaluate(
            "e => getComputedStyle(e).strokeDasharray"
        )

    # Drawn differently: a contradiction dashed, a corroboration solid.
    assert dashes("corroborates") == "none" and dashes("contradicts") != "none"
    mark = page.locator(f"#network-claim-{claim.pk}")
    assert claim.text[:30] in mark.locator("title").text_content()
    mark.locator("circle").click()
    page.wait_for_url(f"**{claim.get_absolute_url()}")
