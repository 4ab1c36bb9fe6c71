"""Payments in the API: start a payment of an order, follow it, and the providers' notify endpoints."""

import logging

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    ParseError,
    Throttled,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.generics import ListAPIView
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.payments import selectors
from apps.payments.api.serializers import PaymentCreatedOutput, PaymentCreateInput, PaymentOutput
from apps.payments.gateways.registry import gateway_for
from apps.payments.models import Payment, Provider
from apps.payments.services import payments as payment_services

logger = logging.getLogger("shop.payments")

ERROR = {"$ref": "#/components/schemas/Error"}
OUT_TRADE_NO = OpenApiParameter(
    "out_trade_no",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The merchant trade number.",
)
ORDER_FILTER = OpenApiParameter(
    "order", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description="Only this order's payments."
)
# A notification is a few hundred bytes; more is not a provider talking.
MAX_NOTIFICATION_BYTES = 64 * 1024


@extend_schema_view(
    get=extend_schema(
        operation_id="payment_list",
        summary="Your payments, the newest first",
        parameters=[ORDER_FILTER],
        responses={
            200: PaymentOutput(many=True),
            400: OpenApiResponse(ERROR, description="`invalid`: `order` holds a NUL character."),
        },
        tags=["payments"],
    ),
)
class PaymentListCreateApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PaymentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        order = (self.request.query_params.get("order") or "").strip()[:32]
        if "\x00" in order:  # PostgreSQL refuses NUL in text: a 400, not a 500
            raise ValidationError({"order": [_("Null characters are not allowed.")]})
        return selectors.payment_list_for_user(user=self.request.user, order_number=order or None)

    @extend_schema(
        operation_id="payment_create",
        summary="Pay one of your orders: a payment with its cashier URL",
        description="A second request for the same order and provider, while its payment is pending, "
        "returns that payment (200) instead of a new one (201).",
        request=PaymentCreateInput,
        responses={
            201: PaymentCreatedOutput,
            200: PaymentCreatedOutput,
            400: OpenApiResponse(ERROR, description="`invalid` (an unknown `provider`, a missing `order`)."),
            404: OpenApiResponse(ERROR, description="`order_not_found`: no such order among yours."),
            409: OpenApiResponse(
                ERROR,
                description="`order_not_payable`: the order is not waiting for payment; "
                "`nothing_to_pay`: its total is 0.",
            ),
            502: OpenApiResponse(ERROR, description="`payment_provider_unavailable`: try again in a moment."),
        },
        tags=["payments"],
    )
    def post(self, request):
        data = PaymentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        started = payment_services.payment_create(
            user=request.user, order_number=data.validated_data["order"], provider=data.validated_data["provider"]
        )
        payment = started.payment
        payment.cashier_url = started.cashier_url
        code = status.HTTP_201_CREATED if started.created else status.HTTP_200_OK
        return Response(PaymentCreatedOutput(payment).data, status=code)


class PaymentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="payment_retrieve",
        summary="One of your payments",
        parameters=[OUT_TRADE_NO],
        responses={200: PaymentOutput, 404: OpenApiResponse(ERROR, description="`not_found`")},
        tags=["payments"],
    )
    def get(self, request, out_trade_no: str):
        payment = selectors.payment_get_for_user(user=request.user, out_trade_no=out_trade_no)
        if payment is None:
            raise NotFound()
        return Response(PaymentOutput(payment).data)


# --- The providers' notifications ----------------------------------------------------------


class RawBodyParser(BaseParser):
    """Hands the body over as bytes: the signature covers exactly those bytes."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_NOTIFICATION_BYTES + 1) if stream is not None else b""


class RawFormParser(RawBodyParser):
    media_type = "application/x-www-form-urlencoded"


class RawJSONParser(RawBodyParser):
    media_type = "application/json"


class NotifyRateThrottle(SimpleRateThrottle):
    """Per calling address, at PAYMENT_NOTIFY_THROTTLE: the providers call from a few
    addresses, and a flood from anywhere else should not reach the database."""

    scope = "payment_notify"

    def get_rate(self):
        return settings.PAYMENT_NOTIFY_THROTTLE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": f"{self.scope}_{view.provider}", "ident": self.get_ident(request)}


def _http(answer, *, status_code: int | None = None) -> HttpResponse:
    return HttpResponse(answer.body, status=status_code or answer.status, content_type=answer.content_type)


@extend_schema(exclude=True)
class NotifyApi(APIView):
    """A provider's asynchronous notification: no user, no CSRF (a signed server-to-server
    call), answered in the provider's own format, never with a 500.

    Left out of the OpenAPI schema: the providers call it, in their formats (documented
    in docs/api.md), and its answers are theirs, not the shop's error shape.
    """

    provider = ""
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [NotifyRateThrottle]

    def post(self, request):
        headers = dict(request.headers)
        try:
            body = request.data
        except (ParseError, UnsupportedMediaType):
            body = None
        if not isinstance(body, bytes):
            payment_services.notification_store_unreadable(
                provider=self.provider, headers=headers, body=b"", reason="unsupported_media_type"
            )
            return _http(gateway_for(self.provider).failure_answer())
        if len(body) > MAX_NOTIFICATION_BYTES:
            payment_services.notification_store_unreadable(
                provider=self.provider, headers=headers, body=body, reason="too_large"
            )
            return _http(gateway_for(self.provider).failure_answer())
        answer = payment_services.notification_receive(provider=self.provider, headers=headers, body=body)
        return _http(answer)

    def handle_exception(self, exc):
        failure = gateway_for(self.provider).failure_answer()
        if isinstance(exc, Throttled):
            response = _http(failure, status_code=status.HTTP_429_TOO_MANY_REQUESTS)
            response["Retry-After"] = str(int(exc.wait or 60))
            return response
        if isinstance(exc, APIException):  # a method other than POST, ...
            return _http(failure, status_code=exc.status_code)
        # Anything else is our fault: logged with its traceback, and the provider told to
        # try again later in its own format (it will, with backoff).
        logger.exception("payment notification from %s failed", self.provider)
        return _http(failure)


class AlipayNotifyApi(NotifyApi):
    provider = Provider.ALIPAY
    parser_classes = [RawFormParser]


class WechatNotifyApi(NotifyApi):
    provider = Provider.WECHAT
    parser_classes = [RawJSONParser]
