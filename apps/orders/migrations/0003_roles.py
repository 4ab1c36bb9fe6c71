"""Orders' permissions for the staff roles: Customer Service handles orders (the cancel
action needs "change"); Operations and Finance read them."""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {
    "Customer Service": ["view_order", "change_order", "view_orderline"],
    "Operations": ["view_order", "view_orderline"],
    "Finance": ["view_order", "view_orderline"],
}


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_order_payment_provider_order_shipped_at"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "orders", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "orders", ROLE_PERMISSIONS),
        )
    ]
