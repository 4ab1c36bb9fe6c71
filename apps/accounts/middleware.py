from django.shortcuts import render

from apps.accounts.domain.exceptions import AccountLocked


class AccountLockedMiddleware:
    """Renders AccountLocked from any page's sign-in form (storefront or admin) as a 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AccountLocked):
            return None
        minutes = max(1, round(exception.retry_after / 60))
        response = render(request, "accounts/locked.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response
