"""Counts of whole tables that stay cheap at a million rows."""

from django.db import connections, router

# Below this many rows (by PostgreSQL's estimate) a table is counted exactly.
EXACT_BELOW = 100_000


def table_counts(*models, exact_below=None):
    """{model: (rows, estimated)} for each model's table.

    count(*) reads the whole table, so on PostgreSQL a table the planner believes
    holds `exact_below` rows or more is given the planner's estimate instead
    (pg_class.reltuples, kept by ANALYZE and autovacuum; it costs nothing), and
    `estimated` says so. Smaller tables, tables never analysed (-1) and other
    databases are counted exactly.
    """
    exact_below = EXACT_BELOW if exact_below is None else exact_below
    estimates = {}
    connection = connections[router.db_for_read(models[0])]
    if connection.vendor == "postgresql":
        tables = [model._meta.db_table for model in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])",
                [tables],
            )
            estimates = dict(cursor.fetchall())
    counts = {}
    for model in models:
        estimate = estimates.get(model._meta.db_table, -1)
        if estimate >= exact_below:
            counts[model] = (round(estimate), True)
        else:
            counts[model] = (model._default_manager.count(), False)
    return counts
