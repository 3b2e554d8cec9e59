"""Trigram indexes on speakers' names and aliases, on PostgreSQL only, for search.

A search looks its words up in the speakers' names and aliases too (a claim whose
speaker is named matches: claims.querysets.ClaimQuerySet.search), as a substring
(`icontains`, PostgreSQL's UPPER(name) LIKE '%WORDS%'), which no B-tree serves: at
20,000 speakers and 30,000 aliases each search read both tables, about 20 ms.
pg_trgm's GIN index serves such a LIKE for words of three letters or more (0.2 ms
there). SQLite, meant for small data, reads its few speakers. The extension is
pg_trgm (trusted: the database's owner may create it, PostgreSQL 13 and later).
"""

from django.db import migrations

INDEXES = {
    "speaker_name_trgm_idx": "claims_speaker",
    "speakeralias_name_trgm_idx": "claims_speakeralias",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table in INDEXES.items():
        # The expression Django writes for `name__icontains`, so that the index serves it.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
            "USING gin ((UPPER(name::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0027_drop_claim_text_trigram_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
