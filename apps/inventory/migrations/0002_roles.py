"""Inventory's permissions for the staff roles: Operations keep the stock."""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {
    "Operations": ["view_stock", "change_stock", "view_stockmovement"],
}


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "inventory", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "inventory", ROLE_PERMISSIONS),
        )
    ]
