"""The catalog's permissions for the staff roles (groups made by accounts.0002_roles).

Operations run the catalog (products, SKUs, images, the tree, brands, attributes) and
moderate reviews; Customer Service reads the catalog and moderates reviews. The API's
staff writes and the back office both check these model permissions.
"""

from django.db import migrations

from apps.core import role_permissions

MANAGED = ["product", "sku", "productimage", "category", "brand", "attribute", "attributevalue"]
ROLE_PERMISSIONS = {
    "Operations": [
        *(f"{action}_{model}" for model in MANAGED for action in ("view", "add", "change", "delete")),
        "view_review",
        "change_review",
    ],
    "Customer Service": ["view_product", "view_sku", "view_review", "change_review"],
}


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_indexes"), ("accounts", "0002_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: role_permissions.grant(apps, "catalog", ROLE_PERMISSIONS),
            lambda apps, schema_editor: role_permissions.revoke(apps, "catalog", ROLE_PERMISSIONS),
        )
    ]
