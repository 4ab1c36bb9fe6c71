import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.tests.factories import UserFactory


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def staff_with(db):
    """make(*codenames, is_staff=True) -> a user holding those inventory permissions."""

    def make(*codenames: str, is_staff: bool = True):
        user = UserFactory(is_staff=is_staff)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="inventory", codename__in=codenames)
        )
        return user

    return make


@pytest.fixture
def stock_clerk(staff_with):
    """Operations staff who may see and adjust stock."""
    return staff_with("view_stock", "change_stock", "view_stockmovement")


@pytest.fixture
def clerk_client(stock_clerk):
    return jwt_client(stock_clerk)
