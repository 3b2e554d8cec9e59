import pytest

from tests.factories import editor


@pytest.fixture
def editor_client(client, db):
    client.force_login(editor())
    return client


@pytest.fixture(autouse=True)
def budgets_a_busy_machine_keeps(settings):
    """Tests assert what a page shows, not how fast the machine is: a count or a
    similar-words search that a loaded CI machine runs slowly is not cut short.
    Running out of time is tested where it is meant to happen (tests/test_budget.py,
    tests/test_matching.py), with budgets of its own."""
    settings.COUNT_BUDGET_MS = 5_000
    settings.MATCHING_WORDS_BUDGET_MS = 5_000
