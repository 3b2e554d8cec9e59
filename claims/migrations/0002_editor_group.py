"""Create the Editor group: editors add, change and view everything, but delete only
claims, links and aliases, never sources, speakers or outlets that others cite."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editor"
MODELS = ["outlet", "source", "speaker", "speakeralias", "subject", "topic", "claim", "link"]
DELETABLE = ["claim", "link", "speakeralias"]


def codenames():
    for model in MODELS:
        yield from (f"add_{model}", f"change_{model}", f"view_{model}")
    for model in DELETABLE:
        yield f"delete_{model}"


def create_editor_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; a fresh database
    # has none yet, so create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="claims", codename__in=list(codenames()))
    )


def delete_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("claims", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editor_group, delete_editor_group)]
