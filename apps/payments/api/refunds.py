"""Refunds in the API: a customer asks for money back on one of their orders, and follows it."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.core.api.serializers import StrictSerializer
from apps.orders import public as orders_public
from apps.payments.models import Refund
from apps.payments.services import refunds as refund_services

ERROR = {"$ref": "#/components/schemas/Error"}
NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$", description="The order number."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Up to 255 printable ASCII characters; a retry with the same key and body is replayed.",
)
REASON_MAX_LENGTH = Refund._meta.get_field("reason").max_length


class RefundRequestInput(StrictSerializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="How much to refund, in yuan (at most what is left: paid minus the other refunds).",
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Why the money should go back.")
    return_goods = serializers.BooleanField(
        default=False, help_text="The items are sent back; their stock returns when the refund succeeds."
    )


class RefundLineOutput(serializers.Serializer):
    sku_id = serializers.IntegerField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)


class RefundOutput(serializers.ModelSerializer):
    number = serializers.CharField(source="out_refund_no", read_only=True, help_text="The merchant refund number.")
    order = serializers.CharField(source="order_number", read_only=True)
    lines = RefundLineOutput(many=True, read_only=True, help_text="The items returned with it (return_goods).")

    class Meta:
        model = Refund
        fields = [
            "id",
            "number",
            "order",
            "amount",
            "reason",
            "status",
            "return_goods",
            "lines",
            "created_at",
            "approved_at",
            "succeeded_at",
        ]
        read_only_fields = fields


RefundListOutput = inline_serializer(
    "RefundList",
    fields={
        "refundable": serializers.DecimalField(
            max_digits=12, decimal_places=2, help_text="What is left to ask for: paid, minus the refunds."
        ),
        "results": RefundOutput(many=True),
    },
)


def _own_order(request, number: str):
    order = orders_public.refund_order_get(number=number, user_id=request.user.pk)
    if order is None:
        raise NotFound()
    return order


class OrderRefundsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="order_refund_list",
        summary="The refunds of one of your orders, newest first, and what is left to refund",
        parameters=[NUMBER],
        responses={200: RefundListOutput, 404: OpenApiResponse(ERROR, description="Not your order.")},
        tags=["refunds"],
    )
    def get(self, request, number: str):
        order = _own_order(request, number)
        refunds = refund_services.refund_list_for_order(order_number=order.number)
        refundable = refund_services.refundable_amount(order_number=order.number) if order.is_refundable else None
        return Response(
            {
                "refundable": f"{refundable or Decimal('0.00'):.2f}",
                "results": RefundOutput(refunds, many=True).data,
            }
        )

    @extend_schema(
        operation_id="order_refund_request",
        summary="Ask for (part of) the money back on one of your paid orders; staff approve it",
        description="Send an `Idempotency-Key` header so that a retried request never asks twice.",
        parameters=[NUMBER, IDEMPOTENCY_KEY],
        request=RefundRequestInput,
        responses={
            201: RefundOutput,
            400: OpenApiResponse(ERROR, description="`invalid`: the amount, the reason or an unknown field."),
            404: OpenApiResponse(ERROR, description="Not your order."),
            409: OpenApiResponse(
                ERROR,
                description="`refund_exceeds_paid` (more than is left), `order_not_refundable` (not paid, "
                "cancelled or refunded in full), `nothing_to_return` (every item is back already), "
                "`idempotency_key_in_progress`.",
            ),
            422: OpenApiResponse(ERROR, description="`idempotency_key_reused` with another body."),
        },
        tags=["refunds"],
    )
    @idempotent
    def post(self, request, number: str):
        order = _own_order(request, number)
        data = RefundRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund = refund_services.refund_request(
            order_number=order.number,
            user=request.user,
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
            return_goods=data.validated_data["return_goods"],
        )
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)
