"""Counts kept on write: how many claims have each facet value, exact at any size.

count(*) over a million claims reads a million rows; the home page, the claim list
and its facets, and the speaker and topic pages need such counts on every request.
They are kept instead in claims_tally, one row per (facet, value): ("all", "") for
every claim, ("speaker", "12") for the claims of speaker 12, ("has",
"contradiction") for the claims whose statement is contradicted, ("table",
"claims_link") for the rows of a table, and so on (FACETS, TABLES).

Database triggers keep the rows true in the transaction that changes the claims,
so every way of writing (the admin, imports, `QuerySet.update()`, `bulk_create`,
a COPY, a cascade) counts, and a count never disagrees with the rows it counts.
On PostgreSQL the triggers are statement-level with transition tables: a COPY of a
million claims adds to each tally once. SQLite has row-level triggers.

The cost: every write to a claim also updates its tallies, and concurrent
transactions that add claims queue on the ("all", "") row until they commit. For
an editorial corpus that is nothing; README "Scale" says what changes beyond.

`recount()` computes every tally from the rows (what `manage.py tallies --check`
compares and `--rebuild` writes). Raw SQL (STYLE.md): trigger definitions, used by
migrations. On SQLite a migration that rebuilds claims_claim, claims_source or a
link table must drop these triggers first and create them again after, as it does
the name triggers (claims.triggers): `tallies.drop_on_sqlite`, `tallies.create_on_sqlite`.
"""

from django.db import connections, transaction

from . import triggers

# facet: SQL for its value on the claim row `{r}` (NULL: the claim has none)
FACETS = {
    "all": "''",
    "kind": "{r}.kind",
    "speaker": "CAST({r}.speaker_id AS TEXT)",
    "source": "CAST({r}.source_id AS TEXT)",
    "outlet": "CAST({outlet} AS TEXT)",
    "via": "CAST({r}.via_id AS TEXT)",
    "has corroboration": "CASE WHEN {r}.corroborating_reports > 0 THEN 'corroboration' END",
    "has contradiction": "CASE WHEN {r}.contradicting_reports > 0 THEN 'contradiction' END",
    "has no_links": "CASE WHEN {r}.link_count = 0 THEN 'no_links' END",
}
# {outlet} is the claim's source's outlet_id: a join where there are many claims, a
# subquery in a row trigger.
JOINED = "{rows} AS r LEFT JOIN claims_source AS s ON s.id = r.source_id"
# The claim columns the values above read: an update of any other column counts nothing.
COLUMNS = [
    "kind",
    "speaker_id",
    "source_id",
    "via_id",
    "corroborating_reports",
    "contradicting_reports",
    "link_count",
]
# many-to-many table: (facet, its column)
LINKS = {
    "claims_claim_topics": ("topic", "topic_id"),
    "claims_claim_subjects": ("subject", "subject_id"),
}
# Tables whose rows are counted, as ("table", name).
TABLES = ["claims_source", "claims_speaker", "claims_link"]

UPSERT = (
    "INSERT INTO claims_tally (facet, value, rows) {select} "
    "ON CONFLICT (facet, value) DO UPDATE SET rows = claims_tally.rows + excluded.rows;"
)
# SQLite takes away with an UPDATE that never creates a row: a tally row exists for
# every counted row, unless claims_tally was emptied first, as Django's flush (DELETE
# FROM each table, in no set order) does between tests; then there is nothing to take
# from, and the emptied tallies stay true to the emptied tables.
SUBTRACT = (
    "UPDATE claims_tally SET rows = rows - {n} "
    "WHERE (facet, value) IN (SELECT facet, value FROM ({select}));"
)


def _facet(name):
    # "has contradiction" is the facet "has"; the key names it apart from its siblings.
    return name.split()[0]


def _claim_values(rows, sign):
    """(facet, value, sign) for every tally of every claim in `rows` (PostgreSQL)."""
    pairs = ", ".join(
        f"('{_facet(name)}', {value.format(r='r', outlet='s.outlet_id')})"
        for name, value in FACETS.items()
    )
    return (
        f"SELECT k.facet, k.value, {sign} FROM {JOINED.format(rows=rows)} "
        f"CROSS JOIN LATERAL (VALUES {pairs}) AS k(facet, value) WHERE k.value IS NOT NULL"
    )


def _grouped(deltas):
    # Ordered, so that concurrent transactions lock the tallies in the same order.
    return (
        f"SELECT facet, value, sum(d) FROM ({deltas}) AS deltas(facet, value, d) "
        "GROUP BY facet, value HAVING sum(d) <> 0 ORDER BY facet, value"
    )


