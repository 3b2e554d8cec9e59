import pytest

from tests.factories import editor


@pytest.fixture
def editor_client(client, db):
    client.force_login(editor())
    return client
