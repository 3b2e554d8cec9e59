"""/sources/ read in its order from an index: on PostgreSQL only.

SQLite takes no NULLS LAST in an index, and its lists are small: there the state
has the index and the database does not.
"""

from django.db import migrations, models


def _index():
    return models.Index(
        models.OrderBy(models.F("published_on"), descending=True, nulls_last=True),
        models.F("title"),
        models.F("id"),
        name="source_listing_idx",
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("claims", "Source"), _index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("claims", "Source"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0021_pairtally"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="source", index=_index())],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
