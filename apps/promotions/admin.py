from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_inlines import ReadOnlyTabularInline
from apps.promotions import services
from apps.promotions.models import (
    Coupon,
    CouponRedemption,
    FreeShippingPromotion,
    PercentagePromotion,
    ThresholdPromotion,
    ThresholdTier,
)


class RulesChangedMixin:
    """Pricing caches the live rules: every change here starts a new generation of them."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.promotion_rules_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.promotion_rules_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.promotion_rules_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.promotion_rules_changed()


PROMOTION_LIST = ("name", "starts_at", "ends_at", "is_active")


class ThresholdTierInline(admin.TabularInline):
    model = ThresholdTier
    extra = 2
    min_num = 1
    validate_min = True


@admin.register(ThresholdPromotion)
class ThresholdPromotionAdmin(RulesChangedMixin, admin.ModelAdmin):
    list_display = (*PROMOTION_LIST, "tier_summary")
    list_filter = ("is_active",)
    search_fields = ("name",)
    date_hierarchy = "starts_at"
    fields = ("name", "starts_at", "ends_at", "is_active")
    inlines = [ThresholdTierInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tiers")

    @admin.display(description=_("tiers"))
    def tier_summary(self, obj):
        return ", ".join(f"{tier.threshold}-{tier.amount}" for tier in obj.tiers.all())


@admin.register(PercentagePromotion)
class PercentagePromotionAdmin(RulesChangedMixin, admin.ModelAdmin):
    list_display = (*PROMOTION_LIST, "percent")
    list_filter = ("is_active",)
    search_fields = ("name",)
    date_hierarchy = "starts_at"
    fieldsets = (
        (None, {"fields": ("name", "percent", "starts_at", "ends_at", "is_active")}),
        (
            _("Scope (nothing chosen: every product)"),
            {"fields": ("products", "categories", "brands")},
        ),
    )
    autocomplete_fields = ("products", "categories", "brands")


@admin.register(FreeShippingPromotion)
class FreeShippingPromotionAdmin(RulesChangedMixin, admin.ModelAdmin):
    list_display = (*PROMOTION_LIST, "threshold")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "threshold", "starts_at", "ends_at", "is_active")


class CouponRedemptionInline(ReadOnlyTabularInline):
    """Uses are recorded by orders through the coupon services, never by hand."""

    model = CouponRedemption
    fields = ("order_reference", "user", "created_at", "released_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "value", "cap", "min_spend", "starts_at", "ends_at", "is_active", "usage")
    list_filter = ("is_active", "kind")
    search_fields = ("code", "name")
    date_hierarchy = "starts_at"
    readonly_fields = ("used_count",)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "value", "cap", "min_spend")}),
        (_("Validity"), {"fields": ("starts_at", "ends_at", "is_active")}),
        (_("Limits"), {"fields": ("total_limit", "per_user_limit", "used_count")}),
        (
            _("Scope (nothing chosen: every product)"),
            {"fields": ("products", "categories", "brands")},
        ),
    )
    autocomplete_fields = ("products", "categories", "brands")
    inlines = [CouponRedemptionInline]

    @admin.display(description=_("used / limit"), ordering="used_count")
    def usage(self, obj):
        return f"{obj.used_count} / {obj.total_limit if obj.total_limit is not None else '∞'}"
