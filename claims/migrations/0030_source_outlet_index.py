"""An index of each source's outlet, for the outlet facet.

The outlet facet looks up the outlets of the sampled claims' sources by id
(claims.filters._read_tallies, and the join in claims.facet_sql) from
source_outlet_idx, without the sources' rows: 4,000 of them took 133 ms from a cold
heap, 11 ms from the index. SQLite makes no covering index: there it indexes the id
alone.

The topic and subject ids (migration 0029) are not in claim_sample_idx: a claim's
ids are as long as its topics are many, and an index row has a size limit (2,704
bytes) that a claim filed under a few hundred subjects would pass, refusing the
write.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0029_claim_topic_and_subject_ids"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["id"], include=("outlet",), name="source_outlet_idx"),
        ),
    ]
