"""Each staff role, page by page: every admin list it may open answers 200, every other 403.

The matrix below is the specification (issue 6): Operations run the catalog, the stock,
the promotions and shipping; Customer Service handle orders, refund requests and look
customers up; Finance follow payments, approve refunds and read the reports. Django's
permissions (granted to the groups by the apps' role migrations) enforce it.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAY_OPEN = {
    "Operations": {
        "catalog.Attribute",
        "catalog.Brand",
        "catalog.Category",
        "catalog.Product",
        "catalog.Review",
        "inventory.Stock",
        "inventory.StockMovement",
        "promotions.Coupon",
        "promotions.FreeShippingPromotion",
        "promotions.PercentagePromotion",
        "promotions.ThresholdPromotion",
        "orders.Order",
        "shipping.Shipment",
    },
    "Customer Service": {
        "accounts.User",
        "accounts.PointsEntry",
        "catalog.Product",
        "catalog.Review",
        "orders.Order",
        "payments.Payment",
        "payments.Refund",
        "promotions.Coupon",
        "shipping.Shipment",
    },
    "Finance": {
        "accounts.PointsEntry",
        "orders.Order",
        "payments.Payment",
        "payments.PaymentNotification",
        "payments.Refund",
        "promotions.Coupon",
        "promotions.PercentagePromotion",
        "promotions.ThresholdPromotion",
        "reports.Dashboard",
    },
}


def _changelists():
    return sorted(
        (model._meta.label, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        for model in admin.site._registry
    )


@pytest.mark.parametrize("role", sorted(MAY_OPEN))
def test_a_role_opens_exactly_its_pages(client, role):
    member = UserFactory(is_staff=True)
    member.groups.add(Group.objects.get(name=role))
    client.force_login(member)

    answers = {label: client.get(url).status_code for label, url in _changelists()}

    opened = {label for label, status in answers.items() if status == 200}
    refused = {label for label, status in answers.items() if status == 403}
    assert opened == MAY_OPEN[role]
    assert refused == set(answers) - MAY_OPEN[role]  # nothing else: no 500, no redirect
    assert client.get(reverse("admin:index") + "?apps").status_code == 200


def test_every_role_is_in_the_matrix_and_every_page_in_it_exists():
    labels = {label for label, _url in _changelists()}
    assert set(Group.objects.values_list("name", flat=True)) == set(MAY_OPEN)
    assert set().union(*MAY_OPEN.values()) <= labels


def test_customers_and_anonymous_visitors_are_sent_to_the_login_page(client):
    pages = [url for _label, url in _changelists()] + [reverse("admin:index")]

    anonymous = [client.get(url) for url in pages]
    client.force_login(UserFactory(is_staff=False))
    customer = [client.get(url) for url in pages]

    for response in anonymous + customer:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
