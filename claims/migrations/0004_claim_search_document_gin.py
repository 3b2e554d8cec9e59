"""A GIN index on the search document, on PostgreSQL only.

SQLite has no GIN (its search document is plain text), so the index is not declared
on the model, where every database would have to build it.
"""

from django.db import migrations

INDEX = "claim_search_document_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim USING gin (search_document)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_claim_search_document")]

    operations = [migrations.RunPython(create_index, drop_index)]