def _function(name, body, table, event, referencing):
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body}
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def postgresql_create():
    changed = " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in COLUMNS)
    claims = {
        "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", _claim_values("new_rows", 1)),
        "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", _claim_values("old_rows", -1)),
        # PostgreSQL allows no column list on a trigger with transition tables.
        "update": (
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            # Only the rows whose counted columns changed: an evidence update that
            # leaves a claim's counts alone reads it, and adds nothing.
            _claim_values(
                f"(SELECT o.* FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id "
                f"WHERE {changed})",
                -1,
            )
            + " UNION ALL "
            + _claim_values(
                f"(SELECT n.* FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id "
                f"WHERE {changed})",
                1,
            ),
        ),
    }
    sql = [
        _function(
            f"claims_claim_tally_{suffix}",
            UPSERT.format(select=_grouped(deltas)),
            "claims_claim",
            event,
            referencing,
        )
        for suffix, (event, referencing, deltas) in claims.items()
    ]
    # A source moved to another outlet moves its claims' outlet tallies.
    moved = (
        "SELECT 'outlet', CAST(o.outlet_id AS TEXT), -count(*) FROM old_rows AS o "
        "JOIN new_rows AS n ON n.id = o.id JOIN claims_claim AS c ON c.source_id = o.id "
        "WHERE o.outlet_id IS DISTINCT FROM n.outlet_id AND o.outlet_id IS NOT NULL "
        "GROUP BY o.outlet_id UNION ALL "
        "SELECT 'outlet', CAST(n.outlet_id AS TEXT), count(*) FROM old_rows AS o "
        "JOIN new_rows AS n ON n.id = o.id JOIN claims_claim AS c ON c.source_id = n.id "
        "WHERE o.outlet_id IS DISTINCT FROM n.outlet_id AND n.outlet_id IS NOT NULL "
        "GROUP BY n.outlet_id"
    )
    sql.append(
        _function(
            "claims_source_outlet_tally",
            UPSERT.format(select=_grouped(moved)),
            "claims_source",
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        )
    )
    for table, (facet, column) in LINKS.items():
        for suffix, event, referencing, deltas in [
            (
                "insert",
                "INSERT",
                "REFERENCING NEW TABLE AS new_rows",
                f"SELECT '{facet}', CAST({column} AS TEXT), 1 FROM new_rows",
            ),
            (
                "delete",
                "DELETE",
                "REFERENCING OLD TABLE AS old_rows",
                f"SELECT '{facet}', CAST({column} AS TEXT), -1 FROM old_rows",
            ),
            (
                "update",
                "UPDATE",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                f"SELECT '{facet}', CAST({column} AS TEXT), -1 FROM old_rows UNION ALL "
                f"SELECT '{facet}', CAST({column} AS TEXT), 1 FROM new_rows",
            ),
        ]:
            sql.append(
                _function(
                    f"{table}_tally_{suffix}",
                    UPSERT.format(select=_grouped(deltas)),
                    table,
                    event,
                    referencing,
                )
            )
    for table in TABLES:
        for suffix, sign, rows in [("insert", "", "new_rows"), ("delete", "-", "old_rows")]:
            count = f"SELECT 'table', '{table}', {sign}count(*) FROM {rows} HAVING count(*) > 0"
            sql.append(
                _function(
                    f"{table}_tally_{suffix}",
                    UPSERT.format(select=count),
                    table,
                    suffix.upper(),
                    f"REFERENCING {'NEW' if sign == '' else 'OLD'} TABLE AS {rows}",
                )
            )
    return sql


def _trigger_names():
    """(table, trigger) for every trigger this module creates."""
    names = [("claims_claim", f"claims_claim_tally_{s}") for s in ("insert", "delete", "update")]
    names.append(("claims_source", "claims_source_outlet_tally"))
    names += [(t, f"{t}_tally_{s}") for t in LINKS for s in ("insert", "delete", "update")]
    names += [(t, f"{t}_tally_{s}") for t in TABLES for s in ("insert", "delete")]
    return names


def postgresql_drop():
    sql = []
    for table, name in _trigger_names():
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        sql.append(f"DROP FUNCTION IF EXISTS {name}();")
    return sql


def _sqlite_add(row, sign):
    """Add `sign` (1 or -1) to every tally of the claim `row` (NEW or OLD)."""
    outlet = f"(SELECT outlet_id FROM claims_source WHERE id = {row}.source_id)"
    values = " UNION ALL ".join(
        f"SELECT '{_facet(name)}' AS facet, {value.format(r=row, outlet=outlet)} AS value"
        for name, value in FACETS.items()
    )
    if sign < 0:
        return SUBTRACT.format(n=-sign, select=f"SELECT facet, value FROM ({values})")
    return UPSERT.format(
        select=f"SELECT facet, value, {sign} FROM ({values}) WHERE value IS NOT NULL"
    )


