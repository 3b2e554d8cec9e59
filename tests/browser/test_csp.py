"""Every page and the admin work under the Content-Security-Policy, with no violation."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims.importers import load_corpus
from claims.models import Claim, Source, Speaker, Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects what the browser refuses under the policy, from before any page script runs.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(LISTEN)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page, refused


def violations(page, refused):
    return page.evaluate("window.__violations") + refused


def test_reading_pages_work_under_the_policy(live_server, watched):
    page, refused = watched
    load_corpus()
    claim = Claim.objects.filter(kind=Claim.Kind.QUOTE).order_by("pk").first()
    urls = [
        "/",
        "/claims/",
        "/claims/?q=sanctions",
        "/claims/?q=" + "-" * 40,
        f"/claims/{claim.pk}/",
        "/speakers/",
        f"/speakers/{Speaker.objects.order_by('pk').first().slug}/",
        "/sources/",
        f"/sources/{Source.objects.order_by('pk').first().pk}/?claim={claim.pk}",
        f"/topics/{Topic.objects.order_by('pk').first().slug}/",
    ]
    for url in urls:
        response = page.goto(live_server.url + url)
        assert "content-security-policy" in response.headers, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert violations(page, refused) == [], url

    # htmx (served by the app) narrows the list in place, under the same policy.
    page.goto(live_server.url + "/claims/")
    page.get_by_role("region", name="Narrow by").get_by_role("link").first.click()
    expect(
        page.get_by_text(re.compile(r"^(Topics|Speaker|Subjects|Source outlet|Kind|Via): "))
    ).to_be_visible()
    page.get_by_role("button", name="Copy citation").count()  # present or not, no violation
    assert violations(page, refused) == []


def test_the_admin_works_under_the_policy(live_server, watched):
    page, refused = watched
    load_corpus()
    get_user_model().objects.create_superuser("chief", "chief@example.org", "a-long-pass-phrase")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Data entry")).to_be_visible()
    claim = Claim.objects.order_by("pk").first()
    for url in [
        "/admin/claims/claim/",
        "/admin/claims/claim/?q=Kabulov",
        f"/admin/claims/claim/{claim.pk}/change/",
        "/admin/claims/claim/add/",
        f"/admin/claims/source/{claim.source_id}/change/",
        "/admin/claims/link/add/",
        "/admin/claims/speaker/",
        f"/admin/claims/claim/{claim.pk}/history/",
    ]:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert violations(page, refused) == [], url

    # The speaker autocomplete (select2, served by the admin) opens and searches.
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    page.locator(".field-speaker .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Kab")
    expect(page.locator(".select2-results__option").first).to_contain_text("Kabulov")
    assert violations(page, refused) == []
