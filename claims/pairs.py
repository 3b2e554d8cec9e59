"""Counts kept on write for pairs of facet values: the claims with both, exact at any size.

claims.tallies counts the claims with one value ("outlet 3": 30,112). A list filtered
by one value shows, beside it, how its claims spread over the other facets (of the
30,112 claims of outlet 3, how many are quotes, how many are on topic 7, how many
are by speaker 12) and, with a second filter, how long that list is. Counting those
reads the whole filtered list on every request. They are kept instead in
claims_pairtally, one row per (given facet, given value, facet, value): ("outlet",
"3", "topic", "7") is the number of claims of outlet 3 on topic 7.

Which pairs: a facet in GIVEN (a filter whose list can be long) with a facet in
COUNTED (what the list shows beside it, and "has", for the length of a list with
two filters), never a facet with itself. A source's own list is a handful of
claims, counted as it is read, so it is not GIVEN.

The triggers follow claims.tallies: statement-level with transition tables on
PostgreSQL, row-level on SQLite, in the transaction that writes. What they keep
true: for every claim, every pair of its current values. A write changes some of
a claim's values; the pairs that change are those between a changed value and the
claim's other values at that moment, so each statement adds or takes exactly its
own pairs, whatever order a claim and its topic rows are written or deleted in (a
claim deleted before its topic rows takes their pairs with it; the topic rows,
deleted after, find no claim and take nothing).

`recount()` and `differences()` compare them with the rows (`manage.py tallies`).
On SQLite a migration that rebuilds claims_claim, claims_source or a link table
must drop these triggers first and create them again after:
`pairs.drop_on_sqlite` / `pairs.create_on_sqlite`, as with claims.tallies.
"""

from django.db import connections, transaction

from . import tallies, triggers

GIVEN = ["kind", "speaker", "outlet", "via", "topic", "subject", "has"]
COUNTED = ["kind", "topic", "subject", "speaker", "outlet", "via", "has"]

# The values on the claim row that pair: every one of claims.tallies but "all" and
# "source" (a source's list is a handful of claims).
VALUES = {name: sql for name, sql in tallies.FACETS.items() if name not in ("all", "source")}
LINKS = tallies.LINKS  # many-to-many table: (facet, its column)
KEY = "given_facet, given_value, facet, value"
# The claim columns a row of `_features` reads, for a row made of OLD's values.
ROW = ["id", *tallies.COLUMNS]


def _listed(names):
    return ", ".join(f"'{name}'" for name in names)


def _kept(given, counted):
    """SQL: the pair of facets (`given`, `counted`) is one that is kept."""
    return (
        f"{given} IN ({_listed(GIVEN)}) AND {counted} IN ({_listed(COUNTED)}) "
        f"AND {given} <> {counted}"
    )


def _features(rows, sign=1):
    """SQL (SQLite): (claim, facet, value, d) for each value of the claims in `rows`.

    `rows` is a relation of claim rows (a one-row subquery of OLD's values, the
    claim table); the claims' topics and subjects are read from their tables as
    they are now. d is `sign`.
    """
    parts = [
        f"SELECT r.id AS claim, '{tallies._facet(name)}' AS facet, "
        f"{value.format(r='r', outlet='s.outlet_id')} AS value, {sign} AS d "
        f"FROM {rows} AS r LEFT JOIN claims_source AS s ON s.id = r.source_id"
        for name, value in VALUES.items()
    ]
    parts += [
        f"SELECT m.claim_id, '{facet}', CAST(m.{column} AS TEXT), {sign} FROM {table} AS m "
        f"WHERE m.claim_id IN (SELECT r.id FROM {rows} AS r)"
        for table, (facet, column) in LINKS.items()
    ]
    return " UNION ALL ".join(parts)


def _within(features):
    """SQL (SQLite): (key..., d) for every kept pair of two values `features` gives a claim."""
    return (
        "SELECT a.facet AS gf, a.value AS gv, b.facet AS f, b.value AS v, a.d AS d "
        f"FROM ({features}) AS a JOIN ({features}) AS b "
        f"ON b.claim = a.claim AND b.d = a.d AND {_kept('a.facet', 'b.facet')} "
        "WHERE a.value IS NOT NULL AND b.value IS NOT NULL"
    )


