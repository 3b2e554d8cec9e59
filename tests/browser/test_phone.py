"""At 390 px, a phone's width, no page scrolls sideways and results come first."""

import pytest
from django.urls import reverse

from claims.importers import load_corpus
from claims.models import Claim, Source, Speaker, Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def reading_pages():
    claim = Claim.objects.filter(links_as_a__isnull=False).first()
    source = Source.objects.exclude(full_text="").first()
    speaker = Speaker.objects.filter(claims__isnull=False).first()
    topic = Topic.objects.filter(answer_subjects__isnull=False).first()
    return {
        "home": reverse("claims:home"),
        "claims": reverse("claims:claim_list"),
        "claims-filtered": reverse("claims:claim_list") + "?kind=quote&has=contradiction",
        "claims-none": reverse("claims:claim_list") + "?q=zebrafish",
        "claims-error": reverse("claims:claim_list") + "?stated_after=soon",
        "claim": claim.get_absolute_url(),
        "speakers": reverse("claims:speaker_list"),
        "speaker": speaker.get_absolute_url(),
        "sources": reverse("claims:source_list"),
        "source": source.get_absolute_url(),
        "topic": topic.get_absolute_url(),
    }


def test_no_reading_page_scrolls_sideways_on_a_phone(live_server, browser, screenshots):
    load_corpus()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    wide = {}
    for name, path in reading_pages().items():
        page.goto(live_server.url + path)
        page.screenshot(path=screenshots / f"{name}.png", full_page=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            widest = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                    .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
            )
            wide[name] = (width, widest)
    context.close()
    assert wide == {}


def test_on_a_phone_the_results_come_before_the_folded_filters(live_server, browser, screenshots):
    load_corpus()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + reverse("claims:claim_list"))
    page.screenshot(path=screenshots / "claims-folded.png")
    first = page.locator("ol.claims > li").first.bounding_box()
    assert first["y"] < PHONE["height"]  # on the first screen
    filters = page.locator("details.filter-fold")
    assert not filters.evaluate("e => e.open")
    assert page.locator("#id_q").is_hidden()
    filters.locator("summary").click()
    page.fill("#id_q", "Taliban")
    page.press("#id_q", "Enter")
    page.wait_for_url("**q=Taliban**")
    assert page.locator("ol.claims > li").count() > 0
    context.close()


def test_on_a_laptop_the_filters_stay_open_beside_the_results(live_server, page):
    load_corpus()
    page.goto(live_server.url + reverse("claims:claim_list"))
    assert page.locator("#id_q").is_visible()
    assert page.locator("details.filter-fold").evaluate("e => e.open")


def test_on_a_phone_without_javascript_the_results_come_before_the_filters(
    live_server, browser, screenshots
):
    load_corpus()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("claims:claim_list"))
    page.screenshot(path=screenshots / "claims-no-js.png")
    first = page.locator("ol.claims > li").first.bounding_box()
    search = page.locator("#id_q").bounding_box()
    assert first["y"] < search["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_filter_box_offers_names_as_one_types(live_server, browser, screenshots):
    load_corpus()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + reverse("claims:claim_list"))
    page.locator("#id_speaker").press_sequentially("kabu", delay=50)
    option = page.locator('#speaker-options option[value="zamir-kabulov"]')
    option.wait_for(state="attached")
    assert "Zamir Kabulov" in option.text_content()
    page.screenshot(path=screenshots / "speaker-pick-list.png")
    # The option's value goes in the box; applying it filters the list.
    page.fill("#id_speaker", option.get_attribute("value"))
    page.press("#id_speaker", "Enter")
    page.wait_for_url("**speaker=zamir-kabulov**")
    speakers = page.locator("ol.claims > li .meta a[href^='/speakers/']").all_text_contents()
    assert speakers and set(speakers) == {"Zamir Kabulov"}
    context.close()


def test_on_a_phone_typing_in_a_pick_list_keeps_the_filters_open(live_server, browser):
    load_corpus()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + reverse("claims:claim_list"))
    filters = page.locator("details.filter-fold")
    filters.locator("summary").click()
    page.locator("#id_speaker").press_sequentially("kabu", delay=50)
    page.locator('#speaker-options option[value="zamir-kabulov"]').wait_for(state="attached")
    # The options arrived by htmx; the box one is typing in is still on screen.
    assert filters.evaluate("e => e.open")
    assert page.locator("#id_speaker").is_visible()
    context.close()
