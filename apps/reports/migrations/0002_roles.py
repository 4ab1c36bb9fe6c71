"""Reports' permission for the staff roles: Finance opens the sales dashboard."""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {"Finance": ["view_dashboard"]}


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "reports", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "reports", ROLE_PERMISSIONS),
        )
    ]
