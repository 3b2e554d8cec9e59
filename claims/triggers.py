"""Database triggers that keep a claim's topics and subjects on its row.

The claim export writes each claim's topic and subject names; aggregating them for
a million claims and joining them back in the list's order cost three times the
rest of the export. The names are stored on the claim instead ("; "-joined, in
code-point order, as the CSV has them) and kept by triggers, so that every way of
changing a claim's topics or subjects (the admin, `claim.topics.add()`, a bulk COPY
into the link table, an edited link row, a renamed or deleted topic) keeps them true.

From migration 0029 the same triggers keep their ids too (Claim.topic_ids and
subject_ids, space-separated in ascending order): the facets of a sample of a long
list count them from the rows they read, where a query on each link table for the
sampled ids cost more than the sample itself. The migrations before 0029 use
`names_only`, the triggers as they were then.

On PostgreSQL the link tables' triggers are statement-level, with transition
tables: a COPY of thousands of rows updates each claim once. SQLite has only
row-level triggers.

Raw SQL (STYLE.md): trigger definitions, used by migrations. On SQLite a migration
that rebuilds claims_claim, claims_topic or claims_subject (most AlterField and
constraint changes do) must drop the triggers first and create them again after,
because SQLite checks them when it renames the rebuilt table:

    operations = [
        migrations.RunPython(triggers.drop_on_sqlite, triggers.create_on_sqlite),
        migrations.AlterField(...),
        migrations.RunPython(triggers.create_on_sqlite, triggers.drop_on_sqlite),
    ]

From migration 0018 on, the tally triggers (claims.tallies) need the same care: wrap
such an operation in `tallies.drop_on_sqlite` / `tallies.create_on_sqlite` too.
"""

import functools
from types import SimpleNamespace

# link table, its column, the named table, its name column, the claim's names column,
# the claim's ids column
LINKS = [
    ("claims_claim_topics", "topic_id", "claims_topic", "title", "topic_names", "topic_ids"),
    (
        "claims_claim_subjects",
        "subject_id",
        "claims_subject",
        "name",
        "subject_names",
        "subject_ids",
    ),
]


def _postgresql_names(link, fk, named, name):
    return (
        f"COALESCE((SELECT string_agg(n.{name}, '; ' ORDER BY n.{name} COLLATE \"C\") "
        f"FROM {link} AS m JOIN {named} AS n ON n.id = m.{fk} WHERE m.claim_id = c.id), '')"
    )


def _postgresql_ids(link, fk):
    return (
        f"COALESCE((SELECT string_agg(CAST(m.{fk} AS TEXT), ' ' ORDER BY m.{fk}) "
        f"FROM {link} AS m WHERE m.claim_id = c.id), '')"
    )


