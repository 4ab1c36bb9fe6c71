"""The back office's own site: branding, the index grouped by domain, staff actions audited."""

import logging

import pytest
from django.contrib import admin

from apps.accounts.tests.factories import UserFactory
from apps.core.admin_site import SECTIONS, ShopAdminSite

pytestmark = pytest.mark.django_db


def test_every_app_registers_on_the_shops_site():
    assert isinstance(admin.site, ShopAdminSite)


def test_the_index_is_grouped_by_domain_in_a_fixed_order(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/?apps")

    sections = [str(section["name"]) for section in response.context["app_list"]]
    assert sections == [str(title) for title, _members in SECTIONS if str(title) in sections]  # the fixed order
    assert {"Orders & Payments", "Catalog", "Stock", "Promotions", "Customers", "System"} <= set(sections)
    orders = next(s for s in response.context["app_list"] if str(s["name"]) == "Orders & Payments")
    assert "Order" in {model["object_name"] for model in orders["models"]}
    assert "Shop back office" in response.content.decode()


def test_a_staff_member_sees_only_the_sections_they_may_use(client):
    from django.contrib.auth.models import Group

    operator = UserFactory(is_staff=True)
    operator.groups.add(Group.objects.get(name="Operations"))
    client.force_login(operator)

    response = client.get("/admin/")

    sections = {str(section["name"]) for section in response.context["app_list"]}
    assert {"Catalog", "Stock", "Promotions"} <= sections
    assert "Customers" not in sections


def test_a_staff_change_in_the_admin_log_goes_to_the_business_log(caplog):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    staff = UserFactory(is_staff=True)
    customer = UserFactory()

    with caplog.at_level(logging.INFO, logger="shop.business"):
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(customer),
            object_id=str(customer.pk),
            object_repr=str(customer),
            action_flag=CHANGE,
            change_message="Changed display name.",
        )

    records = [r for r in caplog.records if getattr(r, "event", None) == "staff_action"]
    assert len(records) == 1
    assert records[0].staff_user_id == staff.pk
    assert records[0].action == "change"
    assert records[0].model == "accounts.user"
    assert records[0].change_message == "Changed display name."


def test_the_dashboard_is_the_landing_page_of_those_who_may_see_it(client):
    from django.contrib.auth.models import Group

    finance = UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name="Finance"))
    operator = UserFactory(is_staff=True)
    operator.groups.add(Group.objects.get(name="Operations"))

    client.force_login(finance)
    landing = client.get("/admin/")
    listed = client.get("/admin/?apps")
    client.force_login(operator)
    operators_landing = client.get("/admin/")

    assert landing.status_code == 302
    assert landing["Location"] == "/admin/reports/dashboard/"
    assert listed.status_code == 200
    assert operators_landing.status_code == 200  # no reports for them: the grouped list
