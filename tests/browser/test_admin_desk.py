"""The admin as an editor uses it in a 1,280 px window."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims.importers import load_corpus
from claims.models import Claim, Link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Data entry")).to_be_visible()


@pytest.fixture
def corpus_and_chief(live_server):
    load_corpus()
    # A superuser: the flush between transactional tests removes the groups.
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)


def overflow(page, selector):
    """How many pixels the element's content is wider than the element."""
    return page.locator(selector).first.evaluate("e => e.scrollWidth - e.clientWidth")


def test_changelist_and_link_inline_fit_a_1280_window(page, live_server, corpus_and_chief):
    assert page.viewport_size["width"] == 1280
    sign_in(page, live_server, "chief")

    page.goto(live_server.url + "/admin/claims/claim/")
    assert overflow(page, "html") == 0
    assert overflow(page, ".results") == 0, "every column is visible without scrolling"
    text_column = page.locator("#result_list th.column-excerpt").bounding_box()["width"]
    assert text_column >= 250, f"the text column is {text_column:.0f} px"

    link = Link.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/claims/claim/{link.claim_a_id}/change/")
    assert overflow(page, "html") == 0
    for group in ["#links_as_a-group", "#links_as_b-group", "#stances-group"]:
        assert overflow(page, group) == 0, group


def test_enter_in_the_speaker_box_takes_the_speaker_typed(page, live_server, corpus_and_chief):
    sign_in(page, live_server, "chief")
    claim = Claim.objects.filter(speaker__name="Zamir Kabulov").order_by("pk").first()
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    page.locator(".field-speaker .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Taliban government")
    first = page.locator(".select2-results__option").first
    expect(first).to_have_text("Taliban government")
    expect(page.locator(".select2-results__option").nth(1)).to_contain_text(
        "Amir Khan Muttaqi: Taliban foreign minister (as reported)"
    )
    expect(page.locator(".select2-results__option").nth(1)).to_contain_text(
        "matched on affiliation"
    )
    page.keyboard.press("Enter")
    expect(page.locator(".field-speaker .select2-selection__rendered")).to_contain_text(
        "Taliban government"
    )