def postgresql_create(ids=True):
    sql = []
    for link, fk, named, name, column, ids_column in LINKS:
        names = _postgresql_names(link, fk, named, name)
        values = f"{column} = {names}"
        if ids:
            values += f", {ids_column} = {_postgresql_ids(link, fk)}"
        events = [
            ("insert", "INSERT", "REFERENCING NEW TABLE AS new_rows", "new_rows"),
            ("delete", "DELETE", "REFERENCING OLD TABLE AS old_rows", "old_rows"),
            (
                "update",
                "UPDATE",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "(SELECT claim_id FROM old_rows UNION SELECT claim_id FROM new_rows) AS rows",
            ),
        ]
        for suffix, event, referencing, rows in events:
            function = f"{link}_names_{suffix}"
            sql.append(
                f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_claim AS c SET {values}
    WHERE c.id IN (SELECT DISTINCT claim_id FROM {rows});
    RETURN NULL;
END $$;
CREATE TRIGGER {function} AFTER {event} ON {link} {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
            )
        function = f"{named}_{name}_rename"
        sql.append(
            f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_claim AS c SET {column} = {names}
    WHERE c.id IN (SELECT claim_id FROM {link} WHERE {fk} = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER {function} AFTER UPDATE OF {name} ON {named}
    FOR EACH ROW WHEN (OLD.{name} IS DISTINCT FROM NEW.{name})
    EXECUTE FUNCTION {function}();
"""
        )
    return sql


def postgresql_drop():
    sql = []
    for link, _, named, name, *_ in LINKS:
        for suffix in ("insert", "delete", "update"):
            sql.append(f"DROP TRIGGER IF EXISTS {link}_names_{suffix} ON {link};")
            sql.append(f"DROP FUNCTION IF EXISTS {link}_names_{suffix}();")
        sql.append(f"DROP TRIGGER IF EXISTS {named}_{name}_rename ON {named};")
        sql.append(f"DROP FUNCTION IF EXISTS {named}_{name}_rename();")
    return sql


def _sqlite_names(link, fk, named, name, claim):
    # BINARY collation compares UTF-8 bytes: code-point order.
    return (
        f"COALESCE((SELECT group_concat({name}, '; ') FROM (SELECT n.{name} "
        f"FROM {link} AS m JOIN {named} AS n ON n.id = m.{fk} "
        f"WHERE m.claim_id = {claim} ORDER BY n.{name} COLLATE BINARY)), '')"
    )


def _sqlite_ids(link, fk, claim):
    return (
        f"COALESCE((SELECT group_concat({fk}, ' ') FROM (SELECT m.{fk} "
        f"FROM {link} AS m WHERE m.claim_id = {claim} ORDER BY m.{fk})), '')"
    )


def sqlite_create(ids=True):
    sql = []
    for link, fk, named, name, column, ids_column in LINKS:

        def update(
            claim, link=link, fk=fk, named=named, name=name, column=column, ids_column=ids_column
        ):
            values = f"{column} = {_sqlite_names(link, fk, named, name, claim)}"
            if ids:
                values += f", {ids_column} = {_sqlite_ids(link, fk, claim)}"
            return f"UPDATE claims_claim SET {values} WHERE id = {claim};"

        sql.append(
            f"CREATE TRIGGER {link}_names_insert AFTER INSERT ON {link} "
            f"BEGIN {update('NEW.claim_id')} END;"
        )
        sql.append(
            f"CREATE TRIGGER {link}_names_delete AFTER DELETE ON {link} "
            f"BEGIN {update('OLD.claim_id')} END;"
        )
        sql.append(
            f"CREATE TRIGGER {link}_names_update AFTER UPDATE ON {link} "
            f"BEGIN {update('OLD.claim_id')} {update('NEW.claim_id')} END;"
        )
        names = _sqlite_names(link, fk, named, name, "claims_claim.id")
        sql.append(
            f"CREATE TRIGGER {named}_{name}_rename AFTER UPDATE OF {name} ON {named} "
            f"WHEN OLD.{name} IS NOT NEW.{name} BEGIN "
            f"UPDATE claims_claim SET {column} = {names} "
            f"WHERE id IN (SELECT claim_id FROM {link} WHERE {fk} = NEW.id); END;"
        )
    return sql


def sqlite_drop():
    sql = []
    for link, _, named, name, *_ in LINKS:
        for suffix in ("insert", "delete", "update"):
            sql.append(f"DROP TRIGGER IF EXISTS {link}_names_{suffix};")
        sql.append(f"DROP TRIGGER IF EXISTS {named}_{name}_rename;")
    return sql


def fill(ids=True):
    """Set every claim's names (and ids) once, after the triggers are created on
    existing rows."""
    sql = []
    for link, fk, named, name, column, ids_column in LINKS:
        pg = f"{column} = {_postgresql_names(link, fk, named, name)}"
        lite = f"{column} = {_sqlite_names(link, fk, named, name, 'claims_claim.id')}"
        if ids:
            pg += f", {ids_column} = {_postgresql_ids(link, fk)}"
            lite += f", {ids_column} = {_sqlite_ids(link, fk, 'claims_claim.id')}"
        sql.append(
            {
                "postgresql": f"UPDATE claims_claim AS c SET {pg};",
                "sqlite": f"UPDATE claims_claim SET {lite};",
            }
        )
    return sql


def run(schema_editor, statements, what):
    """Execute statements[vendor]() for the schema editor's database."""
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No {what} for {vendor}: add them to {__name__}.")
    for statement in statements[vendor]():
        schema_editor.execute(statement)


def on_sqlite(operation):
    """`operation` run on SQLite only: around a migration that rebuilds a table."""

    @functools.wraps(operation)
    def wrapped(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            operation(apps, schema_editor)

    return wrapped


def _create(apps, schema_editor, ids=True):
    statements = {
        "postgresql": functools.partial(postgresql_create, ids=ids),
        "sqlite": functools.partial(sqlite_create, ids=ids),
    }
    run(schema_editor, statements, "name triggers")
    for by_vendor in fill(ids=ids):
        schema_editor.execute(by_vendor[schema_editor.connection.vendor])


def create(apps, schema_editor):
    _create(apps, schema_editor)


def drop(apps, schema_editor):
    run(schema_editor, {"postgresql": postgresql_drop, "sqlite": sqlite_drop}, "name triggers")


create_on_sqlite = on_sqlite(create)
drop_on_sqlite = on_sqlite(drop)


def _create_names_only(apps, schema_editor):
    _create(apps, schema_editor, ids=False)


# The triggers as the migrations before 0029 made them: before the ids columns.
names_only = SimpleNamespace(
    create=_create_names_only,
    drop=drop,
    create_on_sqlite=on_sqlite(_create_names_only),
    drop_on_sqlite=drop_on_sqlite,
)
