from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.domain.contact import is_valid_phone, is_valid_postcode, normalize_phone
from apps.core.models import TimeStampedModel


def validate_phone(value: str) -> None:
    if not is_valid_phone(normalize_phone(value)):
        raise ValidationError(
            _("Enter a mainland China mobile number (11 digits) or a landline with area code."), code="invalid_phone"
        )


def validate_postcode(value: str) -> None:
    if not is_valid_postcode(value):
        raise ValidationError(_("A postcode has 6 digits."), code="invalid_postcode")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("The e-mail address is required")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively: stored lower-cased."""
    return (email or "").strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or a staff member. The e-mail address is the login."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[validate_phone])
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en", help_text=_("For e-mails.")
    )
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can sign in to the back office."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["-date_joined"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name or self.email.split("@")[0]


class Address(TimeStampedModel):
    """A delivery address in the customer's address book (Chinese address format)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("user"))
    recipient = models.CharField(_("recipient"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30)
    street = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[validate_postcode])
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="one_default_address_per_user"),
        ]
        indexes = [models.Index(fields=["user", "-is_default", "-created_at"], name="address_book_idx")]

    def __str__(self):
        return f"{self.recipient} {self.province}{self.city}{self.district}{self.street}"

    @property
    def one_line(self) -> str:
        return f"{self.province} {self.city} {self.district} {self.street}"


class PointsEntry(models.Model):
    """One line of a customer's points ledger; the balance is the sum of the lines."""

    class Reason(models.TextChoices):
        ORDER_COMPLETED = "order_completed", _("order completed")
        ORDER_REFUNDED = "order_refunded", _("order refunded")
        REDEEMED = "redeemed", _("redeemed at checkout")
        REDEMPTION_RELEASED = "redemption_released", _("redemption returned")
        ADJUSTMENT = "adjustment", _("adjustment by staff")
        WELCOME = "welcome", _("welcome bonus")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="points_entries", verbose_name=_("user"))
    delta = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # An order awards (or takes back) its points once, however often the event arrives.
            models.UniqueConstraint(
                fields=["user", "reason", "reference"], condition=~Q(reference=""), name="points_once_per_reference"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="points_ledger_idx")]

    def __str__(self):
        return f"{self.user_id} {self.delta:+d} {self.reason}"
