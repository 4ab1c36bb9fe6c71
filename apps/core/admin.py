from django.contrib import admin

from apps.core.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only window on event delivery, for operations."""

    list_display = ("id", "topic", "occurred_at", "published_at", "attempts")
    list_filter = ("topic", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("topic", "=message_id")
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
