"""A source's own assertion is asserted by the source, not by a placeholder speaker.

Clears the speaker of every assertion and removes the seed corpus's placeholder
speakers once nothing refers to them. The evidence values are not computed here (the
rule's code changes after this migration; its historical models would not): run
`manage.py rebuild_evidence` after upgrading a database (`load_seed` does).
"""

from django.db import migrations

# The seed corpus's stand-ins for "the source itself", no longer needed.
PLACEHOLDERS = [
    "unattributed-report-seed-000",
    "unattributed-report-seed-002",
    "unattributed-report-seed-004",
    "the-moscow-times",
    "kubha-news",
]


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    Claim = apps.get_model("claims", "Claim")
    Speaker = apps.get_model("claims", "Speaker")
    Claim.objects.using(using).filter(kind="assertion").update(speaker=None)
    Speaker.objects.using(using).filter(slug__in=PLACEHOLDERS, claims=None).delete()


def backwards(apps, schema_editor):
    """Give assertions a speaker again: one standing for their source's outlet, as before."""
    using = schema_editor.connection.alias
    Claim = apps.get_model("claims", "Claim")
    Speaker = apps.get_model("claims", "Speaker")
    for claim in Claim.objects.using(using).filter(speaker=None).select_related("source__outlet"):
        outlet = claim.source.outlet
        name = outlet.name if outlet else f"Unattributed report ({claim.source_id})"
        slug = outlet.slug if outlet else f"unattributed-report-{claim.source_id}"
        speaker, _ = Speaker.objects.using(using).get_or_create(
            slug=slug, defaults={"name": name, "kind": "outlet"}
        )
        claim.speaker = speaker
        claim.save(update_fields=["speaker"])


class Migration(migrations.Migration):
    dependencies = [("claims", "0009_evidence_model")]

    operations = [migrations.RunPython(forwards, backwards)]
