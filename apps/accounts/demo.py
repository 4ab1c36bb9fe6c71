"""Demo accounts for `manage.py seed_demo`."""

import os

from apps.accounts import services
from apps.accounts.models import User

ADMIN_EMAIL = "admin@example.com"
CUSTOMER_EMAIL = "customer@example.com"


def seed(*, stdout, **options) -> list[str]:
    admin_password = os.environ.get("DEMO_ADMIN_PASSWORD", "shop-admin-2026")
    customer_password = os.environ.get("DEMO_CUSTOMER_PASSWORD", "shop-customer-2026")

    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(ADMIN_EMAIL, admin_password, display_name="Demo Admin")
    customer = User.objects.filter(email=CUSTOMER_EMAIL).first()
    if customer is None:
        customer = services.user_register(
            email=CUSTOMER_EMAIL, password=customer_password, display_name="张伟 Zhang Wei", phone="13800138000"
        )
    if not customer.addresses.exists():
        services.address_create(
            user=customer,
            recipient="张伟",
            phone="13800138000",
            province="上海市",
            city="上海市",
            district="浦东新区",
            street="世纪大道 100 号 8 楼",
            postcode="200120",
        )
    return [
        f"  Admin:    {ADMIN_EMAIL} / {admin_password}   (back office: /admin/)",
        f"  Customer: {CUSTOMER_EMAIL} / {customer_password}",
    ]
