import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command

from apps.accounts import demo
from apps.accounts.models import Address, User
from apps.accounts.tests.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_pages_render(client):
    for url in ["/", "/accounts/login/", "/accounts/register/", "/accounts/password-reset/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'name="language"' in response.content.decode(), url  # the language switcher


def test_account_pages_need_a_login(client):
    for url in [
        "/accounts/profile/",
        "/accounts/addresses/",
        "/accounts/addresses/new/",
        "/accounts/points/",
        "/accounts/password/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_register_on_the_page_signs_in_and_sends_a_welcome_mail(
    client, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {
                "email": "li@example.com",
                "display_name": "Li",
                "phone": "",
                "password1": "bamboo-grove-77",
                "password2": "bamboo-grove-77",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").context["user"].email == "li@example.com"
    assert [m.subject for m in mail.outbox] == ["Welcome to Shop"]


def test_register_page_shows_messages_for_bad_input(client, user):
    response = client.post(
        "/accounts/register/",
        {"email": user.email, "password1": "bamboo-grove-77", "password2": "bamboo-grove-77"},
    )
    mismatch = client.post(
        "/accounts/register/", {"email": "x@example.com", "password1": "bamboo-grove-77", "password2": "other-77"}
    )

    assert response.status_code == 200
    assert "An account with this e-mail address already exists." in response.content.decode()
    assert "The two passwords do not match." in mismatch.content.decode()
    assert User.objects.count() == 1


def test_login_and_logout(client, user):
    bad = client.post("/accounts/login/", {"username": user.email, "password": "wrong-wrong-1"})
    good = client.post("/accounts/login/", {"username": user.email.upper(), "password": PASSWORD})
    out = client.post("/accounts/logout/")

    assert "The e-mail address or the password is not correct." in bad.content.decode()
    assert good.status_code == 302
    assert out.status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


def test_profile_edit(client, user):
    client.force_login(user)

    response = client.post("/accounts/profile/", {"display_name": "Han Meimei", "phone": "13700001111"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.phone) == ("Han Meimei", "13700001111")


def test_address_book_pages(client, user):
    client.force_login(user)
    data = {
        "recipient": "韩梅梅",
        "phone": "13700001111",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 90 号",
        "postcode": "310012",
    }

    client.post("/accounts/addresses/new/", data)
    client.post("/accounts/addresses/new/", {**data, "street": "文二路 1 号", "is_default": "on"})
    first, second = Address.objects.order_by("id")
    assert (first.is_default, second.is_default) == (False, True)

    client.post(f"/accounts/addresses/{first.pk}/default/")
    client.post(f"/accounts/addresses/{second.pk}/", {**data, "street": "文二路 2 号"})
    client.post(f"/accounts/addresses/{first.pk}/delete/")

    remaining = Address.objects.get()
    assert (remaining.pk, remaining.street, remaining.is_default) == (second.pk, "文二路 2 号", True)
    assert "文二路 2 号" in client.get("/accounts/addresses/").content.decode()


def test_another_users_address_pages_are_404(client, user, other_user):
    theirs = AddressFactory(user=other_user)
    client.force_login(user)

    assert client.get(f"/accounts/addresses/{theirs.pk}/").status_code == 404
    assert client.post(f"/accounts/addresses/{theirs.pk}/", {"recipient": "x"}).status_code == 404
    assert client.post(f"/accounts/addresses/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/accounts/addresses/{theirs.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_address_list_page_query_count_does_not_grow(client, user, django_assert_max_num_queries):
    AddressFactory.create_batch(20, user=user)
    client.force_login(user)

    with django_assert_max_num_queries(4):
        response = client.get("/accounts/addresses/")

    assert response.content.decode().count('class="card"') == 20


def test_points_page_paginates_the_ledger(client, user, django_assert_max_num_queries):
    from apps.accounts.services import points_record

    for n in range(25):
        points_record(user=user, delta=10, reason="order_completed", reference=f"order-{n}")
    client.force_login(user)

    with django_assert_max_num_queries(6):
        response = client.get("/accounts/points/?page=2")

    assert response.context["points_balance"] == 250
    assert len(response.context["page"].object_list) == 5


def test_the_language_switcher_turns_the_pages_chinese(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    response = client.get("/accounts/login/")

    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_roles_exist_as_groups_with_their_permissions():
    perms = {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }

    assert set(perms) == {"Operations", "Customer Service", "Finance"}
    assert {p for p in perms["Customer Service"] if p.startswith("accounts.")} == {
        "accounts.view_address",
        "accounts.view_pointsentry",
        "accounts.view_user",
    }
    assert {p for p in perms["Finance"] if p.startswith("accounts.")} == {"accounts.view_pointsentry"}
    assert "orders.change_order" in perms["Customer Service"]
    assert "orders.change_order" not in perms["Finance"] | perms["Operations"]
    assert not any(p.startswith("accounts.") for p in perms["Operations"])
    assert {"catalog.change_product", "catalog.add_sku", "inventory.change_stock"} <= perms["Operations"]
    assert "catalog.change_product" not in perms["Customer Service"]


def test_admin_user_pages_work_for_a_superuser(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    AddressFactory(user=admin)
    client.force_login(admin)

    assert client.get("/admin/?apps").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{admin.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200


def test_customer_service_sees_users_read_only(client):
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Customer Service"))
    client.force_login(agent)

    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 403
    page = client.get(f"/admin/accounts/user/{agent.pk}/change/")
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()  # view only


def test_createsuperuser_with_email_works(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-of-the-shop-1")

    call_command("createsuperuser", "--email", "Boss@Example.com", "--noinput", verbosity=0)

    boss = User.objects.get()
    assert (boss.email, boss.is_superuser, boss.is_staff) == ("boss@example.com", True, True)
    assert boss.check_password("root-of-the-shop-1")


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo", products=0)
    call_command("seed_demo", products=0)

    output = capsys.readouterr().out
    assert output.count("admin@example.com / shop-admin-2026") == 2
    assert "customer@example.com / shop-customer-2026" in output
    # the admin, the demo customer and the shoppers orders' demo gives order histories
    assert User.objects.count() == 2 + len(demo.SHOPPERS)
    assert Address.objects.count() == 1 + len(demo.SHOPPERS)
    assert User.objects.get(email="admin@example.com").check_password("shop-admin-2026")
