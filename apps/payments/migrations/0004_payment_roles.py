"""Payments' read permissions for the staff roles: Finance follows the money (payments and
the providers' raw notifications); Customer Service looks a payment up for a customer."""

from django.db import migrations

from apps.core import role_permissions

ROLE_PERMISSIONS = {
    "Finance": ["view_payment", "view_paymentnotification"],
    "Customer Service": ["view_payment"],
}


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_refund_roles"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "payments", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "payments", ROLE_PERMISSIONS),
        )
    ]
