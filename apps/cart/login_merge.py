"""Merging a browser's guest cart into the user's cart when the browser signs in.

This is auth plumbing, not domain flow: Django's `user_logged_in` signal is the one
place that sees both the signed-in user and the request whose cookie holds the guest
cart token. The merge itself is the service `cart_merge`, which the API calls too.
"""

import logging

from apps.cart import services
from apps.cart.domain.exceptions import CartUnavailable, InvalidCartToken
from apps.cart.domain.keys import GUEST_COOKIE, user_cart_key


def merge_guest_cart_on_login(sender, request, user, **kwargs):
    token = request.COOKIES.get(GUEST_COOKIE) if request is not None else None
    if not token:
        return
    try:
        guest_key = services.guest_key_from_token(token)
    except InvalidCartToken:
        return  # an expired or forged cookie: there is nothing to merge
    try:
        services.cart_merge(guest_key=guest_key, user_key=user_cart_key(user.pk))
    except CartUnavailable:
        # Signing in must not fail because the cart store is down. The guest cart and
        # its cookie stay as they are, so the next sign-in (or POST cart/merge/) merges it.
        logging.getLogger("shop.cart").warning("guest cart not merged at sign-in: the cart store is unavailable")
