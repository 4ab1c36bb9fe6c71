from rest_framework import serializers

from apps.cart.domain.keys import MAX_QUANTITY
from apps.core.api.serializers import StrictSerializer

MAX_SKU_ID = 2**63 - 1


def money(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, **kwargs)


class CartSkuOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    product_slug = serializers.CharField()
    attributes = serializers.CharField(help_text='Attribute values, e.g. "Red / XL".')
    is_buyable = serializers.BooleanField()
    thumbnail_url = serializers.CharField()


class CartProblemOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=["unavailable", "price_changed", "insufficient_stock"])
    available = serializers.IntegerField(allow_null=True, help_text="Units available (insufficient_stock).")
    previous_price = money(allow_null=True, help_text="The price when the item was added (price_changed).")


class CartLineOutput(serializers.Serializer):
    sku_id = serializers.IntegerField()
    sku = CartSkuOutput(allow_null=True, help_text="Null when the SKU no longer exists.")
    quantity = serializers.IntegerField()
    unit_price = money(help_text="The price now.")
    added_price = money(help_text="The price when the item was added.")
    line_total = money()
    available = serializers.IntegerField(help_text="Units that can be bought now.")
    problems = CartProblemOutput(many=True)


class CartAdjustmentOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="percentage, threshold or coupon.")
    label = serializers.CharField()
    amount = money(help_text="What it takes off the goods.")


class CartBreakdownOutput(serializers.Serializer):
    subtotal = money()
    adjustments = CartAdjustmentOutput(many=True)
    discount_total = money()
    shipping_fee = money()
    shipping_discount = money()
    total = money()
    points_earned = serializers.IntegerField()
    coupon_code = serializers.CharField(allow_null=True, help_text="The coupon that was applied.")
    coupon_error = serializers.CharField(allow_null=True, help_text="Why the coupon asked for was not applied.")


class CartOutput(serializers.Serializer):
    token = serializers.CharField(
        allow_null=True, help_text="A guest's cart token, to send back in the X-Cart-Token header; null when signed in."
    )
    lines = CartLineOutput(many=True)
    quantity = serializers.IntegerField(help_text="Units in the cart.")
    shipping_method = serializers.CharField()
    breakdown = CartBreakdownOutput(help_text="The price of the lines that can be bought, at the units available.")
    ready_for_checkout = serializers.BooleanField(help_text="Not empty and no line has a problem.")


class CartQueryInput(StrictSerializer):
    coupon = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    shipping_method = serializers.CharField(max_length=32, required=False, default="standard")


class ItemAddInput(StrictSerializer):
    sku = serializers.IntegerField(min_value=1, max_value=MAX_SKU_ID, help_text="The SKU id.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class ItemUpdateInput(StrictSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CouponValidateInput(StrictSerializer):
    code = serializers.CharField(max_length=64)


class CouponValidateOutput(serializers.Serializer):
    code = serializers.CharField()
    with_coupon = CartBreakdownOutput(help_text="The caller's cart priced with the code.")
    without_coupon = CartBreakdownOutput(help_text="The caller's cart priced without it.")
    saving = money(help_text="How much less the cart costs with the code.")
