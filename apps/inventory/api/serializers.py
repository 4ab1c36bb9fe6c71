from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.inventory.models import Stock, StockMovement
from apps.inventory.services import MAX_ADJUSTMENT, STAFF_REASONS


class StockMovementOutput(serializers.ModelSerializer):
    actor = serializers.EmailField(
        source="actor.email", allow_null=True, read_only=True, help_text="The staff member who made the change."
    )

    class Meta:
        model = StockMovement
        fields = ["id", "delta_on_hand", "delta_reserved", "reason", "reference", "note", "actor", "created_at"]
        read_only_fields = fields


class StockOutput(serializers.ModelSerializer):
    sku_id = serializers.IntegerField(read_only=True)
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    product_id = serializers.IntegerField(source="sku.product_id", read_only=True)
    product_name = serializers.CharField(source="sku.product.name", read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="on_hand - reserved: units that can be sold now.")
    is_low = serializers.BooleanField(read_only=True, help_text="available <= low_stock_threshold.")
    is_sold_out = serializers.BooleanField(read_only=True, help_text="available <= 0.")
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null for a SKU that was never stocked."
    )

    class Meta:
        model = Stock
        fields = [
            "sku_id",
            "sku_code",
            "product_id",
            "product_name",
            "on_hand",
            "reserved",
            "available",
            "low_stock_threshold",
            "is_low",
            "is_sold_out",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class StockDetailOutput(StockOutput):
    recent_movements = StockMovementOutput(many=True, read_only=True, help_text="The newest first.")

    class Meta(StockOutput.Meta):
        fields = [*StockOutput.Meta.fields, "recent_movements"]
        read_only_fields = fields


class StockAdjustmentInput(StrictSerializer):
    delta = serializers.IntegerField(
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Units to add (positive) or remove (negative) on hand; never 0.",
    )
    reason = serializers.ChoiceField(
        choices=[(value, label) for value, label in StockMovement.Reason.choices if value in STAFF_REASONS],
        help_text="`adjust` (a count, either way), `receive` or `return` (both only add units).",
    )
    note = serializers.CharField(
        max_length=StockMovement._meta.get_field("note").max_length, required=False, allow_blank=True, default=""
    )

    def validate_delta(self, value):
        if value == 0:
            raise serializers.ValidationError(_("Must not be zero."), code="zero")
        return value
