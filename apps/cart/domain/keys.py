"""Cart keys: which cart a request is talking about.

A signed-in customer's cart is keyed by the user, so every device and client sees the
same one; a guest's cart by a random id that the client carries in a signed token.
"""

MAX_QUANTITY = 99
GUEST_CART_DAYS = 30
GUEST_PREFIX = "guest:"
USER_PREFIX = "user:"


def user_cart_key(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def guest_cart_key(guest_id: str) -> str:
    return f"{GUEST_PREFIX}{guest_id}"


def is_guest_key(key: str) -> bool:
    return key.startswith(GUEST_PREFIX)


# Where a browser keeps its guest cart token; API clients send it in X-Cart-Token.
GUEST_COOKIE = "cart"

# Where the storefront remembers the coupon and shipping method a customer chose on the
# cart page, so that checkout starts from the same choices.
SESSION_COUPON = "cart_coupon"
SESSION_SHIPPING = "cart_shipping_method"
