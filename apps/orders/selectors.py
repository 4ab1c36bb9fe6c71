from django.db.models import QuerySet

from apps.orders.models import Order


def order_list_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-placed_at", "-id")


def order_get_for_user(*, user, number: str) -> Order:
    """The user's own order; another user's order raises Order.DoesNotExist, like a missing one."""
    return Order.objects.prefetch_related("lines").get(user=user, number=number)