def _across(changed, features):
    """SQL (SQLite): (key..., d) for the pairs of a `changed` value with the claim's values.

    `changed` gives (claim, facet, value, d): the values a statement adds (d = 1)
    or takes (d = -1); `features`, the claims' values as they are. Both ways round.
    """
    joined = f"FROM ({changed}) AS x JOIN ({features}) AS f ON f.claim = x.claim"
    where = "x.value IS NOT NULL AND f.value IS NOT NULL"
    return (
        f"SELECT x.facet AS gf, x.value AS gv, f.facet AS f, f.value AS v, x.d AS d {joined} "
        f"WHERE {where} AND {_kept('x.facet', 'f.facet')} "
        f"UNION ALL SELECT f.facet, f.value, x.facet, x.value, x.d {joined} "
        f"WHERE {where} AND {_kept('f.facet', 'x.facet')}"
    )


def _claims_in(changed):
    """SQL: the claim rows that the values `changed` belong to."""
    claims = f"SELECT claim FROM ({changed}) AS changed"
    return f"(SELECT c.* FROM claims_claim AS c WHERE c.id IN ({claims}))"


# PostgreSQL plans a trigger's statement without knowing how many rows its transition
# tables hold (it guesses a handful), and a join of two derived sets it has guessed
# small can become a nested loop over both: quadratic in a COPY of thousands. Its
# statements read each claim's values with LATERAL instead, by index, one claim at
# a time: linear whatever the guess.


def _lateral_values(r="r", s="s"):
    """SQL (PostgreSQL): a LATERAL relation (facet, value) of the claim row `r`."""
    columns = ", ".join(
        f"('{tallies._facet(name)}', {value.format(r=r, outlet=f'{s}.outlet_id')})"
        for name, value in VALUES.items()
    )
    links = " ".join(
        f"UNION ALL SELECT '{facet}', CAST(m.{column} AS TEXT) FROM {table} AS m "
        f"WHERE m.claim_id = {r}.id"
        for table, (facet, column) in LINKS.items()
    )
    return (
        f"LATERAL (SELECT k.facet, k.value FROM (VALUES {columns}) AS k(facet, value) "
        f"WHERE k.value IS NOT NULL {links})"
    )


def _pg_within(rows, sign):
    """SQL (PostgreSQL): (key..., d) for every kept pair of the values of each claim in `rows`."""
    return (
        f"SELECT a.facet AS gf, a.value AS gv, b.facet AS f, b.value AS v, {sign} AS d "
        f"FROM {rows} AS r LEFT JOIN claims_source AS s ON s.id = r.source_id "
        f"CROSS JOIN {_lateral_values()} AS a CROSS JOIN {_lateral_values()} AS b "
        f"WHERE {_kept('a.facet', 'b.facet')}"
    )


def _pg_across(changed):
    """SQL (PostgreSQL): (key..., d) for the pairs of each `changed` value (claim,
    facet, value, d) with its claim's values as they are now, both ways round."""
    return (
        "SELECT p.gf, p.gv, p.f, p.v, x.d "
        f"FROM ({changed}) AS x JOIN claims_claim AS r ON r.id = x.claim "
        "LEFT JOIN claims_source AS s ON s.id = r.source_id "
        f"CROSS JOIN {_lateral_values()} AS c "
        "CROSS JOIN LATERAL (VALUES (x.facet, x.value, c.facet, c.value), "
        "(c.facet, c.value, x.facet, x.value)) AS p(gf, gv, f, v) "
        f"WHERE x.value IS NOT NULL AND {_kept('p.gf', 'p.f')}"
    )


def _grouped(deltas):
    # Ordered, so that concurrent transactions lock the rows in the same order.
    return (
        f"SELECT gf, gv, f, v, sum(d) AS n FROM ({deltas}) AS deltas "
        "WHERE true GROUP BY gf, gv, f, v HAVING sum(d) <> 0 ORDER BY gf, gv, f, v"
    )


def _add(deltas):
    return (
        f"INSERT INTO claims_pairtally ({KEY}, rows) {_grouped(deltas)} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET rows = claims_pairtally.rows + excluded.rows;"
    )


def _take(deltas):
    """SQLite: take each pair of `deltas` (d = 1 each) from its row, never creating one.

    As claims.tallies.SUBTRACT: after Django's flush empties claims_pairtally before
    the claims, there is nothing to take from, and the empty table stays true.
    """
    return (
        f"UPDATE claims_pairtally SET rows = rows - g.n FROM ({_grouped(deltas)}) AS g "
        "WHERE claims_pairtally.given_facet = g.gf AND claims_pairtally.given_value = g.gv "
        "AND claims_pairtally.facet = g.f AND claims_pairtally.value = g.v;"
    )


def _link_values(facet, column, rows, sign):
    return (
        f"SELECT claim_id AS claim, '{facet}' AS facet, CAST({column} AS TEXT) AS value, "
        f"{sign} AS d FROM {rows}"
    )


