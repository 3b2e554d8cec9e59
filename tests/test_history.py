"""History is whole: every write recorded once, with who and why; revert and restore.

These run on SQLite and on PostgreSQL (CI runs the suite on both); the history is
written by the ORM (claims.history), so both record the same.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims import history
from claims.models import (
    Claim,
    Link,
    Outlet,
    Source,
    Speaker,
    SpeakerAlias,
    Stance,
    Subject,
    Topic,
)
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
    UserFactory,
    editor,
)
from tests.test_admin import claim_form

pytestmark = pytest.mark.django_db


def rows(obj):
    return type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id")


def kinds(obj):
    return [row.history_type for row in rows(obj)]


def test_one_admin_save_is_one_entry_with_its_topics_and_subjects(editor_client):
    claim = ClaimFactory(text="The first wording.")
    before = rows(claim).count()
    topic, subject = TopicFactory(), SubjectFactory()
    response = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(
            text="The second wording.",
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            **_dated(claim),
            topics=[topic.pk],
            subjects=[subject.pk],
        ),
    )
    assert response.status_code == 302
    assert rows(claim).count() == before + 1
    latest = rows(claim).last()
    assert latest.text == "The second wording."
    assert latest.history_user.username == response.wsgi_request.user.username
    assert history.m2m_state(latest) == {"topics": [topic.pk], "subjects": [subject.pk]}


@pytest.mark.parametrize(
    "make, change",
    [
        (ClaimFactory, {"text": "Changed words."}),
        (LinkFactory, {"note": "A changed note."}),
        (SourceFactory, {"title": "A changed title"}),
        (SpeakerFactory, {"name": "A Changed Name"}),
        (TopicFactory, {"title": "A changed question?"}),
        (SubjectFactory, {"name": "A changed subject"}),
        (OutletFactory, {"name": "A changed outlet"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_create_update_and_delete_are_recorded_with_who(make, change):
    user = UserFactory()
    with history.entry(user=user):
        obj = make()
    for name, value in change.items():
        setattr(obj, name, value)
    with history.entry(user=user, reason="a test"):
        obj.save()
    model, pk = type(obj), obj.pk
    if model is Source:
        obj.claims.all().delete()
    with history.entry(user=user):
        obj.delete()
    recorded = model.history.filter(id=pk).order_by("history_date", "history_id")
    assert [row.history_type for row in recorded] == ["+", "~", "-"]
    assert {row.history_user for row in recorded} == {user}
    assert recorded[1].history_change_reason == "a test"
    for name, value in change.items():
        assert getattr(recorded[1], name) == value


def test_queryset_update_bulk_create_and_bulk_update_are_recorded():
    claims = ClaimFactory.create_batch(3)
    user = UserFactory()
    with history.entry(user=user, reason="a cleanup"):
        assert Claim.objects.filter(pk__in=[c.pk for c in claims]).update(context="Edited") == 3
    for claim in claims:
        latest = rows(claim).last()
        assert (latest.history_type, latest.context, latest.history_user) == ("~", "Edited", user)
        assert latest.history_change_reason == "a cleanup"

    source, speaker = claims[0].source, claims[0].speaker
    made = Claim.objects.bulk_create(
        [
            Claim(text=f"Bulk {n}", kind=Claim.Kind.QUOTE, source=source, speaker=speaker)
            for n in range(2)
        ]
    )
    assert [kinds(claim) for claim in made] == [["+"], ["+"]]

    speakers = list(Speaker.objects.filter(pk=speaker.pk))
    speakers[0].description = "Bulk-updated"
    Speaker.objects.bulk_update(speakers, ["description"])
    assert rows(speaker).last().description == "Bulk-updated"


def test_updates_of_values_the_history_does_not_keep_write_no_rows():
    claim = ClaimFactory()
    before = rows(claim).count()
    # The evidence values are derived from the links: they are not history.
    Claim.objects.filter(pk=claim.pk).update(link_count=5)
    assert rows(claim).count() == before


def test_many_to_many_changes_from_either_side_are_recorded_on_the_claim():
    claim = ClaimFactory()
    topic, other = TopicFactory(), TopicFactory()
    claim.topics.add(topic)
    assert history.m2m_state(rows(claim).last())["topics"] == [topic.pk]
    other.claims.add(claim)  # from the topic's side
    assert history.m2m_state(rows(claim).last())["topics"] == sorted([topic.pk, other.pk])
    other.claims.clear()
    assert history.m2m_state(rows(claim).last())["topics"] == [topic.pk]


def test_admin_bulk_delete_action_records_each_claim_and_its_links(admin_client):
    first, second = ClaimFactory(), ClaimFactory()
    link = LinkFactory(claim_a=first, claim_b=second)
    response = admin_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for pk in (first.pk, second.pk):
        assert Claim.history.filter(id=pk).latest("history_date").history_type == "-"
    deletion = Link.history.filter(id=link.pk).latest("history_date")
    assert deletion.history_type == "-"
    assert deletion.history_user.is_superuser


def test_claim_history_page_shows_its_links_changes(editor_client):
    claim, other = ClaimFactory(), ClaimFactory()
    with history.entry(user=UserFactory(username="linker")):
        LinkFactory(claim_a=claim, claim_b=other, note="Both quote the same briefing.")
    page = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    section = page.content.decode().split('id="link-history"')[1]
    assert "linker" in section
    assert "Both quote the same briefing." in section
    assert "Created" in section


def test_revert_restores_fields_and_many_to_many_and_is_recorded(editor_client):
    old_topic, new_topic = TopicFactory(), TopicFactory()
    claim = ClaimFactory(text="The first wording.")
    claim.topics.set([old_topic])
    first = rows(claim).last()
    response = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(
            text="A mistaken wording.",
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            **_dated(claim),
            topics=[new_topic.pk],
        ),
    )
    assert response.status_code == 302

    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first.history_id])
    form = editor_client.get(url).context["adminform"].form
    # The form offers the version as it was, its topics included.
    assert form.initial["topics"] == [old_topic.pk]
    assert form.initial["text"] == "The first wording."
    response = editor_client.post(
        url,
        claim_form(
            text=form.initial["text"],
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            **_dated(claim),
            topics=form.initial["topics"],
        ),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "The first wording."
    assert list(claim.topics.all()) == [old_topic]
    revert = rows(claim).last()
    assert revert.history_change_reason.startswith("reverted to the version of")
    assert history.m2m_state(revert)["topics"] == [old_topic.pk]


def test_a_deleted_claim_is_restored_from_the_admin_with_its_topics_and_links(editor_client):
    claim, other = ClaimFactory(text="Said and then deleted."), ClaimFactory()
    topic = TopicFactory()
    claim.topics.set([topic])
    Stance.objects.create(claim=claim, topic=topic, stance=Stance.Kind.SUPPORTS)
    link = LinkFactory(claim_a=other, claim_b=claim)
    pk, created_at = claim.pk, claim.created_at
    with history.entry(user=UserFactory()):
        claim.delete()
    assert not Link.objects.filter(pk=link.pk).exists()

    listing = editor_client.get(reverse("admin:claims_claim_deleted"))
    assert "Said and then deleted." in listing.content.decode()
    response = editor_client.post(reverse("admin:claims_claim_restore", args=[pk]))
    assert response.status_code == 302

    restored = Claim.objects.get(pk=pk)
    assert restored.text == "Said and then deleted."
    assert restored.created_at == created_at
    assert list(restored.topics.all()) == [topic]
    assert restored.stances.get().stance == Stance.Kind.SUPPORTS
    assert Link.objects.filter(pk=link.pk, claim_a=other, claim_b=restored).exists()
    restored.refresh_from_db()
    assert restored.link_count == 1  # the evidence values follow the link back
    latest = rows(restored).last()
    assert latest.history_type == "+"
    assert latest.history_change_reason.startswith("restored after its deletion")
    listing = editor_client.get(reverse("admin:claims_claim_deleted"))
    assert "Said and then deleted." not in listing.content.decode()
    # Restoring twice says why not, and changes nothing.
    again = editor_client.post(reverse("admin:claims_claim_restore", args=[pk]), follow=True)
    assert "exists: there is nothing to restore" in again.content.decode()


def test_a_reviewer_sees_deleted_claims_but_cannot_restore(client):
    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    client.force_login(reviewer)
    claim = ClaimFactory(text="Deleted, for the reviewer to see.")
    pk = claim.pk
    claim.delete()
    listing = client.get(reverse("admin:claims_claim_deleted"))
    assert "Deleted, for the reviewer to see." in listing.content.decode()
    assert "Restore" not in listing.content.decode().split("<table")[-1]
    assert client.post(reverse("admin:claims_claim_restore", args=[pk])).status_code == 403
    assert not Claim.objects.filter(pk=pk).exists()


def test_import_is_one_entry_per_claim_with_its_topics(editor_client, tmp_path):
    from claims import imports

    topic = TopicFactory(title="Recognition?")
    source = SourceFactory()
    claim = ClaimFactory(source=source, text="Exported once.")
    claim.topics.set([topic])
    exported = _export(editor_client)
    Claim.objects.all().delete()
    Claim.history.all().delete()
    plan = imports.plan(_upload(exported))
    user = editor()
    imports.apply(plan, user=user)
    imported = Claim.objects.get(text="Exported once.")
    recorded = rows(imported)
    assert [row.history_type for row in recorded] == ["+"]
    assert recorded[0].history_change_reason == "import"
    assert recorded[0].history_user == user
    assert history.m2m_state(recorded[0])["topics"] == [topic.pk]


def test_speaker_aliases_and_stances_have_history_too():
    speaker = SpeakerFactory()
    alias = SpeakerAlias.objects.create(speaker=speaker, name="The Envoy")
    assert kinds(alias) == ["+"]
    claim, topic = ClaimFactory(), TopicFactory()
    stance = Stance.objects.create(claim=claim, topic=topic, stance=Stance.Kind.DISPUTES)
    assert kinds(stance) == ["+"]
    assert Outlet.history.model and Subject.history.model and Topic.history.model


def _dated(claim):
    return {
        "stated_on": claim.stated_on.isoformat() if claim.stated_on else "",
        "stated_on_precision": claim.stated_on_precision,
    }


def _export(client):
    response = client.get(reverse("claims:claims_csv"))
    return b"".join(response.streaming_content)


def _upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("claims.csv", content, content_type="text/csv")


def test_a_save_that_changes_nothing_writes_no_row(editor_client):
    claim = ClaimFactory()
    before = rows(claim).count()
    response = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        claim_form(
            text=claim.text,
            kind=claim.kind,
            speaker=claim.speaker.pk,
            source=claim.source.pk,
            speaker_role=claim.speaker_role,
            context=claim.context,
            **_dated(claim),
        ),
    )
    assert response.status_code == 302
    assert rows(claim).count() == before
