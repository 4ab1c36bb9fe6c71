"""Refunds for the staff roles: Finance approves, rejects and creates refunds (the custom
`approve_refund` permission, with `add_refund` for the back office's form); Customer
Service reads them to answer customers."""

from django.db import migrations

from apps.core import role_permissions

APPROVE = ("approve_refund", "Can approve, reject and create refunds")
ROLE_PERMISSIONS = {
    "Finance": ["view_refund", "add_refund", APPROVE[0]],
    "Customer Service": ["view_refund"],
}


def grant(apps, schema_editor):
    # A permission of our own, not one of the model's defaults: created here, once.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="payments", model="refund")
    Permission.objects.get_or_create(content_type=content_type, codename=APPROVE[0], defaults={"name": APPROVE[1]})
    role_permissions.grant(apps, "payments", ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    role_permissions.revoke(apps, "payments", ROLE_PERMISSIONS)
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="payments", codename=APPROVE[0]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_sandbox"),
        ("accounts", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
