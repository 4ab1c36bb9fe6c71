from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.orders import selectors, services
from apps.orders.api.serializers import OrderOutput, OrderPlaceInput
from apps.orders.models import Order

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
ILLEGAL = OpenApiResponse(ERROR, description="`illegal_transition`: the order's status does not allow it.")


def _own_order(request, number: str) -> Order:
    try:
        return selectors.order_get_for_user(user=request.user, number=number)
    except Order.DoesNotExist as exc:
        raise NotFound() from exc


@extend_schema_view(
    get=extend_schema(operation_id="order_list", summary="Your orders, the newest first", tags=["orders"]),
)
class OrderListCreateApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutput

    def get_throttles(self):
        # Placing orders has its own rate (THROTTLE_ORDER_CREATE); reading the list does not.
        self.throttle_scope = "order_create" if self.request.method == "POST" else None
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.order_list_for_user(user=self.request.user)

    @extend_schema(
        operation_id="order_place",
        summary="Place an order: price it, reserve the stock, redeem the coupon",
        description="Send an `Idempotency-Key` header so that a retried request never places a second order.",
        parameters=[IDEMPOTENCY_KEY],
        request=OrderPlaceInput,
        responses={
            201: OrderOutput,
            400: OpenApiResponse(
                ERROR,
                description="`invalid`, `address_not_found`, `coupon_invalid` (the reason in `detail`), "
                "`unknown_shipping_method`.",
            ),
            409: OpenApiResponse(
                ERROR,
                description="`out_of_stock`, `sku_unavailable`, `cart_not_ready` (checking out the cart), "
                "`idempotency_key_in_progress`.",
            ),
            422: OpenApiResponse(ERROR, description="`idempotency_key_reused` with another body."),
        },
        tags=["orders"],
    )
    @idempotent
    def post(self, request):
        data = OrderPlaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        options = {
            "user": request.user,
            "address_id": data.validated_data["address"],
            "shipping_method": data.validated_data["shipping_method"],
            "coupon_code": data.validated_data["coupon"] or None,
        }
        if "lines" in data.validated_data:
            lines = [(line["sku"], line["quantity"]) for line in data.validated_data["lines"]]
            order = services.order_place(lines=lines, **options)
        else:
            order = services.order_place_from_cart(**options)
        order = selectors.order_get_for_user(user=request.user, number=order.number)
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="order_retrieve",
        summary="One of your orders",
        parameters=[NUMBER],
        responses={200: OrderOutput},
        tags=["orders"],
    )
    def get(self, request, number: str):
        return Response(OrderOutput(_own_order(request, number)).data)


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="order_cancel",
        summary="Cancel one of your unpaid orders: the stock and the coupon are given back",
        parameters=[NUMBER],
        request=None,
        responses={200: OrderOutput, 409: ILLEGAL},
        tags=["orders"],
    )
    def post(self, request, number: str):
        order = services.order_cancel(order=_own_order(request, number), reason=services.CANCELLED_BY_CUSTOMER)
        return Response(OrderOutput(selectors.order_get_for_user(user=request.user, number=order.number)).data)


class OrderConfirmReceiptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="order_confirm_receipt",
        summary="Confirm that a shipped order arrived: it is completed",
        parameters=[NUMBER],
        request=None,
        responses={200: OrderOutput, 409: ILLEGAL},
        tags=["orders"],
    )
    def post(self, request, number: str):
        order = services.order_confirm_receipt(order=_own_order(request, number), user=request.user)
        return Response(OrderOutput(selectors.order_get_for_user(user=request.user, number=order.number)).data)
