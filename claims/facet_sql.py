"""The facets of a list counted by PostgreSQL in one query, not row by row in Python.

Raw SQL here (STYLE.md): `tallies` wraps the list's own query (its SQL and
parameters, as Django compiles them) in a common table expression and groups it
once per facet. Its portable twin is claims.filters._tallies, which reads the same
columns claim by claim and counts them in Python; tests/test_facets.py holds the two
to the same result. At a million claims the twin spent about 40 ms of a common
word's search turning a sample of 5,000 claims into Python rows and counting them,
and 18 ms more looking up their sources' outlets; here PostgreSQL returns a few
hundred (value, count) rows.
"""

from collections import Counter

from django.db import connections

# facet: the column of the claim it groups by. The outlet is the claim's source's,
# read through source_outlet_idx; the topics and subjects are the ids the triggers
# keep on the claim (claims.triggers), space-separated.
COLUMNS = {
    "kind": "kind",
    "speaker": "speaker_id",
    "outlet": "source_id",
    "via": "via_id",
    "topic": "topic_ids",
    "subject": "subject_ids",
}


def _grouped(name, limit):
    """The SELECT of facet `name`'s `limit` commonest values over the list `s`:
    (facet, value, count), in the order claims.filters._top gives them."""
    column = COLUMNS[name]
    if name == "outlet":
        value, source = "o.outlet_id", "s JOIN claims_source AS o ON o.id = s.source_id"
    elif name in ("topic", "subject"):
        value = "CAST(value AS BIGINT)"
        source = f"s CROSS JOIN LATERAL unnest(string_to_array(s.{column}, ' ')) AS value"
    else:
        value, source = f"s.{column}", "s"
    return (
        f"(SELECT '{name}', CAST({value} AS TEXT), count(*) FROM {source} "
        f"WHERE {value} IS NOT NULL GROUP BY {value} ORDER BY count(*) DESC, {value} "
        f"LIMIT {int(limit)})"
    )


def tallies(claims, names, limit):
    """({facet: Counter of its `limit` commonest values}, how many claims) for the list
    `claims`, with the outlets counted (not the sources, as the twin reads them).

    As claims.filters._read_tallies returns them, cut to what claims.filters._top
    keeps of them. PostgreSQL only.
    """
    columns = sorted({COLUMNS[name] for name in names})
    rows = claims.values_list(*columns)
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    parts = [_grouped(name, limit) for name in names]
    parts.append("(SELECT '', NULL, count(*) FROM s)")  # how many claims were read
    query = f"WITH s ({', '.join(columns)}) AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts)
    found = {name: Counter() for name in names}
    read = 0
    with connections[claims.db].cursor() as cursor:
        cursor.execute(query, params)
        for name, value, count in cursor.fetchall():
            if not name:
                read = count
            elif name == "kind":
                found[name][value] = count
            else:
                found[name][int(value)] = count
    return found, read
