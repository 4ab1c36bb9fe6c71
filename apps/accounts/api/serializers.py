from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from apps.accounts.models import Address, PointsEntry, User, validate_phone
from apps.core.api.serializers import StrictFieldsMixin, StrictModelSerializer, StrictSerializer


def _check_password(password: str, user: User | None = None) -> str:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from exc
    return password


class RegisterInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    display_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[validate_phone]
    )

    def validate(self, attrs):
        candidate = User(email=attrs["email"], display_name=attrs.get("display_name", ""))
        try:
            _check_password(attrs["password"], candidate)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from exc
        return attrs


class UserOutput(serializers.ModelSerializer):
    points_balance = serializers.IntegerField(read_only=True, help_text="Sum of the points ledger.")

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "phone", "date_joined", "points_balance"]
        read_only_fields = fields


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived JWT for the Authorization: Bearer header.")
    refresh = serializers.CharField(help_text="Long-lived JWT for auth/token/refresh/; rotates on each use.")


class RegisterOutput(serializers.Serializer):
    user = UserOutput()
    tokens = TokenPairOutput()


class MeUpdateInput(StrictSerializer):
    display_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, validators=[validate_phone])


class TokenObtainInput(StrictFieldsMixin, TokenObtainPairSerializer):
    pass


class TokenRefreshInput(StrictFieldsMixin, TokenRefreshSerializer):
    pass


class LogoutInput(StrictSerializer):
    refresh = serializers.CharField(max_length=2000, help_text="The refresh token to revoke.")


class PasswordResetRequestInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInput(StrictSerializer):
    uid = serializers.CharField(max_length=64, help_text="The uid part of the reset link.")
    token = serializers.CharField(max_length=128, help_text="The token part of the reset link.")
    new_password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class PasswordChangeInput(StrictSerializer):
    old_password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def validate_new_password(self, value):
        return _check_password(value, self.context["request"].user)


class AddressSerializer(StrictModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "recipient", "phone", "province", "city", "district", "street", "postcode", "is_default"]
        read_only_fields = ["id"]
        # The one-default rule is kept by the service, which moves the flag.
        validators: list = []


class PointsEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = ["id", "delta", "reason", "reference", "created_at"]
        read_only_fields = fields
