from rest_framework import serializers

from apps.core.api.serializers import StrictSerializer
from apps.payments.models import Payment, Provider

# A plain string in the schema (its values in the help): an enum shared by the two
# payment outputs would collide with the other apps' `status` enums.
STATUS_HELP = "pending (at the cashier), succeeded, failed, closed (given up: the order can no longer be paid)."


class PaymentCreateInput(StrictSerializer):
    order = serializers.CharField(max_length=32, help_text="The number of one of your orders waiting for payment.")
    provider = serializers.ChoiceField(choices=Provider.choices)


class PaymentOutput(serializers.ModelSerializer):
    order = serializers.CharField(source="order_number", read_only=True, help_text="The order's number.")
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = Payment
        fields = ["out_trade_no", "order", "provider", "amount", "status", "provider_trade_no", "paid_at", "created_at"]
        read_only_fields = fields


class PaymentCreatedOutput(PaymentOutput):
    cashier_url = serializers.CharField(
        read_only=True,
        help_text="Where the customer pays (the provider's cashier); the return page when it is paid already.",
    )

    class Meta(PaymentOutput.Meta):
        fields = [*PaymentOutput.Meta.fields, "cashier_url"]
        read_only_fields = fields
