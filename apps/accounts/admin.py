from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Address, PointsEntry, User
from apps.core.admin_inlines import ReadOnlyTabularInline


class ShopUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("recipient", "phone", "province", "city", "district", "street", "postcode", "is_default")
    # The default flag moves only through the address service (one default per user).
    readonly_fields = ("is_default",)


class PointsEntryInline(ReadOnlyTabularInline):
    """The ledger is append-only: points change through services, never by hand here."""

    model = PointsEntry
    fields = ("created_at", "delta", "reason", "reference")
    readonly_fields = fields
    ordering = ("-created_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = ShopUserCreationForm
    ordering = ("-date_joined",)
    list_display = ("email", "display_name", "phone", "points", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "language")
    search_fields = ("email", "display_name", "phone")
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "phone", "language")}),
        (_("Roles and permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)
    inlines = [AddressInline, PointsEntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(points_total=Sum("points_entries__delta"))

    @admin.display(description=_("points"), ordering="points_total")
    def points(self, obj):
        return obj.points_total or 0


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "delta", "reason", "reference")
    list_filter = ("reason",)
    search_fields = ("user__email", "reference")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = ("user", "delta", "reason", "reference", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
