from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CartConfig(AppConfig):
    name = "apps.cart"
    label = "cart"
    verbose_name = _("Carts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from apps.cart.login_merge import merge_guest_cart_on_login

        user_logged_in.connect(merge_guest_cart_on_login, dispatch_uid="cart.merge_guest_cart_on_login")
