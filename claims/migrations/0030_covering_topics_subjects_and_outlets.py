"""The facet sample's index covers the topic and subject ids; a source's id, its outlet.

A sample of a long list counts its topics and subjects from the ids kept on each
claim (migration 0029): with them in claim_sample_idx, PostgreSQL reads a sample of
a date range or of every claim from the index alone. The outlet facet looks up the
outlets of the sampled claims' sources by id (claims.filters._by_outlet) from
source_outlet_idx, without the sources' rows. SQLite makes no covering index: there
they index the first column alone.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0029_claim_topic_and_subject_ids"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_sample_idx",
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["sample_key"],
                include=(
                    "id",
                    "kind",
                    "speaker",
                    "source",
                    "via",
                    "stated_on",
                    "topic_ids",
                    "subject_ids",
                    "corroborating_reports",
                    "contradicting_reports",
                    "link_count",
                ),
                name="claim_sample_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["id"], include=("outlet",), name="source_outlet_idx"),
        ),
    ]
