from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions

from apps.core.api.permissions import StaffModelPermissions


class PublicReadStaffWrite(StaffModelPermissions):
    """Anyone may read; a write needs a staff account holding the model permission of the
    view's model (POST: add_*, PATCH: change_*), as the back office does."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or super().has_permission(request, view)


class StaffChange(PublicReadStaffWrite):
    """For POST actions on an existing object (publish, unpublish): change_*, not add_*."""

    perms_map = {**DjangoModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}
