from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class PublicReadStaffWrite(DjangoModelPermissions):
    """Anyone may read; a write needs a staff account holding the model permission of the
    view's model (POST: add_*, PATCH: change_*), as the back office does."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff) and super().has_permission(request, view)


class StaffChange(PublicReadStaffWrite):
    """For POST actions on an existing object (publish, unpublish): change_*, not add_*."""

    perms_map = {**DjangoModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}
