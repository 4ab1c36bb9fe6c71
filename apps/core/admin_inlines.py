"""One kind of inline the back office uses everywhere: a record's read-only history.

Order lines, payment notifications, tracking scans, points entries, coupon uses: they
are written by services and never edited by hand. Whoever may see (or change) the parent
sees them, without a permission of their own.
"""

from django.contrib import admin
from django.contrib.auth import get_permission_codename


class ReadOnlyTabularInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        )
