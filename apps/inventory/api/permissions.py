from apps.core.api.permissions import StaffModelPermissions


class StockPermissions(StaffModelPermissions):
    """Reading stock needs `view`; an adjustment (a POST that changes a stock row) needs
    `change`, not `add`."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }
