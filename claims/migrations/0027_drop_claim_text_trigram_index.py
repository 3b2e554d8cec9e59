"""Drops the trigram index of migration 0026: claim matching no longer reads it.

Its similar-words search now looks for a claim's rarest words in the search
document's GIN index (claims.matching._rare_terms), which stays selective where
nearly every claim shares most of its trigrams with many others; the trigram index
cost every write of a claim's text and about as much disk as the table's text.
The pg_trgm extension stays: dropping it could break what else uses it.
"""

from django.db import migrations

INDEX = "claim_text_trgm_idx"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim USING gin (text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0026_claim_text_trigram_index")]

    operations = [migrations.RunPython(drop_index, create_index)]
