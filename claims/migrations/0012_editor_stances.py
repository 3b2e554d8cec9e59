"""Editors record stances: add, change, view and delete them, as they do links."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_stance", "change_stance", "view_stance", "delete_stance"]


def grant(apps, schema_editor):
    # Permissions for a new model are created after all migrations have run; create them now.
    app_config = apps.get_app_config("claims")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editor"):
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="claims", codename__in=CODENAMES)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editor"):
        group.permissions.remove(*Permission.objects.filter(codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("claims", "0011_claim_speaker_matches_kind")]

    operations = [migrations.RunPython(grant, revoke)]
