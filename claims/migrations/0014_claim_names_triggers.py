"""Keep Claim.topic_names and Claim.subject_names current with triggers (claims.triggers)."""

from django.db import migrations

from claims import triggers


class Migration(migrations.Migration):
    dependencies = [("claims", "0013_claim_topic_and_subject_names")]

    operations = [migrations.RunPython(triggers.names_only.create, triggers.names_only.drop)]
