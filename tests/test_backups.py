"""A backup restores into an empty database with the same claims, links and history."""

import copy
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import RequestFactory
from django.urls import reverse

from claims import export
from claims.importers import load_corpus
from claims.models import Claim, Link

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same engine, as the alias "restored"."""
    settings = copy.deepcopy(connection.settings_dict)
    name = f"{settings['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    else:
        name = str(tmp_path / "restored.sqlite3")
    settings["NAME"] = name
    # A connection made here, not named in settings.DATABASES: the test framework
    # lets such connections through (and creates no test database for them).
    connections["restored"] = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, "restored")
    yield "restored"
    connections["restored"].close()
    del connections["restored"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def exports(using):
    request = RequestFactory().get(reverse("claims:claims_csv"))
    claims = Claim.objects.using(using).order_by("pk")
    links = Link.objects.using(using).order_by("pk")
    return (
        b"".join(export.claim_csv_chunks(claims, request)),
        b"".join(export.link_csv_chunks(links)),
    )


def test_a_backup_restores_into_an_empty_database_byte_for_byte(tmp_path, empty_database):
    load_corpus()
    claim = Claim.objects.order_by("pk").first()
    claim.context = "Corrected after the backup drill"
    claim.save()  # history with more than one version
    before = exports("default")
    history = Claim.history.count()
    path = tmp_path / "corpus.backup"

    call_command("backup", str(path))
    call_command("restore", str(path), database=empty_database)

    assert exports(empty_database) == before
    assert len(before[0].splitlines()) == Claim.objects.count() + 1 > 100
    assert Claim.history.using(empty_database).count() == history
    restored = Claim.history.using(empty_database).filter(id=claim.pk).order_by("history_date")
    assert [record.context for record in restored][-1] == "Corrected after the backup drill"
    # The restored database keeps working: triggers and evidence follow a change.
    moved = Claim.objects.using(empty_database).get(pk=claim.pk)
    moved.topics.clear()
    assert Claim.objects.using(empty_database).get(pk=claim.pk).topic_names == ""


def test_a_restore_refuses_a_database_that_holds_data(tmp_path):
    load_corpus()
    path = tmp_path / "corpus.backup"
    call_command("backup", str(path))
    with pytest.raises(CommandError, match="restore into an empty database"):
        call_command("restore", str(path))
    assert Claim.objects.count() > 100


def test_a_restore_names_a_missing_file(tmp_path, empty_database):
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore", str(tmp_path / "nothing"), database=empty_database)
