"""New source from text, as an editor uses it: paste, review, edit, reject, save."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims.models import Claim, Outlet, Source
from tests.browser.test_admin_desk import PASSWORD, overflow, sign_in
from tests.factories import OutletFactory, SpeakerFactory
from tests.test_from_text import ARTICLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(live_server):
    SpeakerFactory(name="Sergey Lavrov", slug="sergey-lavrov")
    OutletFactory(name="TASS", slug="tass")
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)


def paste_the_article(page, live_server):
    sign_in(page, live_server, "chief")
    page.goto(live_server.url + "/admin/claims/source/")
    page.get_by_role("link", name="New source from text").click()
    page.get_by_label("Title").fill("Moscow keeps its embassy open")
    page.get_by_label("URL").fill("example.org/embassy")
    page.get_by_label("Published on").fill("2024-10-04")
    page.get_by_label("Publication date known to the").select_option("day")
    page.get_by_label("Full text").fill(ARTICLE)
    page.get_by_role("button", name="Find the claims").click()
    expect(page.get_by_role("heading", name="3 candidate claims")).to_be_visible()


def test_editor_pastes_reviews_edits_rejects_and_saves(page, live_server, desk, screenshots):
    paste_the_article(page, live_server)
    first, second, third = (page.locator(f"#candidate-{n}") for n in (1, 2, 3))
    expect(second.locator("mark")).to_have_text(
        "We will not abandon our partners in Kabul, whatever happens next"
    )
    expect(second).to_contain_text("nearest speaker named before it")
    expect(second.get_by_label("Speaker")).to_have_value("Sergey Lavrov")
    expect(second.get_by_label("Via (outlet it came through)")).to_have_value(
        str(Outlet.objects.get(name="TASS").pk)
    )
    expect(first.get_by_label("Stated on")).to_have_value("2024-10-03")
    expect(third).to_contain_text("“Zamir Kabulov” is not a known speaker")
    page.screenshot(path=screenshots / "review-1280.png", full_page=True)
    assert Source.objects.count() == 0, "nothing is stored before the save"

    first.get_by_label("Text").fill("Moscow would keep its embassy in Kabul open")
    third.get_by_role("radio", name="Reject").check()
    page.get_by_role("button", name="Save the source and the accepted claims").click()

    expect(page.locator(".messagelist")).to_contain_text("with 2 claims, each found in its text")
    page.get_by_role("link", name="see them in the source").click()
    marks = page.locator(".source-text a.span")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_have_text("Moscow would keep its embassy in Kabul open")
    expect(marks.nth(1)).to_have_text(
        "We will not abandon our partners in Kabul, whatever happens next"
    )
    assert Claim.objects.filter(speaker__name="Zamir Kabulov").count() == 0


@pytest.mark.parametrize("width", [1400, 390])
def test_the_review_fits_the_window(browser, live_server, desk, screenshots, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    paste_the_article(page, live_server)
    page.screenshot(path=screenshots / f"review-{width}.png", full_page=True)
    assert overflow(page, "html") == 0
    for n in (1, 2, 3):
        assert overflow(page, f"#candidate-{n}") == 0, f"candidate {n} fits"
    context.close()
