"""Shipping's permissions for the staff roles: Operations ships orders (the ship page needs
"add shipment") and follows parcels; Customer Service follows parcels to answer customers."""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {
    "Operations": ["add_shipment", "view_shipment", "view_trackingevent"],
    "Customer Service": ["view_shipment", "view_trackingevent"],
}


class Migration(migrations.Migration):
    dependencies = [("shipping", "0001_initial"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "shipping", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "shipping", ROLE_PERMISSIONS),
        )
    ]
