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


def test_two_editors_save_the_same_claim_and_the_second_is_told_what_changed(
    browser, live_server, corpus_and_chief, screenshots
):
    get_user_model().objects.create_superuser("deputy", "deputy@example.org", PASSWORD)
    claim = Claim.objects.filter(kind=Claim.Kind.QUOTE).order_by("pk").first()
    url = f"{live_server.url}/admin/claims/claim/{claim.pk}/change/"
    desks = []
    for username in ["chief", "deputy"]:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, username)
        page.goto(url)
        desks.append(page)
    chief, deputy = desks

    chief.get_by_label("Speaker role").fill("Russia's special envoy")
    chief.get_by_role("button", name="Save", exact=True).click()
    expect(chief.locator(".messagelist")).to_contain_text("was changed successfully")

    deputy.get_by_label("Context").fill("Moscow Format, 4 October")
    deputy.get_by_role("button", name="Save", exact=True).click()
    refusal = deputy.locator(".errorlist.nonfield")
    expect(refusal).to_contain_text("Someone else saved this claim after you opened it")
    expect(refusal).to_contain_text(
        f"Speaker role: was “{claim.speaker_role}” when you opened the form, "
        "now “Russia's special envoy”"
    )
    expect(refusal).to_contain_text("The last save was by chief")
    expect(deputy.get_by_label("Context")).to_have_value("Moscow Format, 4 October")
    deputy.screenshot(path=screenshots / "stale-edit-refused.png", full_page=True)
    claim.refresh_from_db()
    assert claim.speaker_role == "Russia's special envoy"
    assert claim.context != "Moscow Format, 4 October"

    # Having read the list, the deputy keeps the chief's role and saves the context.
    deputy.get_by_label("Speaker role").fill("Russia's special envoy")
    deputy.get_by_role("button", name="Save", exact=True).click()
    expect(deputy.locator(".messagelist")).to_contain_text("was changed successfully")
    claim.refresh_from_db()
    assert (claim.speaker_role, claim.context) == (
        "Russia's special envoy",
        "Moscow Format, 4 October",
    )
    for page in desks:
        page.context.close()
