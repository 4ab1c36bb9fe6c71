from celery import shared_task

from apps.orders import services


@shared_task(name="orders.expire_unpaid")
def expire_unpaid() -> int:
    """Beat runs this every minute or so: unpaid orders past their window are cancelled."""
    return services.orders_expire_unpaid()


@shared_task(name="orders.complete_delivered")
def complete_delivered() -> int:
    """Beat runs this hourly: orders delivered ORDER_AUTO_COMPLETE_DAYS ago complete by themselves."""
    return services.orders_complete_delivered()
