from rest_framework.permissions import DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    """The back office's rule for the API: a staff account holding the model permission
    of what the request does (per `perms_map`)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_staff) and super().has_permission(request, view)
