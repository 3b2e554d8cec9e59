"""Time budgets for queries whose cost depends on the data: PostgreSQL's statement_timeout.

An exact count of a long search, or the similar-words search of claim matching, may
take a few milliseconds or a few seconds, and which cannot be told beforehand (the
planner's estimate of a phrase's matches is often far off). Run inside `within()`,
such a query is cancelled by the server when its budget is spent, and the caller
does with less: an estimate with its margin instead of the exact count, or the other
ways of finding candidates. The budget is set for a savepoint of its own, so that a
cancelled query leaves the surrounding transaction usable and the rest of the
request runs without it. Other databases have no statement timeout: there the block
runs to its end (they are meant for small data).
"""

from contextlib import contextmanager

from django.db import OperationalError, connections, transaction


class OverBudget(Exception):
    """The block's query ran past its time budget and was cancelled."""


@contextmanager
def within(using, milliseconds):
    """Run the block's queries with at most `milliseconds` each; OverBudget if one ran out."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not milliseconds:
        yield
        return
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), "
                    "set_config('statement_timeout', %s, true)",
                    [str(milliseconds)],
                )
                (before, _) = cursor.fetchone()
            yield
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise OverBudget(str(error)) from error
        raise
