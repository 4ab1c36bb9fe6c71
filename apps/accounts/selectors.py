from django.db.models import QuerySet, Sum

from apps.accounts.models import Address, PointsEntry, User


def address_list_for_user(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get_for_user(*, user: User, address_id: int) -> Address:
    """The user's own address; someone else's raises Address.DoesNotExist (a 404)."""
    return Address.objects.get(user=user, pk=address_id)


def points_balance(*, user: User) -> int:
    return PointsEntry.objects.filter(user=user).aggregate(total=Sum("delta"))["total"] or 0


def points_ledger_for_user(*, user: User) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user)
