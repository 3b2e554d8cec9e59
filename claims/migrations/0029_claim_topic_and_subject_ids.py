from django.db import migrations, models

from claims import pairs, tallies, triggers


class Migration(migrations.Migration):
    """Each claim's topic and subject ids, kept on its row by the names' triggers.

    The triggers are made again to keep the ids too, and fill them for every claim.
    Adding a column may rebuild the claim table on SQLite: the tally triggers go
    first and come back after (claims.triggers).
    """

    dependencies = [
        ("claims", "0028_speaker_name_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(triggers.names_only.drop, triggers.names_only.create),
        migrations.RunPython(tallies.drop_on_sqlite, tallies.create_on_sqlite),
        migrations.RunPython(pairs.drop_on_sqlite, pairs.create_on_sqlite),
        migrations.AddField(
            model_name="claim",
            name="subject_ids",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="claim",
            name="topic_ids",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(pairs.create_on_sqlite, pairs.drop_on_sqlite),
        migrations.RunPython(tallies.create_on_sqlite, tallies.drop_on_sqlite),
        migrations.RunPython(triggers.create, triggers.drop),
    ]
