"""Granting model permissions to the staff roles (auth groups) from data migrations.

Each app's migration grants the permissions of its own models; the group names are
the contract ("Operations", "Customer Service", "Finance").
"""

from django.contrib.auth.management import create_permissions


def grant(apps, app_label: str, role_permissions: dict[str, list[str]]) -> None:
    """Give each role (group, created if missing) the listed codenames of `app_label`."""
    # Permissions are normally created after migrate; create them now to grant them.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in role_permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        if permissions.count() != len(set(codenames)):
            raise LookupError(f"unknown permissions for {app_label}: {codenames}")
        group.permissions.add(*permissions)


def revoke(apps, app_label: str, role_permissions: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in role_permissions.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
