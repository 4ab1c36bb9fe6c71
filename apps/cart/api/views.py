from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cart import services
from apps.cart.api.serializers import (
    CartOutput,
    CartQueryInput,
    CouponValidateInput,
    CouponValidateOutput,
    ItemAddInput,
    ItemUpdateInput,
)
from apps.cart.domain.exceptions import InvalidCartToken
from apps.cart.domain.keys import user_cart_key

TOKEN_HEADER = "X-Cart-Token"  # noqa: S105 (a header name)
ERROR = {"$ref": "#/components/schemas/Error"}
UNAVAILABLE = OpenApiResponse(ERROR, description="`sku_unavailable`, `quantity_unavailable` (not enough stock).")

TOKEN_PARAMETER = OpenApiParameter(
    TOKEN_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A guest's cart token (from an earlier answer). Ignored for a signed-in user.",
)
TOKEN_RESPONSE_HEADER = OpenApiParameter(
    TOKEN_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The guest's cart token; absent for a signed-in user.",
)


class CartApiView(APIView):
    """Finds the caller's cart: the user's when signed in, else the guest cart of the token.

    A guest without a token gets a new, empty cart and its token in the answer; a token
    that does not verify is refused (400 invalid_cart_token), so a client never writes
    into a cart it did not mean to.
    """

    permission_classes = [AllowAny]

    def cart_key(self, request) -> tuple[str, str | None]:
        if request.user.is_authenticated:
            return user_cart_key(request.user.pk), None
        token = request.headers.get(TOKEN_HEADER)
        if token:
            return services.guest_key_from_token(token), token
        return services.guest_token_issue()

    def user_id(self, request) -> int | None:
        return request.user.pk if request.user.is_authenticated else None

    def cart_response(self, request, key, token, *, coupon=None, shipping_method="standard", status_code=200):
        view = services.cart_view(
            key=key, coupon_code=coupon or None, user_id=self.user_id(request), shipping_method=shipping_method
        )
        body = CartOutput(
            {
                "token": token,
                "lines": view.lines,
                "quantity": view.quantity,
                "shipping_method": view.shipping_method,
                "breakdown": view.breakdown,
                "ready_for_checkout": view.ready_for_checkout,
            }
        ).data
        response = Response(body, status=status_code)
        if token:
            response[TOKEN_HEADER] = token
        return response


class CartGetApi(CartApiView):
    @extend_schema(
        operation_id="cart_get",
        summary="The caller's cart: lines with their problems, and the price breakdown",
        parameters=[
            TOKEN_PARAMETER,
            TOKEN_RESPONSE_HEADER,
            OpenApiParameter("coupon", OpenApiTypes.STR, description="Price the cart with this coupon code."),
            OpenApiParameter("shipping_method", OpenApiTypes.STR, description='A shipping method code ("standard").'),
        ],
        responses={
            200: CartOutput,
            400: OpenApiResponse(
                ERROR, description="`invalid` (an unknown parameter), `invalid_cart_token`, `unknown_shipping_method`."
            ),
        },
        tags=["cart"],
    )
    def get(self, request):
        query = CartQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        shipping_method = services.shipping_method_check(query.validated_data["shipping_method"])
        key, token = self.cart_key(request)
        return self.cart_response(
            request, key, token, coupon=query.validated_data["coupon"], shipping_method=shipping_method
        )


class CartItemAddApi(CartApiView):
    @extend_schema(
        operation_id="cart_item_add",
        summary="Add units of a SKU to the cart (added to what the cart already holds)",
        parameters=[TOKEN_PARAMETER, TOKEN_RESPONSE_HEADER],
        request=ItemAddInput,
        responses={201: CartOutput, 409: UNAVAILABLE},
        tags=["cart"],
    )
    def post(self, request):
        data = ItemAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        key, token = self.cart_key(request)
        services.cart_add(key=key, sku_id=data.validated_data["sku"], quantity=data.validated_data["quantity"])
        return self.cart_response(request, key, token, status_code=status.HTTP_201_CREATED)


class CartItemApi(CartApiView):
    @extend_schema(
        operation_id="cart_item_update",
        summary="Set the quantity of a cart line",
        parameters=[TOKEN_PARAMETER, TOKEN_RESPONSE_HEADER],
        request=ItemUpdateInput,
        responses={
            200: CartOutput,
            404: OpenApiResponse(ERROR, description="`cart_item_not_found`."),
            409: UNAVAILABLE,
        },
        tags=["cart"],
    )
    def patch(self, request, sku_id: int):
        data = ItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        key, token = self.cart_key(request)
        services.cart_set_quantity(key=key, sku_id=sku_id, quantity=data.validated_data["quantity"])
        return self.cart_response(request, key, token)

    @extend_schema(
        operation_id="cart_item_remove",
        summary="Remove a line from the cart",
        parameters=[TOKEN_PARAMETER],
        responses={204: OpenApiResponse(description="Removed.")},
        tags=["cart"],
    )
    def delete(self, request, sku_id: int):
        key, _token = self.cart_key(request)
        services.cart_remove(key=key, sku_id=sku_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartMergeApi(CartApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cart_merge",
        summary="After signing in: move the guest cart of the token into the user's cart",
        description="Quantities of the same SKU are summed and capped at the units available. "
        "The guest cart is emptied.",
        parameters=[
            OpenApiParameter(
                TOKEN_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description="The guest token."
            )
        ],
        request=None,
        responses={200: CartOutput},
        tags=["cart"],
    )
    def post(self, request):
        token = request.headers.get(TOKEN_HEADER)
        if not token:
            raise InvalidCartToken()
        user_key = user_cart_key(request.user.pk)
        services.cart_merge(guest_key=services.guest_key_from_token(token), user_key=user_key)
        return self.cart_response(request, user_key, None)


class CouponValidateApi(CartApiView):
    throttle_scope = "coupon_validate"  # a code is a secret worth guessing

    @extend_schema(
        operation_id="coupon_validate",
        summary="What a coupon code would do to the caller's cart",
        description="The caller's cart priced with and without the code. A code that cannot be used "
        "is a 4xx whose `code` says why (coupon_not_found, coupon_expired, coupon_min_spend_not_met, ...).",
        parameters=[TOKEN_PARAMETER],
        request=CouponValidateInput,
        responses={
            200: CouponValidateOutput,
            400: OpenApiResponse(
                ERROR,
                description="`invalid`, `invalid_cart_token`, `coupon_expired`, `coupon_not_started`, "
                "`coupon_min_spend_not_met`, `coupon_not_applicable`.",
            ),
            404: OpenApiResponse(ERROR, description="`coupon_not_found`."),
            409: OpenApiResponse(ERROR, description="`coupon_limit_reached`."),
        },
        tags=["cart"],
    )
    def post(self, request):
        data = CouponValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        key, _token = self.cart_key(request)
        quote = services.coupon_quote(key=key, coupon_code=data.validated_data["code"], user_id=self.user_id(request))
        return Response(
            CouponValidateOutput(
                {
                    "code": quote.with_coupon.coupon_code,
                    "with_coupon": quote.with_coupon,
                    "without_coupon": quote.without_coupon,
                    "saving": quote.without_coupon.total - quote.with_coupon.total,
                }
            ).data
        )
