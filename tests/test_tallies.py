"""The counts kept on write stay equal to a recount, whatever way the rows change."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from claims import pairs, tallies
from claims.management.commands.generate_claims import generate
from claims.models import Claim, Link, PairTally, Source, Speaker, Tally
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def kept(facet, value=""):
    row = Tally.objects.filter(facet=facet, value=str(value)).first()
    return row.rows if row else 0


def pair(given, given_value, facet, value):
    row = PairTally.objects.filter(
        given_facet=given, given_value=str(given_value), facet=facet, value=str(value)
    ).first()
    return row.rows if row else 0


def assert_true():
    assert tallies.differences() == []
    assert pairs.differences() == []


def test_creating_changing_and_deleting_claims_moves_their_tallies():
    claim = ClaimFactory(kind=Claim.Kind.QUOTE)
    assert (kept("all"), kept("kind", "quote"), kept("speaker", claim.speaker_id)) == (1, 1, 1)
    assert kept("outlet", claim.source.outlet_id) == kept("source", claim.source_id) == 1
    other = SpeakerFactory()
    claim.speaker, claim.kind = other, Claim.Kind.PARAPHRASE
    claim.save()
    assert (kept("kind", "quote"), kept("kind", "paraphrase")) == (0, 1)
    assert (kept("speaker", other.pk), kept("table", "claims_speaker")) == (1, 2)
    assert_true()
    claim.delete()
    assert (kept("all"), kept("speaker", other.pk)) == (0, 0)
    assert_true()


def test_topics_and_subjects_count_through_every_many_to_many_change():
    claims = ClaimFactory.create_batch(3)
    topic, subject = TopicFactory(), SubjectFactory()
    for claim in claims:
        claim.topics.add(topic)
    claims[0].topics.remove(topic)
    claims[1].subjects.set([subject])
    assert (kept("topic", topic.pk), kept("subject", subject.pk)) == (2, 1)
    assert pair("topic", topic.pk, "kind", claims[1].kind) >= 1
    assert pair("subject", subject.pk, "topic", topic.pk) == 1
    assert pair("topic", topic.pk, "subject", subject.pk) == 1
    claims[2].topics.clear()
    assert kept("topic", topic.pk) == 1
    subject.delete()
    assert kept("subject", subject.pk) == 0
    assert_true()


def test_bulk_writes_and_queryset_updates_are_counted():
    source = SourceFactory()
    Claim.objects.bulk_create(
        Claim(text=f"Said {n}.", kind=Claim.Kind.ASSERTION, source=source) for n in range(40)
    )
    assert kept("kind", "assertion") == 40
    Claim.objects.filter(pk__in=Claim.objects.order_by("pk")[:15].values("pk")).update(
        kind=Claim.Kind.PARAPHRASE, speaker=SpeakerFactory()
    )
    assert (kept("kind", "assertion"), kept("kind", "paraphrase")) == (25, 15)
    Claim.objects.filter(kind=Claim.Kind.ASSERTION).delete()
    assert kept("all") == 15
    assert_true()


def test_a_source_moved_to_another_outlet_moves_its_claims():
    source = SourceFactory()
    ClaimFactory.create_batch(4, source=source)
    before, after = source.outlet, OutletFactory()
    source.outlet = after
    source.save()
    assert (kept("outlet", before.pk), kept("outlet", after.pk)) == (0, 4)
    kind = source.claims.first().kind
    assert pair("outlet", after.pk, "kind", kind) == source.claims.filter(kind=kind).count()
    assert pair("outlet", before.pk, "kind", kind) == 0
    Source.objects.filter(pk=source.pk).update(outlet=None)
    assert kept("outlet", after.pk) == 0
    assert_true()


def test_links_move_the_evidence_tallies_and_count_themselves():
    link = LinkFactory(kind=Link.Kind.CONTRADICTS)
    assert (kept("has", "contradiction"), kept("table", "claims_link")) == (2, 1)
    assert kept("has", "no_links") == 0
    link.delete()
    assert (kept("has", "contradiction"), kept("has", "no_links")) == (0, 2)
    assert_true()


def test_a_write_rolled_back_leaves_the_tallies_as_they_were():
    ClaimFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        ClaimFactory.create_batch(3)
        raise RuntimeError("editor cancelled")
    assert kept("all") == 1


def test_generated_claims_copied_in_bulk_are_counted():
    # On PostgreSQL generate() COPYs claims, links and topics: the statement triggers.
    generate(claims=2_000, links=1_000, seed=4)
    assert kept("all") == Claim.objects.count() == 2_000
    assert kept("table", "claims_speaker") == Speaker.objects.count()
    assert kept("table", "claims_link") == Link.objects.count()
    assert_true()


def test_the_command_finds_a_wrong_tally_and_rebuilds_it():
    ClaimFactory.create_batch(2, kind=Claim.Kind.QUOTE)
    call_command("tallies")  # agrees
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_tally SET rows = 7 WHERE facet = 'kind' AND value = 'quote'")
    with pytest.raises(CommandError, match="1 tallies differ"):
        call_command("tallies")
    call_command("tallies", rebuild=True)
    assert kept("kind", "quote") == 2
    assert_true()
    outlet = Claim.objects.first().source.outlet_id
    PairTally.objects.filter(given_facet="outlet", given_value=str(outlet), facet="kind").update(
        rows=5
    )
    with pytest.raises(CommandError, match="1 tallies differ"):
        call_command("tallies")
    call_command("tallies", rebuild=True)
    assert pair("outlet", outlet, "kind", "quote") == (
        Claim.objects.filter(source__outlet=outlet, kind=Claim.Kind.QUOTE).count()
    )
    assert_true()


@pytest.mark.django_db(transaction=True)
def test_emptying_every_table_empties_the_tallies():
    # Django's flush (as between browser tests, or `manage.py flush`) empties the
    # tables in no set order: claims_tally may go before the claims it counts.
    link, topic = LinkFactory(), TopicFactory()
    link.claim_a.topics.add(topic)
    call_command("flush", interactive=False)
    assert not Tally.objects.filter(rows__gt=0).exists()
    ClaimFactory()
    assert kept("all") == 1
    assert_true()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "first, second", [("topic", "kind"), ("kind", "topic"), ("move", "kind"), ("kind", "move")]
)
def test_two_editors_changing_one_claim_at_once_leave_the_pairs_true(first, second):
    """Two transactions that overlap: one edits the claim's kind, the other adds a topic
    to it or moves its source to another outlet. In either order neither may pair its
    change with a value the other has changed."""
    import threading

    import psycopg

    claim = ClaimFactory(kind=Claim.Kind.QUOTE)
    topic, before, after = TopicFactory(), claim.source.outlet, OutletFactory()
    settings = connection.settings_dict
    dsn = psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"],
        password=settings["PASSWORD"],
    )
    statements = {
        "topic": (
            "INSERT INTO claims_claim_topics (claim_id, topic_id) VALUES (%s, %s)",
            [claim.pk, topic.pk],
        ),
        "kind": ("UPDATE claims_claim SET kind = 'paraphrase' WHERE id = %s", [claim.pk]),
        "move": (
            "UPDATE claims_source SET outlet_id = %s WHERE id = %s",
            [after.pk, claim.source_id],
        ),
    }
    with psycopg.connect(dsn) as one, psycopg.connect(dsn) as two:
        one.execute(*statements[first])  # open: its transaction holds its locks
        done = threading.Event()

        def other():
            two.execute(*statements[second])
            two.commit()
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not done.wait(0.5)  # the second waits for the first
        one.commit()
        thread.join(10)
        assert done.is_set()
    if "topic" in (first, second):
        assert pair("topic", topic.pk, "kind", "paraphrase") == 1
        assert pair("topic", topic.pk, "kind", "quote") == 0
    else:
        assert pair("outlet", after.pk, "kind", "paraphrase") == 1
        assert pair("outlet", before.pk, "kind", "quote") == 0
    assert_true()
