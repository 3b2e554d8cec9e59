"""A partial date is the first day of its period: the database refuses 2024-09-15 as
"September 2024" instead of the form storing 2024-09-01 without a word."""

import django.db.models.lookups
from django.db import migrations, models

import claims.models
from claims import pairs, tallies, triggers

OLD_SOURCE_CHECK = models.CheckConstraint(
    condition=models.Q(
        models.Q(("published_on__isnull", True), ("published_on_precision", "unknown")),
        models.Q(
            models.Q(("published_on__isnull", False)),
            models.Q(("published_on_precision", "unknown"), _negated=True),
        ),
        _connector="OR",
    ),
    name="source_published_on_precision",
    violation_error_message="A published date and its precision must agree.",
)


NEW_SOURCE_CHECK = models.CheckConstraint(
    condition=models.Q(
        models.Q(
            ("published_on__isnull", True),
            ("published_on_precision", "unknown"),
        ),
        models.Q(("published_on__isnull", False), ("published_on_precision", "day")),
        models.Q(
            ("published_on__isnull", False),
            ("published_on_precision", "month"),
            django.db.models.lookups.Exact(claims.models.DatePart("published_on", "day"), 1),
        ),
        models.Q(
            ("published_on__isnull", False),
            ("published_on_precision", "year"),
            django.db.models.lookups.Exact(claims.models.DatePart("published_on", "day"), 1),
            django.db.models.lookups.Exact(claims.models.DatePart("published_on", "month"), 1),
        ),
        _connector="OR",
    ),
    name="source_published_on_precision",
    violation_error_message="A published date and its precision must agree.",
)


def _replace(apps, schema_editor, old, new):
    source = apps.get_model("claims", "Source")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(source, old)
        schema_editor.add_constraint(source, new)
        return
    # SQLite rebuilds the table from the model: give it the new constraint, and leave out
    # the index it cannot create (0022, PostgreSQL only).
    source._meta.constraints = [new if c.name == new.name else c for c in source._meta.constraints]
    source._meta.indexes = [i for i in source._meta.indexes if i.name != "source_listing_idx"]
    schema_editor.remove_constraint(source, old)


def new_source_check(apps, schema_editor):
    _replace(apps, schema_editor, OLD_SOURCE_CHECK, NEW_SOURCE_CHECK)


def old_source_check(apps, schema_editor):
    _replace(apps, schema_editor, NEW_SOURCE_CHECK, OLD_SOURCE_CHECK)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0023_reviewer_and_administrator_groups"),
    ]

    # Changing a constraint rebuilds the claim and source tables on SQLite; their
    # triggers go first and come back after (claims.triggers).
    operations = [
        migrations.RunPython(
            triggers.names_only.drop_on_sqlite, triggers.names_only.create_on_sqlite
        ),
        migrations.RunPython(tallies.drop_on_sqlite, tallies.create_on_sqlite),
        migrations.RunPython(pairs.drop_on_sqlite, pairs.create_on_sqlite),
        migrations.RemoveConstraint(
            model_name="claim",
            name="claim_stated_on_precision",
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("stated_on__isnull", True), ("stated_on_precision", "unknown")),
                    models.Q(("stated_on__isnull", False), ("stated_on_precision", "day")),
                    models.Q(
                        ("stated_on__isnull", False),
                        ("stated_on_precision", "month"),
                        django.db.models.lookups.Exact(
                            claims.models.DatePart("stated_on", "day"), 1
                        ),
                    ),
                    models.Q(
                        ("stated_on__isnull", False),
                        ("stated_on_precision", "year"),
                        django.db.models.lookups.Exact(
                            claims.models.DatePart("stated_on", "day"), 1
                        ),
                        django.db.models.lookups.Exact(
                            claims.models.DatePart("stated_on", "month"), 1
                        ),
                    ),
                    _connector="OR",
                ),
                name="claim_stated_on_precision",
                violation_error_message="A stated date and its precision must agree.",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="source",
                    name="source_published_on_precision",
                ),
                migrations.AddConstraint(
                    model_name="source",
                    constraint=NEW_SOURCE_CHECK,
                ),
            ],
            database_operations=[migrations.RunPython(new_source_check, old_source_check)],
        ),
        migrations.RunPython(pairs.create_on_sqlite, pairs.drop_on_sqlite),
        migrations.RunPython(tallies.create_on_sqlite, tallies.drop_on_sqlite),
        migrations.RunPython(
            triggers.names_only.create_on_sqlite, triggers.names_only.drop_on_sqlite
        ),
    ]
