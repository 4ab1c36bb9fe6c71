from rest_framework.permissions import DjangoModelPermissions


class StockPermissions(DjangoModelPermissions):
    """Staff with the model permission of what they do: reading needs `view`, while an
    adjustment (a POST that changes a stock row) needs `change`, not `add`."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_staff) and super().has_permission(request, view)
