"""Keep Claim.topic_names and Claim.subject_names current with database triggers.

The claim export writes each claim's topic and subject names; aggregating them for
a million claims and joining them back in the list's order cost three times the
rest of the export. The names are stored on the claim instead ("; "-joined, in
code-point order, as the CSV has them) and kept by triggers, so that every way of
changing a claim's topics or subjects (the admin, `claim.topics.add()`, a bulk COPY
into the link table, a renamed or deleted topic) keeps them true.

On PostgreSQL the link tables' triggers are statement-level, with transition
tables: a COPY of thousands of rows updates each claim once. SQLite has only
row-level triggers. Both then set every claim's names once.
"""

from django.db import migrations

# table of claim links, its column, the named table, its name column, the claim column
LINKS = [
    ("claims_claim_topics", "topic_id", "claims_topic", "title", "topic_names"),
    ("claims_claim_subjects", "subject_id", "claims_subject", "name", "subject_names"),
]


def _postgresql():
    sql = []
    for link, fk, named, name, column in LINKS:
        names = (
            f"SELECT string_agg(n.{name}, '; ' ORDER BY n.{name} COLLATE \"C\") "
            f"FROM {link} AS m JOIN {named} AS n ON n.id = m.{fk} WHERE m.claim_id = c.id"
        )
        for event, rows in (("INSERT", "new_rows"), ("DELETE", "old_rows")):
            function = f"{link}_names_{event.lower()}"
            sql.append(
                f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_claim AS c SET {column} = COALESCE(({names}), '')
    WHERE c.id IN (SELECT DISTINCT claim_id FROM {rows});
    RETURN NULL;
END $$;
CREATE TRIGGER {function} AFTER {event} ON {link}
    REFERENCING {"NEW" if event == "INSERT" else "OLD"} TABLE AS {rows}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
            )
        function = f"{named}_{name}_rename"
        sql.append(
            f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claims_claim AS c SET {column} = COALESCE(({names}), '')
    WHERE c.id IN (SELECT claim_id FROM {link} WHERE {fk} = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER {function} AFTER UPDATE OF {name} ON {named}
    FOR EACH ROW WHEN (OLD.{name} IS DISTINCT FROM NEW.{name})
    EXECUTE FUNCTION {function}();
"""
        )
        sql.append(f"UPDATE claims_claim AS c SET {column} = COALESCE(({names}), '');")
    return sql


def _postgresql_reverse():
    sql = []
    for link, _, named, name, _ in LINKS:
        for event in ("insert", "delete"):
            sql.append(f"DROP TRIGGER {link}_names_{event} ON {link};")
            sql.append(f"DROP FUNCTION {link}_names_{event}();")
        sql.append(f"DROP TRIGGER {named}_{name}_rename ON {named};")
        sql.append(f"DROP FUNCTION {named}_{name}_rename();")
    return sql


def _sqlite_names(link, fk, named, name, claim):
    # BINARY collation compares UTF-8 bytes: code-point order.
    return (
        f"COALESCE((SELECT group_concat({name}, '; ') FROM (SELECT n.{name} "
        f"FROM {link} AS m JOIN {named} AS n ON n.id = m.{fk} "
        f"WHERE m.claim_id = {claim} ORDER BY n.{name} COLLATE BINARY)), '')"
    )


def _sqlite():
    sql = []
    for link, fk, named, name, column in LINKS:

        def names(claim, link=link, fk=fk, named=named, name=name):
            return _sqlite_names(link, fk, named, name, claim)

        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
            sql.append(
                f"CREATE TRIGGER {link}_names_{event.lower()} AFTER {event} ON {link} BEGIN "
                f"UPDATE claims_claim SET {column} = {names(f'{row}.claim_id')} "
                f"WHERE id = {row}.claim_id; END;"
            )
        sql.append(
            f"CREATE TRIGGER {named}_{name}_rename AFTER UPDATE OF {name} ON {named} "
            f"WHEN OLD.{name} IS NOT NEW.{name} BEGIN "
            f"UPDATE claims_claim SET {column} = {names('claims_claim.id')} "
            f"WHERE id IN (SELECT claim_id FROM {link} WHERE {fk} = NEW.id); END;"
        )
        sql.append(f"UPDATE claims_claim SET {column} = {names('claims_claim.id')};")
    return sql


def _sqlite_reverse():
    sql = []
    for link, _, named, name, _ in LINKS:
        sql += [f"DROP TRIGGER {link}_names_insert;", f"DROP TRIGGER {link}_names_delete;"]
        sql.append(f"DROP TRIGGER {named}_{name}_rename;")
    return sql


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"No triggers for {vendor}: add them to this migration.")
        for statement in statements[vendor]():
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0013_claim_topic_and_subject_names")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgresql, "sqlite": _sqlite}),
            _run({"postgresql": _postgresql_reverse, "sqlite": _sqlite_reverse}),
        )
    ]
