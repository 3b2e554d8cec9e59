"""A trigram index on the claims' text, on PostgreSQL only, for claim matching.

claims.matching finds claims with similar words through it (pg_trgm's `%`). SQLite
has no trigram index; matching reads its words another way there. Creating the
extension needs a role allowed to (the database's owner, on PostgreSQL 13 and later,
as pg_trgm is a trusted extension).
"""

from django.db import migrations

INDEX = "claim_text_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim USING gin (text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0025_whole_history")]

    operations = [migrations.RunPython(create_index, drop_index)]
