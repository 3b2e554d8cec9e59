"""With READ_REPLICA set, the reading pages and exports read the replica; nothing else does.

The replica here is a second connection to the test database, as replication would
make it: the alias "replica" with its own connection, so each query shows where it went.
"""

import copy

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection, connections, router
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim
from tests.factories import LinkFactory, UserFactory
from tracker.routers import reading

# Committed rows: the replica's connection sees only what the primary committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(settings):
    wrapper = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper
    connections["replica"] = wrapper(copy.deepcopy(connection.settings_dict), "replica")
    settings.READ_REPLICA = "replica"
    yield connections["replica"]
    connections["replica"].close()
    del connections["replica"]


@pytest.fixture
def corpus():
    link = LinkFactory()
    return link.claim_a


def queries(client, url):
    """(queries on the primary, queries on the replica) for a GET of `url`, body read."""
    with (
        CaptureQueriesContext(connection) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        b"".join(response.streaming_content) if response.streaming else response.content
    return len(primary), len(replica)


def test_reading_pages_and_exports_read_only_the_replica(client, replica, corpus):
    claim = corpus
    for url in [
        reverse("claims:home"),
        reverse("claims:claim_list") + "?kind=paraphrase",
        claim.get_absolute_url(),
        claim.speaker.get_absolute_url(),
        claim.source.get_absolute_url(),
        reverse("claims:speaker_list"),
        reverse("claims:source_list"),
        reverse("claims:claims_csv"),
        reverse("claims:links_csv"),
    ]:
        on_primary, on_replica = queries(client, url)
        assert (on_primary, on_replica > 0) == (0, True), url


def test_the_admin_reads_and_everyone_writes_the_primary(client, replica, corpus):
    # A superuser: the flush between transactional tests removes the Editor group.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    claim = corpus
    on_primary, on_replica = queries(client, reverse("admin:claims_claim_changelist"))
    assert on_primary > 0 and on_replica == 0
    # A reading page signed in: the claims come from the replica, and a session or
    # user it reads (none today) from the primary.
    with (
        CaptureQueriesContext(connection) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        assert client.get(claim.get_absolute_url()).status_code == 200
    assert replica.captured_queries
    for query in primary.captured_queries:
        assert '"django_session"' in query["sql"] or '"auth_user"' in query["sql"], query
    with reading():
        assert router.db_for_read(Claim) == "replica"
        assert router.db_for_read(Session) == router.db_for_read(User) == "default"
    # An object read from the replica and saved is written to the primary.
    with reading():
        read = Claim.objects.get(pk=claim.pk)
    assert read._state.db == "replica"
    read.context = "Saved after a read from the replica."
    read.save()
    assert read._state.db == "default"
    assert Claim.objects.using("default").get(pk=claim.pk).context == read.context


def test_without_a_replica_everything_reads_the_primary(client, settings, corpus):
    assert settings.READ_REPLICA is None
    with CaptureQueriesContext(connection) as primary:
        assert client.get(reverse("claims:claim_list")).status_code == 200
    assert len(primary) > 0
    assert "replica" not in connections