def _moved_outlets(sign, side, where):
    """SQL: the outlet value of each claim of a source whose outlet changed."""
    return (
        f"SELECT c.id AS claim, 'outlet' AS facet, CAST({side}.outlet_id AS TEXT) AS value, "
        f"{sign} AS d FROM {where} AND c.source_id = {side}.id"
    )


# Two transactions that change different values of one claim (a topic added while
# the claim's kind is edited, a source moved while a claim is added to it) would
# each pair their change with the other values as their snapshot has them, and
# miss the other's. So each statement first locks the rows whose values it pairs
# with, in id order, and reads them after the lock, when READ COMMITTED shows it
# the other's committed change: a link table's statement locks its claims (an
# UPDATE of the claim waits for it, or it for the UPDATE), a source's outlet move
# locks its claims, and a new claim locks its source against a move (FOR SHARE
# conflicts with the UPDATE of the source). The claim triggers of claims.tallies
# fire after these (triggers fire in name order), inside the same locks.
_LOCK_CLAIMS = (
    "PERFORM 1 FROM claims_claim WHERE id IN (SELECT claim_id FROM {rows}) "
    "ORDER BY id FOR NO KEY UPDATE; "
)
_LOCK_MOVED = (
    "PERFORM 1 FROM claims_claim WHERE source_id IN (SELECT o.id FROM old_rows AS o "
    "JOIN new_rows AS n ON n.id = o.id WHERE o.outlet_id IS DISTINCT FROM n.outlet_id) "
    "ORDER BY id FOR NO KEY UPDATE; "
)
_LOCK_SOURCES = (
    "PERFORM 1 FROM claims_source WHERE id IN (SELECT source_id FROM new_rows) "
    "ORDER BY id FOR SHARE; "
)
_BOTH = "(SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows) AS changed"


def postgresql_create():
    changed = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in tallies.COLUMNS)
    moved = f"FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE {changed}"
    statements = [
        (
            "claims_claim_pairs_insert",
            "claims_claim",
            "INSERT",
            "REFERENCING NEW TABLE AS new_rows",
            _pg_within("new_rows", 1),
        ),
        (
            "claims_claim_pairs_delete",
            "claims_claim",
            "DELETE",
            "REFERENCING OLD TABLE AS old_rows",
            _pg_within("old_rows", -1),
        ),
        (
            # The claims whose counted columns changed: their pairs before, and after.
            "claims_claim_pairs_update",
            "claims_claim",
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _pg_within(f"(SELECT o.* {moved})", -1)
            + " UNION ALL "
            + _pg_within(f"(SELECT n.* {moved})", 1),
        ),
    ]
    where = (
        "old_rows AS o JOIN new_rows AS n ON n.id = o.id CROSS JOIN claims_claim AS c "
        "WHERE o.outlet_id IS DISTINCT FROM n.outlet_id"
    )
    outlets = f"{_moved_outlets(-1, 'o', where)} UNION ALL {_moved_outlets(1, 'n', where)}"
    statements.append(
        (
            "claims_source_outlet_pairs",
            "claims_source",
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _pg_across(outlets),
        )
    )
    for table, (facet, column) in LINKS.items():
        for suffix, event, referencing, values in [
            (
                "insert",
                "INSERT",
                "REFERENCING NEW TABLE AS new_rows",
                _link_values(facet, column, "new_rows", 1),
            ),
            (
                "delete",
                "DELETE",
                "REFERENCING OLD TABLE AS old_rows",
                _link_values(facet, column, "old_rows", -1),
            ),
            (
                "update",
                "UPDATE",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                f"{_link_values(facet, column, 'old_rows', -1)} UNION ALL "
                f"{_link_values(facet, column, 'new_rows', 1)}",
            ),
        ]:
            deltas = _pg_across(values)
            statements.append((f"{table}_pairs_{suffix}", table, event, referencing, deltas))
    # The rows each statement must hold before it reads the claims' other values.
    locks = {"claims_claim_pairs_insert": _LOCK_SOURCES, "claims_source_outlet_pairs": _LOCK_MOVED}
    locks.update(
        (f"{table}_pairs_{suffix}", _LOCK_CLAIMS.format(rows=rows))
        for table in LINKS
        for suffix, rows in [("insert", "new_rows"), ("delete", "old_rows"), ("update", _BOTH)]
    )
    return [
        tallies._function(name, locks.get(name, "") + _add(deltas), table, event, referencing)
        for name, table, event, referencing, deltas in statements
    ]


def _trigger_names():
    """(table, trigger) for every trigger this module creates."""
    names = [("claims_claim", f"claims_claim_pairs_{s}") for s in ("insert", "delete", "update")]
    names.append(("claims_source", "claims_source_outlet_pairs"))
    names += [(t, f"{t}_pairs_{s}") for t in LINKS for s in ("insert", "delete", "update")]
    return names


