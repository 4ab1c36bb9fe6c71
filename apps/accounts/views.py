from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.domain.exceptions import EmailAlreadyRegistered
from apps.accounts.forms import (
    AddressForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)
from apps.accounts.models import Address
from apps.core.throttling import page_throttle_wait, throttle_message, throttled


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST" and (wait := page_throttle_wait(request, "register")) is not None:
        messages.error(request, throttle_message(wait))
        return throttled(render(request, "accounts/register.html", {"form": RegisterForm()}), wait)
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                language=request.LANGUAGE_CODE,
            )
        except EmailAlreadyRegistered as exc:
            form.add_error("email", _(exc.detail))
        else:
            login(request, user, backend="apps.accounts.backends.LockoutEmailBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("accounts:profile")
    return render(request, "accounts/register.html", {"form": form})


class ThrottledPostMixin:
    """POSTs count against the API endpoint's throttle scope; over it, the empty form and a 429."""

    throttle_scope = ""

    def post(self, request, *args, **kwargs):
        wait = page_throttle_wait(request, self.throttle_scope)
        if wait is None:
            return super().post(request, *args, **kwargs)
        messages.error(request, throttle_message(wait))
        return throttled(self.get(request, *args, **kwargs), wait)


class LoginView(ThrottledPostMixin, auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    throttle_scope = "login"


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    context = {
        "form": form,
        "points_balance": selectors.points_balance(user=request.user),
        "default_address": selectors.address_list_for_user(user=request.user).filter(is_default=True).first(),
    }
    return render(request, "accounts/profile.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(ThrottledPostMixin, auth_views.PasswordResetView):
    throttle_scope = "password_reset"
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def address_list(request):
    addresses = selectors.address_list_for_user(user=request.user)
    return render(request, "accounts/address_list.html", {"addresses": addresses})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id=None):
    address = _own_address(request, address_id) if address_id else None
    form = AddressForm(request.POST if request.method == "POST" else None, instance=address, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The address was saved."))
        return redirect("accounts:address_list")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete(request, address_id):
    services.address_delete(address=_own_address(request, address_id))
    messages.success(request, _("The address was deleted."))
    return redirect("accounts:address_list")


@login_required
@require_POST
def address_set_default(request, address_id):
    services.address_set_default(address=_own_address(request, address_id))
    messages.success(request, _("Default address changed."))
    return redirect("accounts:address_list")


@login_required
def points(request):
    page = Paginator(selectors.points_ledger_for_user(user=request.user), 20).get_page(request.GET.get("page"))
    context = {"page": page, "points_balance": selectors.points_balance(user=request.user)}
    return render(request, "accounts/points.html", context)


def _own_address(request, address_id) -> Address:
    try:
        return selectors.address_get_for_user(user=request.user, address_id=address_id)
    except Address.DoesNotExist as exc:
        raise Http404 from exc
