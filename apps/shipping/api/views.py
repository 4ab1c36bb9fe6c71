from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.orders import public as orders_public
from apps.shipping import selectors, services
from apps.shipping.api.serializers import OrderTrackingOutput, ShipmentOutput, TrackingReceiptOutput
from apps.shipping.domain.exceptions import InvalidTrackingUpdate
from apps.shipping.domain.updates import MAX_BODY_BYTES, TOO_LONG

ERROR = {"$ref": "#/components/schemas/Error"}
SIGNATURE_HEADER = "X-Signature"


class OrderTrackingApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="order_tracking",
        summary="Where one of your orders is: its shipment and the carrier's scans, the newest first",
        parameters=[
            OpenApiParameter(
                "number",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=r"^[-a-zA-Z0-9_]+$",
                description="The order number.",
            )
        ],
        responses={200: OrderTrackingOutput},
        tags=["shipping"],
    )
    def get(self, request, number: str):
        order = orders_public.shipping_order_get(number=number, user_id=request.user.pk)
        if order is None:  # missing, or another customer's: the same answer
            raise NotFound()
        shipment = selectors.shipment_for_order(order_number=order.number)
        return Response({"order": order.number, "shipment": ShipmentOutput(shipment).data if shipment else None})


class CarrierWebhookApi(APIView):
    """A carrier posts one tracking update, signed with its own key.

    No session, token or throttle: the HMAC signature is the authentication, and
    nothing is read from the database before it checks out.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="shipping_webhook",
        summary="A carrier's tracking update (HMAC-SHA256 of the raw body in X-Signature, hex)",
        parameters=[
            OpenApiParameter("carrier", OpenApiTypes.STR, OpenApiParameter.PATH, description="The carrier's code."),
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Lower-case hex HMAC-SHA256 of the raw body with the carrier's key.",
            ),
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: TrackingReceiptOutput,
            403: OpenApiResponse(ERROR, description="`invalid_signature`."),
            404: OpenApiResponse(ERROR, description="`unknown_carrier`, `unknown_tracking_number`."),
        },
        auth=[],
        tags=["shipping"],
    )
    def post(self, request, carrier: str):
        if _content_length(request) > MAX_BODY_BYTES:
            raise ValidationError({"non_field_errors": [gettext(TOO_LONG)]})
        try:
            result = services.tracking_update_receive(
                carrier=carrier, body=request.body, signature_hex=request.headers.get(SIGNATURE_HEADER)
            )
        except InvalidTrackingUpdate as exc:
            raise ValidationError(
                {field: [gettext(message) for message in messages] for field, messages in exc.fields.items()}
            ) from exc
        return Response({"received": True, "duplicate": not result.created, "status": result.status})


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
