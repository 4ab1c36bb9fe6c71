from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts import selectors, services
from apps.accounts.api.serializers import (
    AddressSerializer,
    LogoutInput,
    MeUpdateInput,
    PasswordChangeInput,
    PasswordResetConfirmInput,
    PasswordResetRequestInput,
    PointsEntryOutput,
    RegisterInput,
    RegisterOutput,
    TokenObtainInput,
    TokenPairOutput,
    TokenRefreshInput,
    UserOutput,
)
from apps.accounts.models import Address, PointsEntry, User

ERROR = {"$ref": "#/components/schemas/Error"}
TOKEN_NOT_VALID = OpenApiResponse(ERROR, description="`token_not_valid`: an invalid, expired or revoked refresh token.")


def _tokens_for(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _user_output(user: User) -> dict:
    user.points_balance = selectors.points_balance(user=user)
    return UserOutput(user).data


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "register"

    @extend_schema(
        operation_id="auth_register",
        summary="Create a customer account",
        request=RegisterInput,
        responses={201: RegisterOutput},
        tags=["auth"],
    )
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data, language=request.LANGUAGE_CODE)
        return Response({"user": _user_output(user), "tokens": _tokens_for(user)}, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_obtain",
        summary="Sign in: e-mail and password for an access and a refresh token",
        responses={
            200: TokenPairOutput,
            401: OpenApiResponse(ERROR, description="`no_active_account`: wrong e-mail or password."),
        },
        tags=["auth"],
    )
)
class TokenObtainApi(TokenObtainPairView):
    serializer_class = TokenObtainInput
    authentication_classes: list = []
    throttle_scope = "login"


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_refresh",
        summary="Trade a refresh token for a new pair; the old refresh token stops working",
        responses={200: TokenPairOutput, 401: TOKEN_NOT_VALID},
        tags=["auth"],
    )
)
class TokenRefreshApi(TokenRefreshView):
    serializer_class = TokenRefreshInput
    authentication_classes: list = []
    throttle_scope = "login"


class LogoutApi(APIView):
    # Holding the refresh token is the proof: a client whose access token has
    # expired must still be able to sign out.
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'  # a bad refresh token is a 401, as on auth/token/refresh/

    @extend_schema(
        operation_id="auth_logout",
        summary="Sign out: revoke a refresh token",
        request=LogoutInput,
        responses={204: OpenApiResponse(description="Revoked."), 401: TOKEN_NOT_VALID},
        tags=["auth"],
    )
    def post(self, request):
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetRequestApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "password_reset"

    @extend_schema(
        operation_id="auth_password_reset",
        summary="Mail a password reset link (the answer is the same for unknown addresses)",
        request=PasswordResetRequestInput,
        responses={202: OpenApiResponse(description="If the address has an account, a link was sent.")},
        tags=["auth"],
    )
    def post(self, request):
        data = PasswordResetRequestInput(data=request.data)
        data.is_valid(raise_exception=True)

        def confirm_url(uidb64: str, token: str) -> str:
            return request.build_absolute_uri(f"/accounts/password-reset/{uidb64}/{token}/")

        services.password_reset_request(email=data.validated_data["email"], confirm_url=confirm_url)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "password_reset"

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        summary="Set a new password with the uid and token from the reset link (works once)",
        request=PasswordResetConfirmInput,
        responses={204: OpenApiResponse(description="Password set; every refresh token is revoked.")},
        tags=["auth"],
    )
    def post(self, request):
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.password_reset_user(uidb64=data.validated_data["uid"], token=data.validated_data["token"])
        try:
            services.user_set_password(user=user, password=data.validated_data["new_password"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", summary="The signed-in user", responses=UserOutput, tags=["me"])
    def get(self, request):
        return Response(_user_output(request.user))

    @extend_schema(
        operation_id="me_update",
        summary="Change display name or phone",
        request=MeUpdateInput,
        responses=UserOutput,
        tags=["me"],
    )
    def patch(self, request):
        data = MeUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **data.validated_data)
        return Response(_user_output(user))


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_password_change",
        summary="Change the password; every refresh token is revoked",
        request=PasswordChangeInput,
        responses={204: OpenApiResponse(description="Changed.")},
        tags=["me"],
    )
    def post(self, request):
        data = PasswordChangeInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.user_change_password(
            user=request.user,
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["me"], summary="The signed-in user's points ledger, newest first")
class PointsLedgerApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PointsEntryOutput
    queryset = PointsEntry.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.points_ledger_for_user(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="My addresses, the default first"),
    retrieve=extend_schema(summary="One of my addresses"),
    create=extend_schema(summary="Add an address (the first becomes the default)"),
    partial_update=extend_schema(summary="Change an address; is_default=true makes it the default"),
    destroy=extend_schema(summary="Delete an address; another becomes the default"),
)
@extend_schema(tags=["addresses"])
class AddressViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The address book. Only the owner's addresses exist here: another's id is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = AddressSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Address.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.address_list_for_user(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.address_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.address_update(address=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.address_delete(address=instance)
