from django.db.models import Count, QuerySet

from apps.orders.models import Order


def order_list_for_user(*, user) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-placed_at", "-id")


def order_get_for_user(*, user, number: str) -> Order:
    """The user's own order; another user's order raises Order.DoesNotExist, like a missing one."""
    return Order.objects.prefetch_related("lines").get(user=user, number=number)


def order_count_by_status() -> dict[str, int]:
    """How many orders are in each status (statuses with none are left out): /metrics."""
    rows = Order.objects.order_by().values_list("status").annotate(count=Count("id"))
    return {status: count for status, count in rows}
