"""The three groups (Reviewer, Editor, Administrator) and the sign-in limits."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from claims.models import Source

from .factories import ClaimFactory, SourceFactory, UserFactory, editor

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery"


def member(group):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def claims_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "claims"
    ]


def test_reviewer_may_view_every_admin_page_and_change_nothing(rf):
    reviewer = member("Reviewer")
    request = rf.get("/admin/")
    request.user = reviewer
    assert claims_admins(), "the claims models are registered in the admin"
    for model, model_admin in claims_admins():
        name = model._meta.model_name
        assert model_admin.has_view_permission(request), name
        assert not model_admin.has_add_permission(request), name
        assert not model_admin.has_change_permission(request), name
        assert not model_admin.has_delete_permission(request), name


def test_reviewer_reads_a_claim_and_its_history_but_cannot_save(client):
    claim = ClaimFactory(text="The talks will resume in spring.")
    client.force_login(member("Reviewer"))
    change = reverse("admin:claims_claim_change", args=[claim.pk])

    page = client.get(change)
    assert page.status_code == 200
    assert "The talks will resume in spring." in page.text
    assert 'name="_save"' not in page.text
    history = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert history.status_code == 200

    response = client.post(change, {"text": "Rewritten by a reviewer."})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.text == "The talks will resume in spring."
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403


def test_only_an_administrator_deletes_a_source_or_manages_accounts(client):
    source = SourceFactory()
    delete = reverse("admin:claims_source_delete", args=[source.pk])
    users = reverse("admin:auth_user_changelist")

    client.force_login(editor())
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(users).status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()

    client.force_login(member("Administrator"))
    assert client.get(users).status_code == 200
    client.post(delete, {"post": "yes"})
    assert not Source.objects.filter(pk=source.pk).exists()


def test_administrator_may_do_everything_an_editor_may(rf):
    request = rf.get("/admin/")
    request.user = editor()
    granted = {
        (model, action)
        for model, model_admin in claims_admins()
        for action in ("view", "add", "change", "delete")
        if getattr(model_admin, f"has_{action}_permission")(request)
    }
    request.user = member("Administrator")
    for model, action in granted:
        model_admin = admin.site._registry[model]
        assert getattr(model_admin, f"has_{action}_permission")(request), (model, action)


def fail(client, username, address="10.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": "wrong guess"}, REMOTE_ADDR=address
    )


def sign_in(client, username, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=address)


def signed_in(client):
    return client.get("/admin/").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_account_is_paused_after_repeated_failures_from_any_address(client):
    user = editor()
    assert fail(client, user.username, "10.0.0.1").status_code == 200
    assert fail(client, user.username, "10.0.0.2").status_code == 200
    # The third failure reaches the limit: the answer is the pause, not the form again.
    assert fail(client, user.username, "10.0.0.3").status_code == 429

    # The right password, from a fourth address, is refused while the pause lasts.
    response = sign_in(client, user.username, "10.0.0.4")
    assert response.status_code == 429
    assert "Sign-in paused" in response.text
    assert "15 minutes" in response.text
    assert not signed_in(client)

    # Another account signs in from one of those addresses.
    other = editor()
    assert sign_in(client, other.username, "10.0.0.1").status_code == 302
    assert signed_in(client)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_address_is_paused_after_failures_for_many_accounts(client):
    for username in ["alice", "bob", "carol"]:
        fail(client, username, "10.0.0.9")
    user = editor()
    assert sign_in(client, user.username, "10.0.0.9").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, user.username, "10.0.0.10").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_sign_in_clears_the_accounts_failures(client):
    user = editor()
    fail(client, user.username, "10.0.0.1")
    fail(client, user.username, "10.0.0.2")
    assert sign_in(client, user.username, "10.0.0.3").status_code == 302
    client.logout()
    fail(client, user.username, "10.0.0.5")
    fail(client, user.username, "10.0.0.6")
    assert sign_in(client, user.username, "10.0.0.7").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_administrator_lifts_a_pause(client):
    user = editor()
    for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"]:
        fail(client, user.username, address)
    assert sign_in(client, user.username, "10.0.0.4").status_code == 429

    client.force_login(member("Administrator"))
    attempts = AccessAttempt.objects.filter(username=user.username)
    assert attempts.exists()
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 200
    client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [attempt.pk for attempt in attempts],
            "post": "yes",
        },
    )
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    client.logout()
    assert sign_in(client, user.username, "10.0.0.4").status_code == 302
