"""The API's throttle rates on the storefront's pages: the same scope, the same counter.

A page that does something worth limiting (sign in, ask for a reset mail, place an order)
counts its POSTs against the REST_FRAMEWORK scope of the matching API endpoint (per user
when signed in, per address otherwise), so a client cannot double its rate by switching
between the page and the API.
"""

import math

from django.utils.translation import ngettext
from rest_framework.throttling import ScopedRateThrottle


class _ScopedView:
    """What ScopedRateThrottle asks a view for: its scope."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def page_throttle_wait(request, scope: str) -> int | None:
    """Count this request against `scope`; the whole seconds to wait when it is over the
    scope's rate (the request must be refused), None when it may go on."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _ScopedView(scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def throttle_message(wait: int) -> str:
    return ngettext(
        "Too many attempts in a short time: please try again in %(seconds)d second.",
        "Too many attempts in a short time: please try again in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}


def throttled(response, wait: int):
    """`response` (the page again, with the message) as a 429 with Retry-After."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response
