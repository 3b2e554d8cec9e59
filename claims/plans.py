"""Planner settings for one block of queries, where the app knows a list's length better.

Raw SQL here (STYLE.md): set_config of PostgreSQL's planner settings, local to a
savepoint and restored after it.

The planner sizes a phrase search from its words' statistics, often hundreds of
times too short (a phrase of common words matches 184,000 claims; it expects
1,144). For a page of such a list it then reads every claim that holds the words
and sorts them all for the page's 50: a third of a second at a million claims.
Reading the list's order index until the page is full would read a few hundred.
When the list's sampled length shows the page lies that early in its order,
`in_order()` runs the page's query with bitmap and sequential scans off, which
leaves the planner the index of the order. Other databases run the block as it is.
"""

from contextlib import contextmanager

from django.db import connections, transaction

SETTINGS = ("enable_bitmapscan", "enable_seqscan")


@contextmanager
def in_order(using, enabled=True):
    """Run the block's queries reading an index in their order, when `enabled`."""
    connection = connections[using]
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT "
                + ", ".join(f"current_setting('{name}')" for name in SETTINGS)
                + ", "
                + ", ".join(f"set_config('{name}', 'off', true)" for name in SETTINGS)
            )
            before = cursor.fetchone()[: len(SETTINGS)]
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in SETTINGS),
                [value for pair in zip(SETTINGS, before, strict=True) for value in pair],
            )
