"""Staff roles as groups, with the permissions of this app's models.

Later apps grant their models' permissions to these groups in migrations of their own
(apps.core.role_permissions). The group names are the contract: "Operations",
"Customer Service", "Finance". Superusers are the administrators.
"""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {
    "Operations": [],
    "Customer Service": ["view_user", "view_address", "view_pointsentry"],
    "Finance": ["view_pointsentry"],
}


def create_roles(apps, schema_editor):
    role_permissions.grant(apps, "accounts", ROLE_PERMISSIONS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
