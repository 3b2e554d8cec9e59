"""Create the Reviewer and Administrator groups beside the Editor (0002).

Reviewer: views everything in the admin, history included, and changes nothing.
Administrator: everything an editor does, deletes anything, manages accounts and
groups, and lifts sign-in pauses (django-axes' access attempts).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER = "Reviewer"
ADMINISTRATOR = "Administrator"
# Counters kept by triggers: nobody edits them by hand.
INTERNAL = ["tally", "pairtally"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    claims = Permission.objects.filter(content_type__app_label="claims").exclude(
        content_type__model__in=INTERNAL
    )
    reviewer, _ = Group.objects.get_or_create(name=REVIEWER)
    reviewer.permissions.set(claims.filter(codename__startswith="view_"))
    administrator, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    accounts = Permission.objects.filter(content_type__app_label__in=["auth", "axes"])
    administrator.permissions.set([*claims, *accounts])


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[REVIEWER, ADMINISTRATOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("claims", "0022_source_listing_index"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