def postgresql_drop():
    sql = []
    for table, name in _trigger_names():
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        sql.append(f"DROP FUNCTION IF EXISTS {name}();")
    return sql


def _sqlite_row(row):
    """SQL: a one-row relation of the claim `row` (OLD or NEW) with the columns it reads."""
    return "(SELECT " + ", ".join(f"{row}.{column} AS {column}" for column in ROW) + ")"


def sqlite_create():
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in tallies.COLUMNS)
    old = _within(_features(_sqlite_row("OLD")))
    new = _within(_features(_sqlite_row("NEW")))
    sql = [
        f"CREATE TRIGGER claims_claim_pairs_insert AFTER INSERT ON claims_claim "
        f"BEGIN {_add(new)} END;",
        f"CREATE TRIGGER claims_claim_pairs_delete AFTER DELETE ON claims_claim "
        f"BEGIN {_take(old)} END;",
        f"CREATE TRIGGER claims_claim_pairs_update AFTER UPDATE OF {', '.join(tallies.COLUMNS)} "
        f"ON claims_claim WHEN {changed} BEGIN {_take(old)} {_add(new)} END;",
    ]

    def outlet(side):
        values = (
            f"SELECT c.id AS claim, 'outlet' AS facet, CAST({side}.outlet_id AS TEXT) AS value, "
            f"1 AS d FROM claims_claim AS c WHERE c.source_id = {side}.id"
        )
        return _across(values, _features(_claims_in(values)))

    sql.append(
        "CREATE TRIGGER claims_source_outlet_pairs AFTER UPDATE OF outlet_id ON claims_source "
        f"WHEN OLD.outlet_id IS NOT NEW.outlet_id BEGIN {_take(outlet('OLD'))} "
        f"{_add(outlet('NEW'))} END;"
    )
    for table, (facet, column) in LINKS.items():

        def attached(row, facet=facet, column=column):
            values = (
                f"SELECT {row}.claim_id AS claim, '{facet}' AS facet, "
                f"CAST({row}.{column} AS TEXT) AS value, 1 AS d"
            )
            return _across(values, _features(_claims_in(values)))

        sql += [
            f"CREATE TRIGGER {table}_pairs_insert AFTER INSERT ON {table} "
            f"BEGIN {_add(attached('NEW'))} END;",
            f"CREATE TRIGGER {table}_pairs_delete AFTER DELETE ON {table} "
            f"BEGIN {_take(attached('OLD'))} END;",
            f"CREATE TRIGGER {table}_pairs_update AFTER UPDATE ON {table} "
            f"BEGIN {_take(attached('OLD'))} {_add(attached('NEW'))} END;",
        ]
    return sql


def sqlite_drop():
    return [f"DROP TRIGGER IF EXISTS {name};" for _, name in _trigger_names()]


def _recount_sql(vendor):
    """One query: every pair tally as the rows say it should be."""
    if vendor == "postgresql":
        return _grouped(_pg_within("claims_claim", 1))
    return _grouped(_within(_features("claims_claim")))


def recount(using="default"):
    """{(given facet, given value, facet, value): rows} computed from the rows."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_recount_sql(connection.vendor))
        return {tuple(row[:4]): row[4] for row in cursor.fetchall()}


def stored(using="default"):
    """{(given facet, given value, facet, value): rows} as claims_pairtally holds them."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {KEY}, rows FROM claims_pairtally WHERE rows <> 0")
        return {tuple(row[:4]): row[4] for row in cursor.fetchall()}


def differences(using="default"):
    """[(key, stored, true)] for every pair tally that disagrees with the rows."""
    true, kept = recount(using), stored(using)
    return sorted(
        (key, kept.get(key, 0), true.get(key, 0))
        for key in true.keys() | kept.keys()
        if kept.get(key, 0) != true.get(key, 0)
    )


def rebuild(using="default"):
    """Replace every pair tally with its recount."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE claims_claim, claims_pairtally IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM claims_pairtally")
        cursor.execute(
            f"INSERT INTO claims_pairtally ({KEY}, rows) {_recount_sql(connection.vendor)}"
        )


def create(apps, schema_editor):
    statements = {"postgresql": postgresql_create, "sqlite": sqlite_create}
    triggers.run(schema_editor, statements, "pair tally triggers")
    rebuild(schema_editor.connection.alias)


def drop(apps, schema_editor):
    statements = {"postgresql": postgresql_drop, "sqlite": sqlite_drop}
    triggers.run(schema_editor, statements, "pair tally triggers")


create_on_sqlite = triggers.on_sqlite(create)
drop_on_sqlite = triggers.on_sqlite(drop)
