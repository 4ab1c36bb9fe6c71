"""Promotions' permissions for the staff roles: Operations run the promotions and coupons."""

from django.db import migrations

from apps.core import role_permissions

MODELS = ("thresholdpromotion", "thresholdtier", "percentagepromotion", "freeshippingpromotion", "coupon")
ROLE_PERMISSIONS = {
    "Operations": [f"{verb}_{model}" for model in MODELS for verb in ("view", "add", "change", "delete")]
    + ["view_couponredemption"],
    "Customer Service": ["view_coupon", "view_couponredemption"],
    "Finance": ["view_thresholdpromotion", "view_percentagepromotion", "view_coupon", "view_couponredemption"],
}


class Migration(migrations.Migration):
    dependencies = [("promotions", "0001_initial"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "promotions", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "promotions", ROLE_PERMISSIONS),
        )
    ]
