from celery import shared_task
from django.utils import timezone

from apps.cart import services


@shared_task(name="cart.purge_expired_guest_carts", ignore_result=True)
def purge_expired_guest_carts() -> int:
    """Guest carts of the database store live 30 days from their last change, as in Redis."""
    return services.cart_purge_expired_guests(now=timezone.now())
