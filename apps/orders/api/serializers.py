from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.orders.models import Order, OrderLine
from apps.orders.services import MAX_LINE_QUANTITY
from apps.promotions.public import shipping_methods


class OrderLineInput(StrictSerializer):
    sku = serializers.IntegerField(min_value=1, help_text="The SKU's id.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class OrderPlaceInput(StrictSerializer):
    address = serializers.IntegerField(min_value=1, help_text="The id of one of your addresses.")
    lines = OrderLineInput(
        many=True,
        allow_empty=False,
        max_length=100,
        required=False,
        help_text="What to buy. Leave it out to check out your cart (its lines leave the cart once ordered).",
    )
    shipping_method = serializers.ChoiceField(
        choices=[(method.code, method.label) for method in shipping_methods()], required=False, default="standard"
    )
    coupon = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class OrderLineOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "sku_id",
            "product_id",
            "product_name",
            "sku_code",
            "attributes",
            "unit_price",
            "quantity",
            "line_discount",
            "line_total",
        ]
        read_only_fields = fields


class AddressOutput(serializers.Serializer):
    recipient = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    province = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    district = serializers.CharField(read_only=True)
    street = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)


class OrderOutput(serializers.ModelSerializer):
    lines = OrderLineOutput(many=True, read_only=True)
    address = AddressOutput(source="*", read_only=True, help_text="The delivery address as it was at placement.")
    breakdown = serializers.JSONField(read_only=True, help_text="The price breakdown the order was placed with.")

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "address",
            "shipping_method",
            "subtotal",
            "discount_total",
            "shipping_fee",
            "shipping_discount",
            "total",
            "points_earned",
            "coupon_code",
            "breakdown",
            "lines",
            "placed_at",
            "payment_deadline",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "completed_at",
        ]
        read_only_fields = fields
