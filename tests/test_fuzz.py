"""Property-based fuzzing of every public URL: no 5xx, nothing unescaped.

CI runs FUZZ_EXAMPLES cases (default 300) on each database; bench/fuzz.py runs the
same strategies at 10,000 cases and more and the README records its last run.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings

from claims.importers import load_corpus
from claims.management.commands.generate_claims import generate
from tests import strategies

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))


@pytest.fixture
def corpus():
    """The seed corpus and some generated claims; their ids and slugs."""
    load_corpus()
    generate(claims=300, links=300, seed=11)
    return strategies.identifiers()


def test_no_request_to_a_public_url_is_a_server_error(client, corpus):
    failures = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(strategies.requests(*corpus))
    def request(url):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # errors inside the stream count too
        failures.extend(strategies.problems(response, url))
        assert not failures, failures

    request()
