from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts import services
from apps.accounts.models import Address, User, validate_phone


class RegisterForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    display_name = forms.CharField(label=_("Display name"), max_length=64, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False, validators=[validate_phone])
    password1 = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(email=cleaned.get("email") or "", display_name=cleaned.get("display_name") or "")
            try:
                validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or the password is not correct."),
        "inactive": _("This account is inactive."),
    }


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "phone"]

    def save(self, commit=True):
        return services.user_update_profile(
            user=self.instance, display_name=self.cleaned_data["display_name"], phone=self.cleaned_data["phone"]
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class SetPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit=True):
        services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def save(self, *, request, **kwargs):
        """Called by Django's PasswordResetView; the service sends the mail (or not)."""

        def confirm_url(uidb64: str, token: str) -> str:
            return request.build_absolute_uri(
                reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
            )

        services.password_reset_request(email=self.cleaned_data["email"], confirm_url=confirm_url)


class AddressForm(forms.ModelForm):
    # Not a model field of the form: the service moves the default flag, so the
    # one-default constraint is never checked against a half-made change.
    is_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    class Meta:
        model = Address
        fields = list(services.ADDRESS_FIELDS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["is_default"].initial = self.instance.is_default

    def save(self, commit=True):
        data = {name: self.cleaned_data[name] for name in services.ADDRESS_FIELDS}
        if self.instance.pk:
            return services.address_update(
                address=self.instance, is_default=self.cleaned_data["is_default"] or None, **data
            )
        return services.address_create(user=self.user, is_default=self.cleaned_data["is_default"], **data)