def sqlite_create():
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COLUMNS)
    sql = [
        "CREATE TRIGGER claims_claim_tally_insert AFTER INSERT ON claims_claim "
        f"BEGIN {_sqlite_add('NEW', 1)} END;",
        "CREATE TRIGGER claims_claim_tally_delete AFTER DELETE ON claims_claim "
        f"BEGIN {_sqlite_add('OLD', -1)} END;",
        f"CREATE TRIGGER claims_claim_tally_update AFTER UPDATE OF {', '.join(COLUMNS)} "
        f"ON claims_claim WHEN {changed} "
        f"BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END;",
    ]
    claims = "(SELECT count(*) FROM claims_claim WHERE source_id = NEW.id)"
    moved_in = (
        f"SELECT 'outlet', CAST(NEW.outlet_id AS TEXT), n FROM (SELECT {claims} AS n) "
        "WHERE n > 0 AND NEW.outlet_id IS NOT NULL"
    )
    moved_out = SUBTRACT.format(
        n=claims, select="SELECT 'outlet' AS facet, CAST(OLD.outlet_id AS TEXT) AS value"
    )
    sql.append(
        "CREATE TRIGGER claims_source_outlet_tally AFTER UPDATE OF outlet_id ON claims_source "
        f"WHEN OLD.outlet_id IS NOT NEW.outlet_id BEGIN {moved_out} "
        f"{UPSERT.format(select=moved_in)} END;"
    )
    for table, (facet, column) in LINKS.items():
        old = SUBTRACT.format(
            n=1, select=f"SELECT '{facet}' AS facet, CAST(OLD.{column} AS TEXT) AS value"
        )
        new = UPSERT.format(select=f"SELECT '{facet}', CAST(NEW.{column} AS TEXT), 1 WHERE true")
        sql += [
            f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} BEGIN {new} END;",
            f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} BEGIN {old} END;",
            f"CREATE TRIGGER {table}_tally_update AFTER UPDATE ON {table} BEGIN {old} {new} END;",
        ]
    for table in TABLES:
        add = UPSERT.format(select=f"SELECT 'table', '{table}', 1 WHERE true")
        take = SUBTRACT.format(n=1, select=f"SELECT 'table' AS facet, '{table}' AS value")
        sql += [
            f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} BEGIN {add} END;",
            f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} BEGIN {take} END;",
        ]
    return sql


def sqlite_drop():
    return [f"DROP TRIGGER IF EXISTS {name};" for _, name in _trigger_names()]


def _recount_sql():
    """One query: every tally as the rows say it should be."""
    parts = [
        f"SELECT '{_facet(name)}' AS facet, {value.format(r='r', outlet='s.outlet_id')} "
        f"AS value, count(*) AS n FROM {JOINED.format(rows='claims_claim')} GROUP BY 2"
        for name, value in FACETS.items()
    ]
    parts += [
        f"SELECT '{facet}', CAST({column} AS TEXT), count(*) FROM {table} GROUP BY {column}"
        for table, (facet, column) in LINKS.items()
    ]
    parts += [f"SELECT 'table', '{table}', count(*) FROM {table}" for table in TABLES]
    return " UNION ALL ".join(parts)


def recount(using="default"):
    """{(facet, value): rows} computed from the rows themselves, zero counts left out."""
    with connections[using].cursor() as cursor:
        cursor.execute(_recount_sql())
        return {
            (facet, value): n for facet, value, n in cursor.fetchall() if value is not None and n
        }


def stored(using="default"):
    """{(facet, value): rows} as claims_tally holds them, zero counts left out."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT facet, value, rows FROM claims_tally WHERE rows <> 0")
        return {(facet, value): n for facet, value, n in cursor.fetchall()}


def differences(using="default"):
    """[(facet, value, stored, true)] for every tally that disagrees with the rows."""
    true, kept = recount(using), stored(using)
    return sorted(
        (facet, value, kept.get(key, 0), true.get(key, 0))
        for key in true.keys() | kept.keys()
        for facet, value in [key]
        if kept.get(key, 0) != true.get(key, 0)
    )


def rebuild(using="default"):
    """Replace every tally with its recount (after a restore from an old backup, say)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # Locks out writers so that no trigger adds to a tally between the two steps.
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE claims_claim, claims_tally IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM claims_tally")
        cursor.execute(
            "INSERT INTO claims_tally (facet, value, rows) "
            f"SELECT facet, value, n FROM ({_recount_sql()}) AS counted "
            "WHERE value IS NOT NULL"
        )


def create(apps, schema_editor):
    statements = {"postgresql": postgresql_create, "sqlite": sqlite_create}
    triggers.run(schema_editor, statements, "tally triggers")
    rebuild(schema_editor.connection.alias)


def drop(apps, schema_editor):
    statements = {"postgresql": postgresql_drop, "sqlite": sqlite_drop}
    triggers.run(schema_editor, statements, "tally triggers")


create_on_sqlite = triggers.on_sqlite(create)
drop_on_sqlite = triggers.on_sqlite(drop)
