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


def test_an_editor_previews_an_import_then_confirms_it(
    page, live_server, corpus_and_chief, settings, tmp_path, screenshots
):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    source = Claim.objects.order_by("pk").first().source
    file = tmp_path / "claims.csv"
    file.write_text(
        "text,kind,speaker,stated_on,source_id,topics\r\n"
        f"The envoy will return in spring.,paraphrase,Kabulov,October 2024,{source.pk},\r\n"
        f"A new voice speaks.,quote,Ahmad Wali,4 Oct 2024,{source.pk},\r\n"
        f"No speaker here.,quote,,,{source.pk},\r\n",
        encoding="utf-8",
    )
    sign_in(page, live_server, "chief")
    page.goto(live_server.url + "/admin/claims/claim/")
    page.get_by_role("link", name="Import claims and links").click()
    page.get_by_label("Claims file").set_input_files(file)
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="What the import would do")).to_be_visible()
    rows = page.locator(".import-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("speaker “Kabulov” matched Zamir Kabulov by alias")
    expect(rows.nth(1)).to_contain_text("new")
    expect(rows.nth(2)).to_contain_text("speaker: a quote or a paraphrase needs its speaker")
    expect(page.get_by_text("New speakers (1)")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
    page.screenshot(path=screenshots / "import-preview-with-error.png", full_page=True)
    before = Claim.objects.count()

    # Fixed and uploaded again, it can be confirmed.
    file.write_text(
        "\r\n".join(file.read_text(encoding="utf-8").splitlines()[:3]) + "\r\n", encoding="utf-8"
    )
    page.get_by_role("link", name="Upload again").click()
    page.get_by_label("Claims file").set_input_files(file)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator(".import-rows tbody tr")).to_have_count(2)
    assert Claim.objects.count() == before, "the preview wrote nothing"
    page.screenshot(path=screenshots / "import-preview.png", full_page=True)
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".import-progress li").first).to_be_visible()
    expect(page.locator(".import-done")).to_contain_text("Imported: 2 new and 0 updated claims")
    assert Claim.objects.count() == before + 2
    assert Claim.objects.get(text="A new voice speaks.").speaker.name == "Ahmad Wali"
