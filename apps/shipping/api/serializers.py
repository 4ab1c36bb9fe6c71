from django.utils.translation import gettext
from rest_framework import serializers

from apps.shipping.domain.carriers import carrier_name
from apps.shipping.models import Shipment, TrackingEvent

# Plain strings rather than enums: the schema already has a "status" enum (orders').
STATUS_HELP = "shipped, picked_up, in_transit, out_for_delivery or delivered"


class TrackingEventOutput(serializers.ModelSerializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = TrackingEvent
        fields = ["time", "status", "status_display", "location", "description"]


class ShipmentOutput(serializers.ModelSerializer):
    carrier = serializers.CharField(help_text="The carrier's code (sf, zto, yto, sto, yunda, jd, ems).")
    carrier_name = serializers.SerializerMethodField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    events = TrackingEventOutput(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "carrier",
            "carrier_name",
            "tracking_number",
            "status",
            "status_display",
            "shipped_at",
            "delivered_at",
            "events",
        ]

    def get_carrier_name(self, shipment) -> str:
        return gettext(carrier_name(shipment.carrier))


class OrderTrackingOutput(serializers.Serializer):
    order = serializers.CharField()
    shipment = ShipmentOutput(allow_null=True)


class TrackingReceiptOutput(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()
    status = serializers.CharField(help_text="The shipment's status after this update.")
