import re

import pandas as pd
import pytest
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from playwright.sync_api import expect

from claims.importers import load_corpus
from claims.models import Claim, Link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_researcher_follows_a_contradiction_to_its_source(live_server, page, screenshots):
    load_corpus()
    step = iter(range(1, 100))

    def shot(name):
        page.screenshot(path=screenshots / f"{next(step):02d}-{name}.png", full_page=True)

    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who said what")
    shot("home")

    # Search for a speaker.
    page.get_by_label("Search the claims").fill("Lavrov")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/claims/\?q=Lavrov"))
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ claims?$"))).to_be_visible()
    shot("search-lavrov")

    # Narrow by a topic from the facets.
    topic = "Recognition, sanctions and the Taliban's legitimacy"
    page.get_by_role("region", name="Narrow by").get_by_role("link", name=topic).click()
    expect(page).to_have_url(re.compile(r"topic=taliban-recognition"))
    expect(page.get_by_text("Topics: ")).to_be_visible()  # the filter in use, by its label
    shot("filtered-by-topic")

    # Open the claim on sanctions.
    claim = Claim.objects.get(
        text__startswith="the Russian Foreign Minister Sergey Lavrov also called"
    )
    page.get_by_role(
        "link", name=re.compile("also called on the West to lift its sanctions")
    ).click()
    expect(page).to_have_url(re.compile(rf"/claims/{claim.pk}/$"))
    expect(page.locator("#claim-text")).to_contain_text("lift its sanctions")
    shot("claim")

    # Follow the contradicting claim.
    links = Link.objects.involving(claim).filter(kind=Link.Kind.CONTRADICTS)
    other = next(
        link.other(claim) for link in links if link.other(claim).text.startswith("Washington")
    )
    contradicting = page.get_by_role("region", name=re.compile("Contradicting claims"))
    contradicting.get_by_role("link", name=re.compile(re.escape(other.text[:40]))).click()
    expect(page).to_have_url(re.compile(rf"/claims/{other.pk}/$"))
    expect(page.locator("#independence")).to_contain_text("Contradicted by")
    shot("contradicting-claim")

    # Open its source and see the claim's span highlighted.
    page.get_by_role("link", name="Read the whole source with this claim marked").click()
    expect(page).to_have_url(re.compile(rf"/sources/{other.source_id}/\?claim={other.pk}"))
    highlighted = page.locator("a.span.current").first
    expect(highlighted).to_be_visible()
    expect(highlighted).to_have_attribute("href", f"/claims/{other.pk}/")
    expect(page.locator("a.span.current")).to_contain_text(re.compile("Washington"))
    shot("source-with-span")


@pytest.mark.parametrize("kind", [Claim.Kind.QUOTE, Claim.Kind.ASSERTION])
def test_copy_citation_button_copies_the_citation(live_server, page, screenshots, kind):
    load_corpus()
    claim = Claim.objects.filter(kind=kind).order_by("pk").first()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    page.get_by_role("button", name="Copy citation").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"Claim Tracker #{claim.pk}" in copied
    # A quote is cited by its speaker; the source's own assertion by the source.
    expected = claim.speaker.name if claim.speaker else claim.source.voice
    assert copied.startswith(capfirst(expected))


def test_researcher_reads_the_answer_to_a_question(live_server, page, screenshots):
    load_corpus()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Which states accepted Taliban-appointed envoys?").click()
    expect(page.get_by_role("heading", name="The answer")).to_be_visible()
    answers = {"china": 2, "uae": 2, "uzbekistan": 1}
    for slug, witnesses in answers.items():
        answer = page.locator(f"#answer-{slug}")
        plural = "witness" if witnesses == 1 else "witnesses"
        expect(answer.locator(".witness-count")).to_have_text(f"{witnesses} independent {plural}")
        expect(answer).to_contain_text("nothing disputes it.")
    expect(page.locator("#answer-china")).to_contain_text("China: yes.")
    grid = page.get_by_role("table", name="Who says what, source by source")
    expect(grid.get_by_role("row")).to_have_count(1 + len(answers))
    page.screenshot(path=screenshots / "answer.png", full_page=True)
    # The evidence opens on a claim: the source's own assertion names its source.
    page.locator("#answer-uzbekistan summary").click()
    page.locator("#answer-uzbekistan").get_by_role("link", name=re.compile("Uzbekistan")).click()
    expect(page.locator("#asserted-by")).to_contain_text("Ruchi Kumar (The Moscow Times)")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_filtering_works_with_and_without_javascript(live_server, browser, screenshots, javascript):
    load_corpus()
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}/claims/")
    total = Claim.objects.count()
    expect(page.get_by_role("heading", name=f"{total} claims")).to_be_visible()

    page.get_by_role("region", name="Narrow by").get_by_role("link", name="Uzbekistan").click()
    expected = Claim.objects.filter(subjects__slug="uzbekistan").count()
    expect(page.get_by_role("heading", name=re.compile(rf"^{expected} claims?$"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"subject=uzbekistan"))

    page.get_by_label("Stated on or after").fill("2024-12-01")
    page.get_by_label("Stated on or before").fill("2024-01-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("is earlier than")
    page.screenshot(path=screenshots / "inverted-dates.png", full_page=True)
    context.close()


def test_export_downloads_exactly_the_filtered_claims(live_server, page, screenshots):
    load_corpus()
    page.goto(f"{live_server.url}/claims/?subject=uzbekistan&sort=oldest")
    expected = list(
        Claim.objects.filter(subjects__slug="uzbekistan")
        .order_by(F("stated_on").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)
    )
    heading = page.get_by_role("heading", name=re.compile(rf"^{len(expected)} claims?$"))
    expect(heading).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    today = timezone.now().date().isoformat()
    assert download.value.suggested_filename == f"claims-{today}.csv"
    frame = pd.read_csv(download.value.path(), dtype=str, keep_default_na=False)
    assert [int(pk) for pk in frame["id"]] == expected
    assert set(frame["subjects"].str.contains("Uzbekistan")) == {True}
