from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.inventory import selectors, services
from apps.inventory.api.filters import StockFilter
from apps.inventory.api.permissions import StockPermissions
from apps.inventory.api.serializers import StockAdjustmentInput, StockDetailOutput, StockOutput
from apps.inventory.models import Stock

ERROR = {"$ref": "#/components/schemas/Error"}
SKU_ID = OpenApiParameter("sku_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The SKU's id.")


def _stock_detail(sku_id: int) -> Stock:
    stock = selectors.stock_get(sku_id=sku_id)
    if stock is None:
        raise NotFound()
    stock.recent_movements = selectors.stock_movements_recent(sku_id=sku_id)
    return stock


class StaffStockApi:
    # Back-office endpoints: staff, with the stock model permission of what they do.
    permission_classes = [IsAdminUser, StockPermissions]
    queryset = Stock.objects.none()  # tells StockPermissions the model


@extend_schema_view(
    get=extend_schema(
        operation_id="stock_list",
        summary="Stock per SKU, in SKU order (staff with inventory.view_stock)",
        responses={
            200: StockOutput(many=True),
            400: OpenApiResponse(ERROR, description="`invalid`: a filter value is refused (see `fields`)."),
        },
        tags=["stock"],
    )
)
class StockListApi(StaffStockApi, ListAPIView):
    serializer_class = StockOutput
    filterset_class = StockFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.stock_list()


class StockDetailApi(StaffStockApi, APIView):
    @extend_schema(
        operation_id="stock_retrieve",
        summary="One SKU's stock and its newest movements (staff with inventory.view_stock)",
        parameters=[SKU_ID],
        responses={200: StockDetailOutput},
        tags=["stock"],
    )
    def get(self, request, sku_id: int):
        return Response(StockDetailOutput(_stock_detail(sku_id)).data)


class StockAdjustmentApi(StaffStockApi, APIView):
    @extend_schema(
        operation_id="stock_adjust",
        summary="Change a SKU's units on hand: a count, goods received, a return (staff with inventory.change_stock)",
        description="Send an `Idempotency-Key` header so that a retried request does not change the stock twice.",
        parameters=[
            SKU_ID,
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Up to 255 printable ASCII characters; a retry with the same key and body is replayed.",
            ),
        ],
        request=StockAdjustmentInput,
        responses={
            201: StockDetailOutput,
            409: OpenApiResponse(
                ERROR,
                description="`stock_would_go_negative`: fewer units would be on hand than are reserved; "
                "`idempotency_key_in_progress`: the first request with this key is still running.",
            ),
            422: OpenApiResponse(ERROR, description="`idempotency_key_reused` with another body."),
        },
        tags=["stock"],
    )
    @idempotent
    def post(self, request, sku_id: int):
        if selectors.stock_get(sku_id=sku_id) is None:
            raise NotFound()
        data = StockAdjustmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.stock_adjust(sku_id=sku_id, actor=request.user, **data.validated_data)
        return Response(StockDetailOutput(_stock_detail(sku_id)).data, status=status.HTTP_201_CREATED)
